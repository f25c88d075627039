"""Bounds that keep hostile or huge input from hanging orderdiff.

Exact numbers are capped in size (``MAX_DIGITS``), so ``2**10**10**10`` is refused
before the algebra would try to compute it; expressions are capped in nesting depth
(``MAX_DEPTH``), because sympy, where users meet them, walks trees recursively; and
derived forms are built by :func:`bounded_replace`, which stops as soon as a result
outgrows a size budget instead of building an exponentially large tree. Expressions
here are symengine objects (:mod:`orderdiff.algebra`); :func:`check_power` takes sympy
numbers too.
"""

from __future__ import annotations

import math

from .algebra import POW, fold

MAX_DIGITS = 4000  # below Python's 4300-digit limit on printing integers
MAX_DEPTH = 100
MAX_NESTING = MAX_DEPTH // 2  # parentheses, signs and powers in one line
MAX_LITERAL_DIGITS = 1000  # digits of a number literal
# Block files. Time: the largest k in h[t-k], as many initial values back (h[0] .. h[1-k]),
# and the most steps a derivation unrolls (--steps, derive(steps=...)); each step back is
# an initial value to check and a slot of the generated program, so it is bounded before either
MAX_LAG = 1000
MAX_STEPS = MAX_LAG
MAX_EXTENT = 10**6  # a whole number in a shape or a slice (rows or columns)
MAX_BLOCK_LINE = 20000  # characters of one logical line: each costs a few sympy nodes, several times
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
    p, q = abs(int(base.p)), int(base.q)
    if p in (0, 1) and q == 1:
        return
    e = abs(int(exp.p) // int(exp.q))
    if not e:
        return
    scale = max(log10(p), log10(q))
    if e.bit_length() < 64:
        size = e * scale
        too_large, about = size > MAX_DIGITS, f"{size:.3g}"
    else:  # in logarithms: an exponent of 400 digits (4^2e400) would overflow a float
        too_large, about = True, f"10^{log10(e) + math.log10(scale):.0f}"
    if too_large:
        raise TooLarge(
            f"the number {shown(base)}**{shown(exp)} is too large (about {about} digits; "
            f"orderdiff keeps exact numbers up to {MAX_DIGITS} digits)")


def shown(x, width=24):
    """``x`` as text, a number of more than ``width`` characters cut to its first digits and its length."""
    text = str(x)
    return text if len(text) <= width else f"{text[:8]}...({len(text)} characters)"


def tree_size(expr):
    """Nodes of ``expr`` counted as printed (shared subtrees counted each time): the budget's unit."""
    return _measure(expr)[0]


def _measure(expr, memo=None):
    """(size, depth) of ``expr``, iteratively, with shared subtrees measured once.

    Numbers are measured where they occur, never kept in ``memo``: symengine's hash of
    large integers collides (all multiples of a power of two share one), so a dict of
    many of them would compare them one by one.
    """
    return fold(expr, _combined, memo, number=_number)


def _combined(node, sizes):
    return 1 + sum(s for s, _ in sizes), 1 + max((d for _, d in sizes), default=0)


def _number(x):
    if x.is_Rational and max(digits(int(x.p)), digits(int(x.q))) > MAX_DIGITS:
        raise TooLarge(f"it holds a number of more than {MAX_DIGITS} digits")
    return 1, 1


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
    if expr.is_Number:
        return expr
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
        args = node.args
        if not args:
            memo[node] = (node, 1, 1)
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((a, False) for a in args if not a.is_Number and a not in memo)
            continue
        parts = [(a, 1, 1) if a.is_Number else memo[a] for a in args]
        size = 1 + sum(p[1] for p in parts)
        depth = 1 + max(p[2] for p in parts)
        if max_size:
            _check(size, depth, max_size)
        args = [p[0] for p in parts]
        if type(node) is POW:
            check_power(*args)
        changed = any(a is not b for a, b in zip(args, node.args))
        memo[node] = (rebuild(node, args) if changed else node, size, depth)
    result = memo[expr][0]
    if max_size:
        check_form(result, max_size)
    return result


def rebuild(node, args):
    """``node`` with new ``args`` (functions are function symbols: they stay unevaluated)."""
    return node.func(*args)


MAX_PICTURE_STEPS = 8  # steps a picture of an unrolled block derivation draws: each adds a column of boxes
MAX_PICTURE_EQUATIONS = 100  # a block file's picture in a document: past these no page holds it (nor 20 do
# at the least label size), and routing its edges would cost minutes
