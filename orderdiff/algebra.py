"""The scalar algebra: orderdiff's expressions as symengine objects, and sympy at the edges.

Inside, every scalar expression (an equation's right side, a local partial dz_j/dz_i, a
form of Eq. 1) is a symengine object: canonical sums and products, exact rationals, in
C++. orderdiff's functions are symengine *function symbols* (``sin(-x)`` stays as written;
their derivatives come from :mod:`orderdiff.functions`), ``Dplus(E, z)`` (Werbos's ordered
derivative d+E/dz in recursive forms) is one too. What users meet is sympy:
:func:`to_sympy` converts a symengine expression, on first access, into the sympy
expression the parser would build (sympy's own classes, functions unevaluated), and
:func:`from_sympy` converts the other way for systems built from sympy objects.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

import symengine as se
import sympy

# The function symbols of the algebra, by name: the functions an equation may call (but
# sqrt, a power 1/2), and those that appear only in derivatives or recursive forms.
NAMES = ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "abs",
         "sigmoid", "softplus", "relu", "sign", "Heaviside", "Dplus")
FUNCTION = {name: se.Function(name) for name in NAMES}

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


BUILTIN = {"sin": se.sin, "cos": se.cos, "tan": se.tan, "asin": se.asin, "acos": se.acos, "atan": se.atan,
           "sinh": se.sinh, "cosh": se.cosh, "tanh": se.tanh, "exp": se.exp, "log": se.log, "abs": se.Abs,
           "sigmoid": lambda x: 1 / (1 + se.exp(-x)), "softplus": lambda x: se.log(1 + se.exp(x)),
           "relu": lambda x: se.Max(x, 0)}


def evaluable(x):
    """A number-only expression with its function symbols as symengine's own functions,
    which ``n()`` evaluates."""
    args = x.args
    if not args:
        return x
    new = [evaluable(a) for a in args]
    if type(x) is FUNCTION_SYMBOL:
        return BUILTIN[x.get_name()](*new)
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
            gc.enable()


# --- sympy at the edges ---

CONSTANTS = {sympy.pi: se.pi, sympy.GoldenRatio: se.GoldenRatio, sympy.EulerGamma: se.EulerGamma,
             sympy.Catalan: se.Catalan}
CONSTANTS_BACK = {v: k for k, v in CONSTANTS.items()}

def _sympy_classes():
    from .functions import FUNCTIONS
    from .naming import Dplus

    classes = {name: rule.cls for name, rule in FUNCTIONS.items() if name != "sqrt"}
    classes.update(sign=sympy.sign, Dplus=Dplus)
    return classes


_CLASSES = {}


def to_sympy(expr, symbol_of, memo=None):
    """The sympy expression of a symengine one, as orderdiff's parser would build it.

    Symbols become ``symbol_of(name)`` (the system's own sympy symbols), function symbols
    sympy's unevaluated functions (``Heaviside(x, 0)``, ``Dplus(E, z)``); sums, products and
    powers are built by sympy, so the result is sympy's canonical form. ``memo``
    (``{symengine node: sympy node}``) may be shared between calls.
    """
    if not _CLASSES:
        _CLASSES.update(_sympy_classes())
    if expr.is_Number:
        return _sympy_node(expr, (), symbol_of)
    memo = {} if memo is None else memo
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        args = node.args
        if not ready and args:
            stack.append((node, True))
            stack.extend((a, False) for a in args if not a.is_Number and a not in memo)
            continue
        memo[node] = _sympy_node(node, [_sympy_node(a, (), symbol_of) if a.is_Number else memo[a] for a in args],
                                 symbol_of)  # numbers kept out of dicts: symengine's hash of large integers collides
    return memo[expr]


def _sympy_node(node, args, symbol_of):
    cls = type(node)
    if cls is ADD:
        return sympy.Add(*args)
    if cls is MUL:
        return sympy.Mul(*args)
    if cls is POW:
        return sympy.Pow(*args)
    if cls is SYMBOL:
        return symbol_of(node.name)
    if cls is FUNCTION_SYMBOL:
        name = node.get_name()
        if name == "Heaviside":
            return sympy.Heaviside(*args, evaluate=False)
        return _CLASSES[name](*args, evaluate=False)
    if node.is_Rational:
        return sympy.Rational(int(node.p), int(node.q))
    if node.is_Float:
        return sympy.Float(float(node))
    return CONSTANTS_BACK[node]  # a constant (pi) from a system built of sympy objects


def from_sympy(expr, memo=None):
    """The symengine expression of a sympy one built of orderdiff's operations (see
    :func:`orderdiff.system.as_expr`, which checks them); ``exp(1)``, sympy's ``E``, stays a call."""
    from .functions import RULES

    names = {cls: (rule.name or cls.__name__) for cls, rule in RULES.items()}
    names[sympy.Abs] = "abs"
    memo = {} if memo is None else memo
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if not ready and node.args:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
            continue
        args = [memo[a] for a in node.args]
        if node.is_Add:
            new = se.Add(*args)
        elif node.is_Mul:
            new = se.Mul(*args)
        elif node.is_Pow:
            new = se.Pow(*args)
        elif node.is_Symbol:
            new = se.Symbol(node.name)
        elif node.is_Rational:
            new = se.Rational(int(node.p), int(node.q))
        elif node.is_Float:
            new = se.RealDouble(float(node))
        elif node is sympy.E:
            new = call("exp", ONE)
        elif node.is_NumberSymbol:
            new = CONSTANTS[node]
        elif type(node).__name__ == "Dplus":
            new = call("Dplus", *args)
        else:
            new = call(names[type(node)], *args)
        memo[node] = new
    return memo[expr]
