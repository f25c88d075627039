"""sympy at the edges of the scalar algebra: symengine expressions to sympy and back.

Inside orderdiff a scalar expression is a symengine object (:mod:`orderdiff.algebra`);
what users meet is sympy. :func:`to_sympy` converts a symengine expression, on first
access, into the sympy expression the parser would build (sympy's own classes, functions
unevaluated), and :func:`from_sympy` converts the other way for systems built from sympy
objects. The function table (:mod:`orderdiff.functions`) names the classes on either side.
"""

from __future__ import annotations

import symengine as se
import sympy

from .algebra import ADD, FUNCTION_SYMBOL, MUL, ONE, POW, SYMBOL, call
from .functions import FUNCTIONS, RULES
from .naming import Dplus

CONSTANTS = {sympy.pi: se.pi, sympy.GoldenRatio: se.GoldenRatio, sympy.EulerGamma: se.EulerGamma,
             sympy.Catalan: se.Catalan}
CONSTANTS_BACK = {v: k for k, v in CONSTANTS.items()}

def _sympy_classes():
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
