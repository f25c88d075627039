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

import functools
import gc
import math
from contextlib import contextmanager
from fractions import Fraction

import numpy
from sympy import Add, Heaviside, Integer, Mul, Pow, Rational, S, exp, log
from sympy.core.basic import _args_sortkey

from .functions import NUMERIC, POWER_REWRITES, RULES
from .functions import call as call_unevaluated
from .naming import Dplus


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


# --- The fast form: equations as plain tuples, read without sympy, evaluated in floats. ---
#
# A node is a number (``int`` or ``Fraction``, exact; ``float`` only for a sympy Float or
# constant) or a tuple
# ``(tag, ..., free symbol names, key)``: ``("s", name)``, ``("f", cls, arg)``,
# ``("p", base, exponent)``, ``("m", coefficient, factors, like)``, ``("a", constant, terms)``.
# The builders below mirror sympy's automatic canonicalisation on the shapes they accept
# and raise :class:`Fallback` wherever sympy could combine terms or factors (like terms,
# equal bases, a zero product, a power of a power): there the result's free symbols or
# validity could differ, and the caller builds the equation with sympy instead. ``key``
# (a hash) is equal for expressions sympy would find equal; when it is equal for others
# (or two hashes collide) the caller falls back too, which is slow but never wrong.
# ``like`` is a product's key without its coefficient (how sympy finds like terms).

EXACT = (int, Fraction)
NUMBERS = (int, Fraction, float)
NO_NAMES = frozenset()
ONE = Fraction(1)


@contextmanager
def paused_gc():
    """Pause Python's cyclic garbage collector: building many small tuples otherwise
    triggers collections that walk every live object, half the time of a large read."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Fallback(Exception):
    """The fast form cannot vouch that sympy would build the same expression."""


def symbol(name):
    return ("s", name, frozenset((name,)), hash(("s", name)))


def call(cls, arg):
    """``cls(arg)``, unevaluated as the parser builds it; a number argument falls back."""
    if arg.__class__ is not tuple:
        raise Fallback
    return ("f", cls, arg, arg[-2], hash(("f", cls, arg[-1])))


def power(b, e):
    """``b**e`` for a number ``e``; sympy rewrites powers of powers, products, exp and Abs."""
    if e.__class__ not in EXACT:
        raise Fallback
    if b.__class__ is not tuple:
        if (e.denominator != 1 or b.__class__ not in EXACT or b == 0 and e < 0
                or abs(e.numerator) * max(b.numerator.bit_length(), b.denominator.bit_length()) > 4000):
            raise Fallback
        return Fraction(b) ** e.numerator if e < 0 else b ** e.numerator
    tag = b[0]
    if e == 0 or tag == "p" or tag == "m" or tag == "f" and b[1] in POWER_REWRITES:
        raise Fallback
    if e == 1:
        return b
    return ("p", b, e, b[-2], hash(("p", b[-1], e)))


def times(a, b):
    """``a*b`` as sympy's binary product builds it (a number times a sum distributes)."""
    a_num, b_num = a.__class__ is not tuple, b.__class__ is not tuple
    if a_num and b_num:
        return a * b
    if a_num or b_num:
        c, x = (a, b) if a_num else (b, a)
        if c == 0 or c.__class__ is float:
            raise Fallback
        if c == 1:
            return x
        if c == -1 and x.__class__ is not tuple:
            return -x
        if x[0] == "a":
            return plus([x[1] * c] + [times(c, t) for t in x[2]])
        if x[0] == "m":
            return product(x[1] * c, x[2], x[3])
        return product(c, (x,), x[-1])
    ca, fa = (a[1], a[2]) if a[0] == "m" else (ONE, (a,))
    cb, fb = (b[1], b[2]) if b[0] == "m" else (ONE, (b,))
    factors = fa + fb
    bases = {f[1][-1] if f[0] == "p" else f[-1] for f in factors}
    if len(bases) != len(factors) or exp_count(factors) > 1:
        raise Fallback  # sympy would combine equal bases (exp(x)*exp(2*x) is exp(3*x))
    return product(ca * cb, factors, hash(frozenset(f[-1] for f in factors)))


def exp_count(factors):
    """How many factors are calls of exp: sympy's products combine those whose arguments
    differ by a number factor, as powers of E."""
    return sum(1 for f in factors if f[0] == "f" and f[1] is exp)


def product(c, factors, like):
    if c == 0:
        raise Fallback
    if c == 1 and len(factors) == 1:
        return factors[0]
    names = factors[0][-2].union(*[f[-2] for f in factors[1:]]) if len(factors) > 1 else factors[0][-2]
    return ("m", c, factors, like, names, hash(("m", c, like)))


def plus(terms):
    """``Add(*terms)``: numbers summed, sums flattened; like terms fall back."""
    const, items = 0, []
    for t in terms:
        if t.__class__ is not tuple:
            if t.__class__ is float:
                raise Fallback
            const += t
        elif t[0] == "a":
            const += t[1]
            items.extend(t[2])
        else:
            items.append(t)
    if not items:
        return const
    keys = [t[3] if t[0] == "m" else t[-1] for t in items]
    if len(set(keys)) != len(keys):
        raise Fallback  # possibly like terms
    if const == 0 and len(items) == 1:
        return items[0]
    names = items[0][-2].union(*[t[-2] for t in items[1:]])
    key = hash(("a", const, frozenset((t[1] if t[0] == "m" else ONE, k) for t, k in zip(items, keys))))
    return ("a", const, tuple(items), names, key)


