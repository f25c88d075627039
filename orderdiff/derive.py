"""The Werbos sweep: explicit partials per edge and ordered derivatives by Eq. 1.

Notation: dE/dz is the explicit derivative (E's own equation differentiated, all
else fixed); d+E/dz is Werbos's ordered derivative,

    d+E/dz_i = dE/dz_i + sum over successors j of d+E/dz_j * dz_j/dz_i      (Eq. 1)

One reverse sweep over the topological order visits each edge once; each local
partial dz_j/dz_i is computed once and rewritten in the system's own variables
(``1 - tanh(z)**2`` reads ``1 - h**2`` when ``h = tanh(z)``). The symbolic partials and
steps are built per equation on first access; the numbers at a point come from a direct
float sweep over the equations' fast forms (:func:`numeric_sweep`), which builds none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy
from sympy import Add, S

from .errors import TargetError
from .fastpartials import fast_partials, folding, mult, ordered
from .limits import bounded_replace
from .naming import Dplus
from .partials import Fallback, local_partials, paused_gc, plus, to_sympy, value_and_partials

DEFAULT_MAX_SIZE = 2000


@dataclass(frozen=True)
class Step:
    """Eq. 1 for one variable: its explicit derivative and ``[(successor j, dz_j/dz_i)]``.

    Successors come latest first, as the reverse sweep meets them.
    """

    explicit: object
    terms: tuple


def step(derivation, v):
    """The :class:`Step` of ``v``: Eq. 1's explicit derivative and successors' partials."""
    system, target, partials = derivation.system, derivation.target, derivation.partials
    if v == target:
        return Step(S.One, ())
    if v not in derivation.relevant:
        return Step(S.Zero, ())
    explicit = partials.get((target, v), S.Zero)
    succ = sorted((j for j in system.users[v] if j in derivation.relevant and j != target),
                  key=system.index.__getitem__, reverse=True)
    return Step(explicit, tuple((j, partials[j, v]) for j in succ))


class LocalPartials(Mapping):
    """``{(j, i): dz_j/dz_i}`` for every edge into a relevant variable, built per equation on
    first access and rewritten in the system's own variables (folding)."""

    def __init__(self, system, relevant):
        self.system, self.relevant = system, relevant
        self._by_var = {}
        self._fast = {}  # {j: {name: fast form}} where the fast pass built j's partials
        self._memo = {}  # to_sympy's, shared: recursive forms reuse the partials' nodes
        self._canonical = {}  # folding's, shared across equations
        self._replaced = set()
        self._dplus = {}

    @cached_property
    def _edges(self):
        return [(j, i) for j in self.system.order if j in self.relevant and j in self.system.equations
                for i in self.system.parents(j)]

    def __getitem__(self, edge):
        j, i = edge
        if j not in self._by_var:
            if j not in self.relevant or j not in self.system.equations:
                raise KeyError(edge)
            self._by_var[j] = self._equation(j)
        return self._by_var[j][i]

    def __setitem__(self, edge, expr):
        """Replace one partial (tests use it to check that ``check`` catches a wrong one)."""
        self[edge]
        self._by_var[edge[0]][edge[1]] = expr
        self._replaced.add(edge[0])

    def _equation(self, j):
        parents = self.system.parents(j)
        try:
            return self._fast_equation(j, parents)
        except Fallback:
            return self._sympy_equation(j, parents)

    def _sympy_equation(self, j, parents):
        local = local_partials(self.system.equations[j].expr, parents)
        fold, memo = folding_map(self.system, self.relevant, j), {}
        return {i: bounded_replace(d, fold, memo=memo) for i, d in local.items()}

    def _fast_equation(self, j, parents):
        """The same partials from the reader's fast forms (:mod:`orderdiff.fastpartials`),
        without sympy's arithmetic; :class:`Fallback` where it cannot vouch for them."""
        system = self.system
        fold = folding([(system.equations[w].form, w.name) for w in folding_candidates(system, self.relevant, j)],
                       self._canonical)
        fast = self._fast[j] = fast_partials(system.equations[j].form, [i.name for i in parents], fold)
        return {i: self.sympy(fast[i.name]) for i in parents}

    def sympy(self, form):
        """The sympy expression of a fast form over the system's symbols (shared nodes built once)."""
        return to_sympy(form, self.system.resolve, self._memo)

    def ordered(self, target, j):
        """The fast form of ``Dplus(target, j)``, one object per pair, so that ``to_sympy``'s
        memo builds each once."""
        key = (target, j)
        if key not in self._dplus:
            self._dplus[key] = ordered(target, j)
        return self._dplus[key]

    def fast(self, edge):
        """The fast form of the partial ``edge``; :class:`Fallback` if sympy built it."""
        self[edge]
        forms = self._fast.get(edge[0])
        if forms is None or edge[0] in self._replaced:
            raise Fallback
        return forms[edge[1].name]

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
    """Eq. 1 for one variable as a sympy expression in ``Dplus(target, j)``."""
    return Add(step.explicit, *(Dplus(target, j) * p for j, p in step.terms))


