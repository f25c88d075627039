"""Vector-Jacobian products of the block operations, as a flat table of rules.

For a node ``z = f(a, b, ...)`` and the adjoint ``g`` of ``z`` (d+E/dz, shaped like z),
each rule gives every child's share of ``g``: for ``z = A @ x`` it is ``g x^T`` for A and
``A^T g`` for x. Elementwise functions take their derivative from the scalar rules of
:mod:`orderdiff.functions`, lifted to blocks, so ``tanh`` gives ``g ⊙ (1 - h ⊙ h)`` once
``tanh(z)`` is folded to the variable ``h`` that it defines. :func:`local_vjps` runs the
table over one equation in a single reverse pass (as :mod:`orderdiff.partials` does for
scalars).
"""

from __future__ import annotations

import sympy
from sympy import Dummy, S
from sympy.core.symbol import Str

from .. import partials
from ..functions import BY_NAME, BY_SYMPY, SYMPY
from . import expr as B


def unbroadcast(g, x):
    """``g`` summed down to the shape of ``x`` (a scalar operand of a vector operation)."""
    return B.Total(g) if not B.shape_of(x) and B.shape_of(g) else g


def each(node, share):
    return [(a, unbroadcast(share(k), a)) for k, a in enumerate(node.args) if B.is_array(a)]


def matprod(node, g):
    A, X = node.args
    ga = B.Outer(g, X) if len(X.shape) == 1 else B.MatProd(g, B.Trans(X))
    return [(A, ga), (X, B.MatProd(B.Trans(A), g))]


def cat(node, g):
    out, start = [], S.Zero
    for part in node.args:
        stop = sympy.expand(start + part.shape[0])
        out.append((part, B.Rows(g, start, stop)))
        start = stop
    return out


def others(node, k):
    return [a for j, a in enumerate(node.args) if j != k]


VJPS = {
    B.Plus: lambda node, g: each(node, lambda k: g),
    B.Neg: lambda node, g: [(node.args[0], B.Neg(g))],
    B.Hadamard: lambda node, g: each(node, lambda k: B.Hadamard(g, *others(node, k))),
    B.Divide: lambda node, g: each(node, lambda k: B.Divide(g, node.args[1]) if k == 0
                                   else B.Neg(B.Divide(B.Hadamard(g, node), node.args[1]))),
    B.Power: lambda node, g: [(node.args[0], B.Hadamard(g, node.args[1],
                                                        B.Power(node.args[0], node.args[1] - 1)))],
    B.MatProd: matprod,
    B.Trans: lambda node, g: [(node.args[0], B.Trans(g))],
    B.Outer: lambda node, g: [(node.args[0], B.MatProd(g, node.args[1])),
                              (node.args[1], B.MatProd(B.Trans(g), node.args[0]))],
    B.Cat: cat,
    B.Rows: lambda node, g: [(node.args[0], B.Pad(g, node.args[1], node.args[0].shape[0]))],
    B.Pad: lambda node, g: [(node.args[0], B.Rows(g, node.args[1], node.args[1] + node.args[0].shape[0]))],
    B.Elementwise: lambda node, g: [(node.args[1], B.Hadamard(g, elementwise_derivative(node)))],
    B.Softmax: lambda node, g: [(node.args[0], B.Hadamard(node, B.Plus(g, B.Neg(B.Inner(node, g)))))],
    B.CrossEntropy: lambda node, g: each(node, lambda k: B.Hadamard(
        g, B.Neg(B.Elementwise(Str("log"), node.args[1])) if k == 0
        else B.Neg(B.Divide(node.args[0], node.args[1])))),
    B.SquaredError: lambda node, g: each(node, lambda k: B.Hadamard(
        g, B.Plus(node.args[k], B.Neg(node.args[1 - k])))),
    B.Total: lambda node, g: [(node.args[0], B.Broadcast(g, node.args[0].shape))],
    B.Inner: lambda node, g: each(node, lambda k: B.Hadamard(g, node.args[1 - k])),
    B.Broadcast: lambda node, g: [(node.args[0], B.Total(g))],
    B.SumT: lambda node, g: [(node.args[0], g)],
}


def elementwise_derivative(node):
    """f'(x) for ``node = f(x)`` elementwise, from the scalar rule, in terms of ``node`` and ``x``."""
    rule = BY_NAME[node.function]
    X = Dummy("x")
    F = rule.sympy(X, evaluate=False)
    return lift(rule.derivative(F, X, SYMPY), {F: node, X: node.args[1]})


def lift(e, leaves):
    """A scalar sympy expression as an elementwise block expression over ``leaves``."""
    if e in leaves:
        return leaves[e]
    if not e.free_symbols & set().union(*(x.free_symbols for x in leaves if isinstance(x, sympy.Basic))):
        return e
    args = [lift(a, leaves) for a in e.args]
    if e.is_Add:
        return B.Plus(*args)
    if e.is_Mul:
        return B.Hadamard(*args)
    if e.is_Pow:
        return B.Divide(S.One, args[0]) if args[1] == -1 else B.Power(*args)
    return B.Elementwise(Str(BY_SYMPY[type(e)].name), args[0])


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
        elif stop and isinstance(node, stop):
            stopped[node] = total
        else:
            for child, share in VJPS[type(node)](node, total):
                contributions.setdefault(child, []).append(share)
    return leaves, stopped


def postorder(expr, stop):
    """The distinct block nodes of ``expr``, children first, not entering ``stop`` nodes."""
    def children(node):
        if isinstance(node, B.Var) or (stop and isinstance(node, stop)):
            return ()
        return (a for a in node.args if B.is_array(a))
    return partials.postorder(expr, children)
