"""The vector-Jacobian products of one equation, in a single reverse pass.

For a node ``z = f(a, b, ...)`` and the adjoint ``g`` of ``z`` (d+E/dz, shaped like z),
each operation's record (:mod:`orderdiff.blocks.ops`) gives every child's share of ``g``.
:func:`local_vjps` runs those rules over one equation, children after parents (as
:mod:`orderdiff.partials` does for scalars): the mechanism, apart from the table of rules.
"""

from __future__ import annotations

from .. import partials
from . import expr as B


def local_vjps(expr, g):
    """``{Var: share of the adjoint g}`` for every variable of the equation ``expr``.

    Contributions that reach a static variable from inside ``sum_t(...)`` are summed
    over time (wrapped in :class:`SumT`); time-indexed ones stay generic in t.
    """
    out, sums = accumulate(expr, g, stop=B.SumT)
    for node, gs in sums.items():
        inner, _ = accumulate(node.args[0], gs, stop=())
        for v, share in inner.items():
            share = share if v.time else B.SumT(share)
            out[v] = B.Plus(out[v], share) if v in out else share
    return out


def accumulate(expr, g, stop):
    """One reverse pass: the adjoints of the Var leaves, and of the ``stop`` nodes met."""
    contributions = {expr: [g]}
    leaves, stopped = {}, {}
    for node in reversed(postorder(expr, stop)):
        parts = contributions.get(node)
        if not parts:
            continue
        total = parts[0] if len(parts) == 1 else B.Plus(*parts)
        if isinstance(node, B.Var):
            leaves[node] = total
        elif not B.is_array(node):
            continue  # a number (a = 3, relu(1)): no variable below it
        elif stop and isinstance(node, stop):
            stopped[node] = total
        else:
            for child, share in node.op.vjp(node, total):
                contributions.setdefault(child, []).append(share)
    return leaves, stopped


def postorder(expr, stop):
    """The distinct block nodes of ``expr``, children first, not entering ``stop`` nodes."""
    def children(node):
        if isinstance(node, B.Var) or (stop and isinstance(node, stop)):
            return ()
        return (a for a in node.args if B.is_array(a))
    return partials.postorder(expr, children)