def recursive(derivation, v):
    """:func:`recursive_form` of ``v``'s step, built from the fast partials where it can."""
    target, step_ = derivation.target, derivation.steps[v]
    if step_.terms:
        partials = derivation.partials
        try:
            explicit = partials.fast((target, v)) if (target, v) in partials else 0
            form = plus([explicit, *(mult(partials.ordered(target, j), partials.fast((j, v))) for j, _ in step_.terms)])
            return partials.sympy(form)
        except Fallback:
            pass
    return recursive_form(target, step_)


def choose_target(system, target):
    if target is not None:
        return system.resolve(target, "target")
    sinks = system.sinks()
    if len(sinks) == 1:
        return sinks[0]
    shown = ", ".join(map(str, sinks[:10])) + (f" and {len(sinks) - 10} more" if len(sinks) > 10 else "")
    first = system.equations[sinks[0]]
    raise TargetError(f"{len(sinks)} variables are used by no other equation: {shown}; "
                      "choose the target with --target", file=system.file, line=first.line,
                      col=first.col, source=first.source)


def folding_map(system, relevant, j):
    """``{definition: variable}`` for the relevant variables defined by a compound expression
    that can occur in the partials of ``j`` (those using no variable that ``j``'s does not)."""
    return {system.equations[w].expr: w for w in folding_candidates(system, relevant, j)}


def folding_candidates(system, relevant, j):
    """The variables of :func:`folding_map`, in order (of two with one definition, the later wins)."""
    names = system.equations[j].free_symbols
    candidates = set().union(system.constants, *(system.users[u] for u in names))  # in C: dense systems
    return sorted((w for w in candidates if w in relevant and names.issuperset(system.equations[w].free_symbols)
                   and not system.equations[w].is_atom), key=system.index.__getitem__)


def numeric_sweep(derivation, inputs):
    """Values, explicit and ordered derivatives, and edge partials at one point, in float64.

    Straight from the equations' fast forms (:mod:`orderdiff.partials`): each equation's
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
                env[v.name], grads = value_and_partials(eq.form, env)
                if v in relevant:
                    local[v] = grads
        index, users, into_target = system.index.__getitem__, system.users, local[target]
        explicit, total = {}, {}
        for v in reversed(system.order):
            if v == target or v not in relevant:
                explicit[v] = total[v] = 1.0 if v == target else 0.0
                continue
            g = explicit[v] = into_target.get(v.name, 0.0)
            for j in sorted((j for j in users[v] if j in relevant and j != target), key=index, reverse=True):
                g = g + total[j] * local[j].get(v.name, 0.0)
            total[v] = g
    order = system.order
    partials = {(j, i): local[j].get(i.name, 0.0) for j, i in derivation.partials}
    return ([env[v.name] for v in order], [explicit[v] for v in order], [total[v] for v in order], partials)
