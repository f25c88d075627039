"""The scalar algebra: orderdiff's expressions as symengine objects, and sympy at the edges.

Inside, every scalar expression (an equation's right side, a local partial dz_j/dz_i, a
form of Eq. 1) is a symengine object: canonical sums and products, exact rationals, in
C++. orderdiff's functions are symengine *function symbols* (``sin(-x)`` stays as written;
each is a record of :mod:`orderdiff.functions`), ``Dplus(E, z)`` (Werbos's ordered
derivative d+E/dz in recursive forms) is one too. What users meet is sympy: the
conversions at that edge are :mod:`orderdiff.convert`'s.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

import symengine as se

from .functions import BY_NAME, TABLE

# The function symbols of the algebra, by name: the table's functions (but sqrt, a power 1/2)
# and Dplus, which appears only in recursive forms.
FUNCTION = {f.name: f.symengine for f in TABLE if f.name != "sqrt"} | {"Dplus": se.Function("Dplus")}

Add, Mul, Pow, Symbol, Integer, Rational = se.Add, se.Mul, se.Pow, se.Symbol, se.Integer, se.Rational
ZERO, ONE, MINUS_ONE, HALF = se.Integer(0), se.Integer(1), se.Integer(-1), se.Rational(1, 2)
ADD, MUL, POW, SYMBOL, FUNCTION_SYMBOL = (type(e) for e in (
    se.Symbol("a") + se.Symbol("b"), se.Symbol("a") * se.Symbol("b"), se.Symbol("a") ** se.Symbol("b"),
    se.Symbol("a"), FUNCTION["sin"](se.Symbol("a"))))
INVALID = (se.zoo, se.nan, se.oo, -se.oo)


def call(name, *args):
    """``name(*args)``, unevaluated (a function symbol)."""
    return FUNCTION[name](*args)


def times(a, b):
    """``a*b``, a number times a sum distributed over it as sympy does (``2*(x + 1)`` is
    ``2*x + 2``), so that a file means what it would mean to sympy (``2*(x + 1) - 2*x`` is 2)
    and derivatives read as they would in sympy (``y - h``, not ``-(h - y)``)."""
    return distributed(a * b)


def distributed(e):
    """``e``, where it is a number times one sum, with the number distributed over the sum."""
    if type(e) is MUL:
        args = e.args
        if len(args) == 2 and args[0].is_Number and type(args[1]) is ADD:
            c = args[0]
            return Add(*(distributed(c * t) for t in args[1].args))
    return e


_CARRIER = se.Function("carrier")


def replaced(exprs, mapping):
    """``[e.xreplace(mapping) for e in exprs]`` in one call: symengine converts the mapping
    once a call, which for many expressions and a large mapping (dense systems) dominates."""
    if len(exprs) < 2:
        return [e.xreplace(mapping) for e in exprs]
    return list(_CARRIER(*exprs).xreplace(mapping).args)


def dplus(target, var):
    """``Dplus(target, var)`` over the symengine symbols of two names."""
    return FUNCTION["Dplus"](se.Symbol(target), se.Symbol(var))


def is_real_number(x):
    """Whether a number-only expression has a real value (``2*(-1)**(1/3)`` and ``asin(2)`` do not)."""
    if x.is_Rational:
        return True
    try:
        return complex(evaluable(x).n()).imag == 0
    except (TypeError, ValueError, RuntimeError):
        return False


def evaluable(x):
    """A number-only expression with its function symbols as symengine's own functions,
    which ``n()`` evaluates."""
    args = x.args
    if not args:
        return x
    new = [evaluable(a) for a in args]
    if type(x) is FUNCTION_SYMBOL:
        return BY_NAME[x.get_name()].exact(*new)
    return x.func(*new)


@contextmanager
def paused_gc():
    """Pause Python's cyclic garbage collector: building many small objects otherwise
    triggers collections that walk every live object."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # What was built while paused is all in the youngest generation, which the next
            # collection would walk whole: moved to the oldest, it waits for a full one (not
            # where the caller froze objects of its own, which unfreezing would let go).
            ours = gc.get_freeze_count() == 0
            if ours:
                gc.freeze()
            gc.enable()
            if ours:
                gc.unfreeze()


def fold(expr, combine, memo=None, number=None):
    """``combine(node, [the values of its arguments])`` at the root of ``expr``, children first,
    each distinct node once, iteratively (a deep tree needs no recursion).

    ``memo`` (``{node: value}``) may be shared between calls. With ``number``, a number's
    value is ``number(node)``, computed where it occurs and never kept in ``memo``:
    symengine's hash of large integers collides (all multiples of a power of two share
    one), so a dict of many of them would compare them one by one.
    """
    if number is not None and expr.is_Number:
        return number(expr)
    memo = {} if memo is None else memo
    kept = (lambda a: not a.is_Number) if number is not None else (lambda a: True)
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        args = node.args
        if not ready and args:
            stack.append((node, True))
            stack.extend((a, False) for a in args if kept(a) and a not in memo)
            continue
        memo[node] = combine(node, [memo[a] if kept(a) else number(a) for a in args])
    return memo[expr]
