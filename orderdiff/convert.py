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

from .algebra import ADD, FUNCTION_SYMBOL, MUL, ONE, POW, SYMBOL, call, fold
from .functions import BY_SYMPY
from .naming import Dplus

CONSTANTS = {sympy.pi: se.pi, sympy.GoldenRatio: se.GoldenRatio, sympy.EulerGamma: se.EulerGamma,
             sympy.Catalan: se.Catalan}
CONSTANTS_BACK = {v: k for k, v in CONSTANTS.items()}

# The sympy class of each function symbol, by its name.
CLASSES = {f.name: cls for cls, f in BY_SYMPY.items()} | {"Dplus": Dplus}
NAMES = {cls: f.name for cls, f in BY_SYMPY.items()}  # and back


def to_sympy(expr, symbol_of, memo=None):
    """The sympy expression of a symengine one, as orderdiff's parser would build it.

    Symbols become ``symbol_of(name)`` (the system's own sympy symbols), function symbols
    sympy's unevaluated functions (``Heaviside(x, 0)``, ``Dplus(E, z)``); sums, products and
    powers are built by sympy, so the result is sympy's canonical form. ``memo``
    (``{symengine node: sympy node}``) may be shared between calls.
    """
    return fold(expr, lambda node, args: _sympy_node(node, args, symbol_of), memo,
                number=lambda x: _sympy_node(x, (), symbol_of))


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
        return CLASSES[node.get_name()](*args, evaluate=False)
    if node.is_Rational:
        return sympy.Rational(int(node.p), int(node.q))
    if node.is_Float:
        return sympy.Float(float(node))
    return CONSTANTS_BACK[node]  # a constant (pi) from a system built of sympy objects


def from_sympy(expr, memo=None):
    """The symengine expression of a sympy one built of orderdiff's operations (see
    :func:`orderdiff.system.as_expr`, which checks them); ``exp(1)``, sympy's ``E``, stays a call."""
    return fold(expr, _symengine_node, memo)


def _symengine_node(node, args):
    if node.is_Add:
        return se.Add(*args)
    if node.is_Mul:
        return se.Mul(*args)
    if node.is_Pow:
        return se.Pow(*args)
    if node.is_Symbol:
        return se.Symbol(node.name)
    if node.is_Rational:
        return se.Rational(int(node.p), int(node.q))
    if node.is_Float:
        return se.RealDouble(float(node))
    if node is sympy.E:
        return call("exp", ONE)
    if node.is_NumberSymbol:
        return CONSTANTS[node]
    if type(node).__name__ == "Dplus":
        return call("Dplus", *args)
    return call(NAMES[type(node)], *args)
