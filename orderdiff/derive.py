"""The Werbos sweep: explicit partials per edge and ordered derivatives by Eq. 1.

Notation: dE/dz is the explicit derivative (E's own equation differentiated, all
else fixed); d+E/dz is Werbos's ordered derivative,

    d+E/dz_i = dE/dz_i + sum over successors j of d+E/dz_j * dz_j/dz_i      (Eq. 1)

One reverse sweep over the topological order visits each edge once; each local
partial dz_j/dz_i is computed once and rewritten in the system's own variables
(``1 - tanh(z)**2`` reads ``1 - h**2`` when ``h = tanh(z)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from sympy import Add, S

from .derivation import Derivation
from .errors import TargetError
from .limits import bounded_replace
from .naming import Dplus, NameMap
from .partials import local_partials

DEFAULT_MAX_SIZE = 2000


@dataclass(frozen=True)
class Step:
    """Eq. 1 for one variable: its explicit derivative and ``[(successor j, dz_j/dz_i)]``.

    Successors come latest first, as the reverse sweep meets them.
    """

    explicit: object
    terms: tuple


def derive(system, target=None, *, max_size=DEFAULT_MAX_SIZE, steps=None):
    """Explicit and ordered derivatives of ``target`` with respect to every variable.

    Parameters
    ----------
    system : System
        The equations, from :func:`orderdiff.parse` or built from sympy objects.
    target : str or Symbol, optional
        The variable to differentiate; by default the one variable nothing else uses.
    steps : int, optional
        For a block (vector, time-indexed) system: unroll over this many steps
        instead of deriving generic in t (see :func:`orderdiff.blocks.derive.derive_blocks`).
    max_size : int, optional
        Size budget (expression-tree nodes) for the ``closed`` and ``inputs`` forms;
        a form that exceeds it is reported as such instead of being built.

    Returns
    -------
    Derivation

    Raises
    ------
    TargetError
        An unknown target, or several candidate targets and none chosen.

    Examples
    --------
    >>> from orderdiff import parse, derive
    >>> d = derive(parse("z2 = 2*z1\\nz3 = 3*z2 + z1\\nz4 = 4*z3 + 2*z2 + z1\\nE = 4*z4 + 2*z2"))
    >>> [d.total[v] for v in ("z1", "z2", "z3", "z4")]
    [136, 58, 16, 4]
    >>> d.recursive["z2"]
    3*Dplus(E, z3) + 2*Dplus(E, z4) + 2
    """
    if getattr(system, "is_block", False):
        from .blocks.derive import derive_blocks

        return derive_blocks(system, target, steps=steps)
    target = choose_target(system, target)
    G = system.graph
    relevant = nx.ancestors(G, target) | {target}
    fold = folding_map(system, relevant)
    memo, partials = {}, {}
    for j in system.order:
        if j in relevant and j in system.equations:
            parents = sorted(G.predecessors(j), key=system.index.__getitem__)
            local = local_partials(system.equations[j].expr, parents)
            partials.update(((j, i), bounded_replace(d, fold, memo=memo)) for i, d in local.items())
    steps = {}
    for v in reversed(system.order):
        if v == target:
            steps[v] = Step(S.One, ())
        elif v not in relevant:
            steps[v] = Step(S.Zero, ())
        else:
            explicit = partials.get((target, v), S.Zero)
            succ = sorted((j for j in G.successors(v) if j in relevant and j != target),
                          key=system.index.__getitem__, reverse=True)
            steps[v] = Step(explicit, tuple((j, partials[j, v]) for j in succ))
    steps = {v: steps[v] for v in system.order}
    return Derivation(system, target, NameMap(steps), partials, max_size, relevant)


def recursive_form(target, step):
    """Eq. 1 for one variable as a sympy expression in ``Dplus(target, j)``."""
    return Add(step.explicit, *(Dplus(target, j) * p for j, p in step.terms))


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


def folding_map(system, relevant):
    """``{definition: variable}`` for the relevant variables defined by a compound expression."""
    return {system.equations[v].expr: v for v in system.order
            if v in relevant and v in system.equations and not system.equations[v].expr.is_Atom}