def names_of(node):
    return NO_NAMES if isinstance(node, NUMBERS) else node[-2]


def from_sympy(expr):
    """The fast form of a sympy expression (no checks: it is evaluated, never compared)."""
    if expr.is_Rational:
        return int(expr.p) if expr.q == 1 else Fraction(int(expr.p), int(expr.q))
    if expr.is_Number or expr.is_NumberSymbol:
        return float(expr)
    if expr.is_Symbol:
        return symbol(expr.name)
    args = [from_sympy(a) for a in expr.args]
    names = NO_NAMES.union(*(names_of(a) for a in args))
    if expr.is_Add:
        return ("a", 0, tuple(args), names, None)
    if expr.is_Mul:
        return ("m", ONE, tuple(args), None, names, None)
    if expr.is_Pow:
        return ("P", args[0], args[1], names, None)
    return ("F", type(expr), tuple(args), names, None)


def to_sympy(node, symbol_of, memo=None):
    """The sympy expression of a fast form read from text: the one :class:`~orderdiff.parse.Parser`
    builds (``==``, same argument order), without its binary steps and assumption queries.

    The reader's forms are already in sympy's canonical form (the builders above fall back
    wherever sympy would combine anything), so each sum and product is made directly from
    its arguments in sympy's order: the number first, the rest sorted by ``Basic.compare``.
    ``symbol_of`` gives the Symbol of a name; ``memo`` (``{id(node): (node, expr)}``) may be
    shared between calls over forms that share nodes.
    """
    if node.__class__ is not tuple:
        return sympy_number(node)
    if memo is None:
        memo = {}
    done = memo.get(id(node))
    if done is not None:
        return done[1]
    tag = node[0]
    if tag == "s":
        expr = symbol_of(node[1])
    elif tag == "D":
        expr = Dplus(node[1], node[2])
    elif tag == "f":
        arg = to_sympy(node[2], symbol_of, memo)
        # relu's derivative is Heaviside(x, 0)
        expr = Heaviside(arg, 0, evaluate=False) if node[1] is Heaviside else call_unevaluated(node[1], arg)
    elif tag == "p":
        expr = Pow(to_sympy(node[1], symbol_of, memo), sympy_number(node[2]), evaluate=False)
    else:
        args = sorted((to_sympy(a, symbol_of, memo) for a in node[2]), key=_args_sortkey)
        c = node[1]
        if tag == "m":
            expr = Mul._from_args(args if c == 1 else [sympy_number(c), *args])
        else:
            expr = Add._from_args(args if c == 0 else [sympy_number(c), *args])
    memo[id(node)] = (node, expr)  # the node is kept alive with its id
    return expr


@functools.lru_cache(maxsize=4096)
def sympy_number(x):
    """The sympy number of an exact one (``int`` or ``Fraction``; equal ones give one number)."""
    return Integer(x) if x.__class__ is int else Rational(x.numerator, x.denominator)


def as_float(x):
    if isinstance(x, float):
        return numpy.float64(x)
    try:
        return numpy.float64(x.numerator / x.denominator)
    except OverflowError:
        return numpy.float64(math.inf if x > 0 else -math.inf)


def value_and_partials(node, env):
    """``(value, {name: d value / d name})`` of a fast-form node at ``env`` (names to floats).

    Forward mode with sparse gradients, in float64 (IEEE: overflow gives inf, 0/0 nan).
    """
    if isinstance(node, NUMBERS):
        return as_float(node), {}
    tag = node[0]
    if tag == "s":
        return env[node[1]], {node[1]: ONE_F}
    if tag == "a" or tag == "m":
        parts = [value_and_partials(a, env) for a in node[2]]
        if tag == "a":
            value, grads = as_float(node[1]), {}
            for v, g in parts:
                value = value + v
                for k, d in g.items():
                    grads[k] = grads[k] + d if k in grads else d
            return value, grads
        return _product(as_float(node[1]), parts)
    if tag == "f" or tag == "p":
        x, gx = value_and_partials(node[2] if tag == "f" else node[1], env)
        if tag == "f":
            f, df = NUMERIC[node[1]]
            value = f(x)
            slope = df(value, x)
        else:
            e = float(node[2])
            value = numpy.sqrt(x) if e == 0.5 else x ** e
            slope = e * x ** (e - 1.0)
        return value, {k: slope * d for k, d in gx.items()}
    return _general(node, env)


ONE_F = numpy.float64(1.0)


def _product(c, parts):
    values = [v for v, _ in parts]
    value, prefix = c, []
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


def _general(node, env):
    """Nodes from :func:`from_sympy` that the parser never builds: general powers and calls."""
    if node[0] == "P":
        (b, gb), (e, ge) = value_and_partials(node[1], env), value_and_partials(node[2], env)
        value = b ** e
        db, de = e * b ** (e - 1.0), value * numpy.log(b) if ge else 0.0
        grads = {k: db * d for k, d in gb.items()}
        for k, d in ge.items():
            grads[k] = grads.get(k, 0.0) + de * d
        return value, grads
    parts = [value_and_partials(a, env) for a in node[2]]
    f, df = NUMERIC[node[1]]
    x, gx = parts[0]
    value = f(*(v for v, _ in parts))
    slope = df(value, x)
    return value, {k: slope * d for k, d in gx.items()}
