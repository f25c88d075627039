"""The Werbos sweep: explicit partials per edge and ordered derivatives by Eq. 1.

Notation: dE/dz is the explicit derivative (E's own equation differentiated, all
else fixed); d+E/dz is Werbos's ordered derivative,

    d+E/dz_i = dE/dz_i + sum over successors j of d+E/dz_j * dz_j/dz_i      (Eq. 1)

One reverse sweep over the topological order visits each edge once; each local
partial dz_j/dz_i is computed once and rewritten in the system's own variables
(``1 - tanh(z)**2`` reads ``1 - h**2`` when ``h = tanh(z)``). The symbolic partials and
steps are symengine expressions (:mod:`orderdiff.algebra`), built per equation on first
access; users read them as sympy expressions, converted on first access. The numbers at
a point come from a direct float sweep over the equations (:func:`numeric_sweep`), which
builds no symbolic partial.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

import numpy

from . import algebra, graph
from .algebra import ONE, ZERO, Add, paused_gc
from .convert import from_sympy, to_sympy
from .partials import local_partials, value_and_partials
from . import sweep
from .sweep import Step

DEFAULT_MAX_SIZE = 2000


def step(derivation, v):
    """The :class:`~orderdiff.sweep.Step` of ``v``: Eq. 1's explicit derivative and each other
    user's share, d+E/dz_j * dz_j/dv (:func:`orderdiff.sweep.step`)."""
    target, partials, relevant = derivation.target, derivation.partials, derivation.relevant
    if v == target:
        return Step(ONE, ())
    if v not in relevant:
        return Step(ZERO, ())
    # users come in order, and order holds each variable once: latest first is their reverse
    users = [j for j in reversed(derivation.system.users[v]) if j in relevant]
    return sweep.step(target, [(j, partials.share(target, j, v)) for j in users], ZERO)


class LocalPartials(Mapping):
    """``{(j, i): dz_j/dz_i}`` for every edge into a relevant variable, built per equation on
    first access and rewritten in the system's own variables (folding).

    Entries read as sympy expressions (converted on first access); :meth:`core` gives the
    symengine expression the sweep and printers use.
    """

    def __init__(self, system, relevant):
        self.system, self.relevant = system, relevant
        self._by_var = {}  # {j: {i: symengine partial}}
        self._sympy = {}  # {edge: sympy partial}
        self._memo = {}  # to_sympy's, shared: partials share nodes
        self._adjoints = {}  # {j: Dplus(E, j)}, made once each

    @cached_property
    def _edges(self):
        return [(j, i) for j in self.system.order if j in self.relevant and j in self.system.equations
                for i in self.system.parents(j)]

    def core(self, edge):
        """The symengine expression of the partial ``edge``."""
        j, i = edge
        if j not in self._by_var:
            if j not in self.relevant or j not in self.system.equations:
                raise KeyError(edge)
            self._by_var[j] = self._equation(j)
        return self._by_var[j][i]

    def share(self, target, j, v):
        """User ``j``'s share in Eq. 1 of ``v``: d+E/dz_j * dz_j/dv, or dz_j/dv from the target's
        own equation (d+E/dE = 1), as a symengine expression."""
        partial = self.core((j, v))
        if j is target:
            return partial
        adjoint = self._adjoints.get(j)
        if adjoint is None:
            adjoint = self._adjoints[j] = algebra.dplus(target.name, j.name)
        return adjoint * partial

    def __getitem__(self, edge):
        expr = self._sympy.get(edge)
        if expr is None:
            expr = self._sympy[edge] = self.sympy(self.core(edge))
        return expr

    def __setitem__(self, edge, expr):
        """Replace one partial (tests use it to check that ``check`` catches a wrong one)."""
        self.core(edge)
        self._by_var[edge[0]][edge[1]] = from_sympy(expr)
        self._sympy[edge] = expr

    def _equation(self, j):
        system = self.system
        parents = system.parents(j)
        local = list(local_partials(system.equations[j].core, [algebra.Symbol(i.name) for i in parents]).values())
        fold = folding_map(system, self.relevant, j, self._anchored)
        return dict(zip(parents, algebra.replaced(local, fold) if fold else local))

    @cached_property
    def _anchored(self):
        """``{u: [w, ...]}``: each defined variable under the first of its parents (see :func:`folding_candidates`)."""
        system, anchored = self.system, {}
        for w in system.order:
            parents = system.parents(w)
            if parents:
                anchored.setdefault(parents[0], []).append(w)
        return anchored

    def sympy(self, expr):
        """The sympy expression of a symengine one over the system's symbols (shared nodes built once)."""
        return to_sympy(expr, self.system.resolve, self._memo)

    def __iter__(self):
        return iter(self._edges)

    def __len__(self):
        return len(self._edges)

    def __contains__(self, edge):
        try:
            j, i = edge
        except (TypeError, ValueError):
            return False
        return j in self.relevant and j in self.system.equations and i in self.system.equations[j].free_symbols


