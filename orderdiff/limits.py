"""Bounds that keep hostile or huge input from hanging orderdiff.

Exact numbers are capped in size (``MAX_DIGITS``), so ``2**10**10**10`` is refused
before sympy would try to compute it; expressions are capped in nesting depth
(``MAX_DEPTH``), because sympy walks trees recursively; and derived forms are
built by :func:`bounded_replace`, which stops as soon as a result outgrows a size
budget instead of building an exponentially large tree.
"""

from __future__ import annotations

import math

from sympy import Function, Pow

MAX_DIGITS = 4000  # below Python's 4300-digit limit on printing integers
MAX_DEPTH = 100
MAX_NESTING = MAX_DEPTH // 2  # parentheses, signs and powers in one line
MAX_LITERAL_DIGITS = 1000  # digits of a number literal
LOG10_2 = math.log10(2)


class TooLarge(Exception):
    """A value or expression exceeds one of the bounds; the message says which."""


def digits(n):
    """Approximate number of decimal digits of the integer ``n``."""
    return int(abs(n).bit_length() * LOG10_2) + 1


def log10(n):
    """log10 of the positive integer ``n``, also beyond the range of floats."""
    return math.log10(n) if n.bit_length() < 1000 else n.bit_length() * LOG10_2


def check_power(base, exp):
    """Raise :class:`TooLarge` if ``base**exp`` of two exact numbers would be huge."""
    if not (base.is_Rational and exp.is_Rational):
        return
    p, q = abs(base.p), base.q
    if p in (0, 1) and q == 1:
        return
    size = abs(exp.p // exp.q) * max(log10(p), log10(q))
    if size > MAX_DIGITS:
        raise TooLarge(
            f"the number {base}**{exp} is too large (about {size:.3g} digits; "
            f"orderdiff keeps exact numbers up to {MAX_DIGITS} digits)")


def tree_size(expr):
    """Nodes of ``expr`` counted as printed (shared subtrees counted each time): the budget's unit."""
    return _measure(expr)[0]


def _measure(expr, memo=None):
    """(size, depth) of ``expr``, iteratively, with shared subtrees measured once."""
    memo = {} if memo is None else memo
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if ready or not node.args:
            if node.is_Rational and max(digits(node.p), digits(node.q)) > MAX_DIGITS:
                raise TooLarge(f"it holds a number of more than {MAX_DIGITS} digits")
            sizes = [memo[a] for a in node.args]
            memo[node] = (1 + sum(s for s, _ in sizes), 1 + max((d for _, d in sizes), default=0))
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if a not in memo)
    return memo[expr]


def check_form(expr, max_size, memo=None):
    """Raise :class:`TooLarge` if ``expr`` exceeds ``max_size`` nodes or ``MAX_DEPTH`` levels.

    ``memo`` may be shared between calls: sizes of (immutable) subtrees are measured once.
    """
    size, depth = _measure(expr, memo)
    _check(size, depth, max_size)
    return expr


def _check(size, depth, max_size):
    if size > max_size:
        raise TooLarge(f"it exceeds the size budget ({size:.3g} > {max_size} nodes)")
    if depth > MAX_DEPTH:
        raise TooLarge(f"it nests deeper than {MAX_DEPTH} levels")


def bounded_replace(expr, mapping, max_size=None, memo=None):
    """``expr.xreplace(mapping)`` without recursion, refusing results that grow too large.

    ``memo`` may be shared between calls with the same ``mapping``. Exact powers are
    checked with :func:`check_power` before sympy evaluates them. With ``max_size``,
    raises :class:`TooLarge` once the result (estimated while it is built) exceeds
    it or ``MAX_DEPTH``.
    """
    memo = {} if memo is None else memo
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if node in mapping:
            new = mapping[node]
            memo[node] = (new, *(_measure(new) if max_size else (0, 0)))
            continue
        if not node.args:
            memo[node] = (node, 1, 1)
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
            continue
        parts = [memo[a] for a in node.args]
        size = 1 + sum(p[1] for p in parts)
        depth = 1 + max(p[2] for p in parts)
        if max_size:
            _check(size, depth, max_size)
        args = [p[0] for p in parts]
        if isinstance(node, Pow):
            check_power(*args)
        changed = any(a is not b for a, b in zip(args, node.args))
        memo[node] = (rebuild(node, args) if changed else node, size, depth)
    result = memo[expr][0]
    if max_size:
        check_form(result, max_size)
    return result


def rebuild(node, args):
    """``node`` with new ``args``; functions stay unevaluated, as the parser builds them."""
    if isinstance(node, Function):
        return node.func(*args, evaluate=False)
    return node.func(*args)


MAX_PICTURE_STEPS = 8  # steps a picture of an unrolled block derivation draws: each adds a column of boxes
