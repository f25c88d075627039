"""Local partials of one equation, all parents at once, in one reverse pass over its tree.

For ``z_j = f(z_i, ...)`` this returns every ``dz_j/dz_i`` by propagating adjoints
from the root of the expression to its leaves (reverse mode on the expression tree),
with the differentiation rule of each node kind: sums pass the adjoint through,
products multiply by the other factors, powers use ``e*b**(e-1)`` and ``b**e*log(b)``,
and functions the derivative in their record of :mod:`orderdiff.functions`. Expressions
are symengine objects (:mod:`orderdiff.algebra`). The same tree evaluates in float64
with its local partials by forward mode (:func:`value_and_partials`), for the numeric
sweep.
"""

from __future__ import annotations

import math

import numpy

from .algebra import ADD, FUNCTION_SYMBOL, MUL, ONE, POW, SYMBOL, ZERO, Add, Mul, call, paused_gc, times
from .functions import BY_NAME, FLOATS, SYMENGINE

__all__ = ["local_partials", "postorder", "walk", "node_rules", "value_and_partials", "paused_gc"]


def local_partials(expr, wrt):
    """``{v: d expr / d v}`` for each symengine symbol ``v`` in ``wrt``."""
    contributions = {expr: [ONE]}
    for node, args in reversed(walk(expr)):
        parts = contributions.get(node)
        if not parts:
            continue
        g = parts[0] if len(parts) == 1 else Add(*parts)
        for child, d in node_rules(node, args):
            share = g if d is ONE else times(g, d) if g.is_Number or d.is_Number else g * d
            contributions.setdefault(child, []).append(share)
    return {v: _total(contributions.get(v)) for v in wrt}


def _total(parts):
    if not parts:
        return ZERO
    return parts[0] if len(parts) == 1 else Add(*parts)


def walk(expr):
    """``[(node, node.args)]`` for the distinct compound nodes (neither numbers nor symbols) of a
    symengine expression, children before parents (recursive: parsed and checked expressions
    nest at most :data:`~orderdiff.limits.MAX_DEPTH` levels)."""
    order = []
    if type(expr) is not SYMBOL and not expr.is_Number:
        _visit(expr, order, set())
    return order


def _visit(node, order, seen):
    # A module-level function, not a closure over itself: that would be a reference cycle
    # holding ``seen`` (every node) until a collection, which paused_gc postpones.
    seen.add(node)
    args = node.args
    for a in args:
        if type(a) is not SYMBOL and a not in seen and not a.is_Number:
            _visit(a, order, seen)
    order.append((node, args))


def postorder(expr, children=None):
    """The distinct nodes of ``expr`` reached through ``children`` (by default the
    non-number arguments), children before parents."""
    if children is None:
        children = _compound_args
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


def _compound_args(node):
    return [a for a in node.args if not a.is_Number]


def node_rules(node, args=None):
    """``[(child, d node / d child)]`` for the non-number children of ``node``."""
    cls = type(node)
    args = node.args if args is None else args
    if cls is ADD:
        return [(a, ONE) for a in args if not a.is_Number]
    if cls is MUL:
        return [(a, Mul(*args[:k], *args[k + 1:])) for k, a in enumerate(args) if not a.is_Number]
    if cls is POW:
        b, e = args
        rules = [] if b.is_Number else [(b, times(e, b ** (e - 1)))]
        return rules + ([] if e.is_Number else [(e, node * call("log", b))])
    if cls is FUNCTION_SYMBOL:
        return [(args[0], BY_NAME[node.get_name()].derivative(node, args[0], SYMENGINE))]
    return []


# --- Numbers: each node's value and partials in float64, by forward mode. ---

ONE_F = numpy.float64(1.0)


def number_value(x):
    """The float64 value of a symengine number (overflow gives an infinity)."""
    if x.is_Rational:
        try:
            return numpy.float64(int(x.p) / int(x.q))
        except OverflowError:
            return numpy.float64(math.inf if x.p > 0 else -math.inf)
    return numpy.float64(float(x))


def value_and_partials(expr, env, memo=None):
    """``(value, {name: d value / d name})`` of a symengine expression at ``env`` (names to
    floats), by forward mode with sparse gradients in float64 (IEEE: overflow gives inf,
    0/0 nan). ``memo`` (``{node: (value, grads)}``) may be shared within one point."""
    if expr.is_Number:
        return number_value(expr), {}
    if type(expr) is SYMBOL:
        return env[expr.name], {expr.name: ONE_F}
    memo = {} if memo is None else memo
    for node, args in walk(expr):
        if node not in memo:
            memo[node] = _forward(node, args, env, memo)
    return memo[expr]


def _leaf(a, env):
    if type(a) is SYMBOL:
        name = a.name
        return env[name], {name: ONE_F}
    return number_value(a), NO_GRADS


def _forward(node, args, env, memo):
    """(value, grads) of one compound node; numbers and symbols are evaluated where they
    occur, never kept in ``memo`` (symengine's hash of large integers collides)."""
    cls = type(node)
    parts = [_leaf(a, env) if type(a) is SYMBOL or a.is_Number else memo[a] for a in args]
    if cls is ADD:
        value, grads = numpy.float64(0.0), {}
        for v, g in parts:
            value = value + v
            for k, d in g.items():
                grads[k] = grads[k] + d if k in grads else d
        return value, grads
    if cls is MUL:
        return _product(parts)
    if cls is POW:
        (b, gb), (e, ge) = parts
        value = numpy.sqrt(b) if e == 0.5 else b ** e
        db = e * b ** (e - 1.0)
        grads = {k: db * d for k, d in gb.items()}
        if ge:
            de = value * numpy.log(b)
            for k, d in ge.items():
                grads[k] = grads[k] + de * d if k in grads else de * d
        return value, grads
    if cls is FUNCTION_SYMBOL:
        function = BY_NAME[node.get_name()]
        x, gx = parts[0]
        value = function.value(*(v for v, _ in parts))
        slope = function.derivative(value, x, FLOATS)
        return value, {k: slope * d for k, d in gx.items()}
    return number_value(node), {}


NO_GRADS = {}


def _product(parts):
    values = [v for v, _ in parts]
    value, prefix = ONE_F, []
    for v in values:
        prefix.append(value)
        value = value * v
    grads, suffix = {}, ONE_F
    for k in range(len(parts) - 1, -1, -1):
        share = prefix[k] * suffix
        for name, d in parts[k][1].items():
            grads[name] = grads[name] + share * d if name in grads else share * d
        suffix = suffix * values[k]
    return value, grads
