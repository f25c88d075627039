"""Local partials of one equation, all parents at once, in one reverse pass over its tree.

For ``z_j = f(z_i, ...)`` this returns every ``dz_j/dz_i`` by propagating adjoints
from the root of the expression to its leaves (reverse mode on the expression tree),
with the differentiation rule of each node kind: sums pass the adjoint through,
products multiply by the other factors, powers use ``e*b**(e-1)`` and ``b**e*log(b)``,
and functions the derivative in their rule in :mod:`orderdiff.functions`. One pass
per equation replaces one ``sympy.diff`` per parent, which repeats the walk and
sympy's assumption queries for every parent.
"""

from __future__ import annotations

from sympy import Add, Mul, S, log

from .functions import RULES


def local_partials(expr, wrt):
    """``{v: d expr / d v}`` for each symbol ``v`` in ``wrt``."""
    contributions = {expr: [S.One]}
    for node in reversed(postorder(expr)):
        parts = contributions.get(node)
        if not parts or not node.args:
            continue
        g = Add(*parts)
        for child, d in node_rules(node):
            contributions.setdefault(child, []).append(g * d)
    return {v: Add(*contributions.get(v, ())) for v in wrt}


def postorder(expr, children=lambda node: (a for a in node.args if not a.is_Number)):
    """The distinct nodes of ``expr`` reached through ``children`` (by default the
    non-number arguments), children before parents."""
    order, seen, stack = [], set(), [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if ready:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((a, False) for a in children(node) if a not in seen)
    return order


def node_rules(node):
    """``[(child, d node / d child)]`` for the non-number children of ``node``."""
    args = node.args
    if node.is_Add:
        return [(a, S.One) for a in args if not a.is_Number]
    if node.is_Mul:
        return [(a, Mul(*args[:k], *args[k + 1:])) for k, a in enumerate(args) if not a.is_Number]
    if node.is_Pow:
        b, e = args
        rules = [] if b.is_Number else [(b, e * b ** (e - 1))]
        return rules + ([] if e.is_Number else [(e, node * log(b))])
    return [(args[0], RULES[type(node)].derivative(node, args[0]))]