def recursive_form(target, step):
    """Eq. 1 for one variable as a symengine expression in ``Dplus(target, j)``: its explicit
    derivative plus the shares of its other users."""
    return Add(step.explicit, *(share for _, share in step.terms))


def recursive(derivation, v):
    """:func:`recursive_form` of ``v``'s step."""
    return recursive_form(derivation.target, derivation.steps[v])


def choose_target(system, target):
    """The target's symbol: ``target`` resolved, by default the one variable nothing else uses."""
    if target is not None:
        return system.resolve(target, "target")
    return graph.sole_sink(system.sinks(), system.equations, system.file)


def folding_map(system, relevant, j, anchored=None):
    """``{definition: variable}`` (symengine) for the relevant variables defined by a compound
    expression that can occur in the partials of ``j`` (those using no variable that ``j``'s
    does not); of two with one definition, the later wins."""
    return {system.equations[w].core: algebra.Symbol(w.name)
            for w in folding_candidates(system, relevant, j, anchored)}


def folding_candidates(system, relevant, j, anchored=None):
    """The variables of :func:`folding_map`, in order (of two with one definition, the later wins).

    A candidate uses only variables that ``j`` uses, so it is found under the first of its
    parents in ``anchored`` (``{u: variables whose first parent is u}``): each variable is
    looked at once per equation, not once per parent it shares with ``j`` (dense systems).
    """
    if anchored is None:
        anchored = {}
        for w in system.order:
            if system.parents(w):
                anchored.setdefault(system.parents(w)[0], []).append(w)
    names = system.equations[j].free_symbols
    candidates = [*system.constants, *(w for u in names for w in anchored.get(u, ()))]
    return sorted((w for w in candidates if w in relevant and names.issuperset(system.equations[w].free_symbols)
                   and not system.equations[w].is_atom), key=system.index.__getitem__)


def numeric_sweep(derivation, inputs):
    """Values, explicit and ordered derivatives, and edge partials at one point, in float64.

    Straight from the equations (:func:`orderdiff.partials.value_and_partials`): each equation's
    value and local partials by forward mode, then Eq. 1 in floats, latest variable first;
    nothing symbolic is built and nothing compiled. Returns ``(values, explicit, totals,
    {edge: partial})``, the lists in dependency order.
    """
    system, target, relevant = derivation.system, derivation.target, derivation.relevant
    env, local = {v.name: numpy.float64(x) for v, x in zip(derivation.inputs, inputs)}, {}
    with numpy.errstate(all="ignore"), paused_gc():
        for v in system.order:
            eq = system.equations.get(v)
            if eq is not None:
                env[v.name], grads = value_and_partials(eq.core, env)
                if v in relevant:
                    local[v] = grads
        users, into_target = system.users, local[target]
        explicit, total = {}, {}
        for v in reversed(system.order):
            if v is target or v not in relevant:
                explicit[v] = total[v] = 1.0 if v is target else 0.0
                continue
            g = explicit[v] = into_target.get(v.name, 0.0)
            for j in reversed(users[v]):  # latest first, as in step()
                if j not in relevant or j is target:
                    continue
                g = g + total[j] * local[j].get(v.name, 0.0)
            total[v] = g
    order = system.order
    partials = {edge: local[edge[0]].get(edge[1].name, 0.0) for edge in derivation.partials}  # keys shared
    return ([env[v.name] for v in order], [explicit[v] for v in order], [total[v] for v in order], partials)
