"""The scalar functions, one record each in one flat table: everything orderdiff knows of one.

A record names the function as an equation file writes it and gives its number of
arguments; its sympy class (what users and sympy's printers see) and its symengine
call (what orderdiff computes with: an unevaluated function symbol, so ``sin(-x)`` stays
as written); symengine's own function, which evaluates a call of a number; its first
derivative; its float64 value; its NumPy template; its LaTeX; and its domain and
conventions. Every module that meets a function reads it here, block files too: an
elementwise ``tanh(z)`` is the scalar ``tanh`` lifted to blocks.

The derivative is written once, as ``derivative(f, x, ops)``: d f(x)/dx for the call
``f`` with argument ``x``, built with the constructors of one algebra, ``ops`` (the
namespaces :data:`SYMPY`, :data:`SYMENGINE` and :data:`FLOATS`: ``ops.cos(x)``,
``ops.sqrt(x)``, ``ops.zero``). The same function gives the derivative on sympy objects,
on symengine objects and in float64. Conventions: ``relu'(0) = 0`` and
``abs'(0) = sign(0) = 0``; ``sign`` and ``Heaviside`` appear only in derivatives, where
their own derivative is 0.

sympy knows most functions; ``sigmoid``, ``softplus`` and ``relu`` are defined here.
``sqrt`` is a power in both algebras (``x**(1/2)``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy
import symengine as se
import sympy
from sympy import Function, Heaviside, sign


class sigmoid(Function):
    """The logistic function 1/(1 + exp(-x)); sigmoid' = sigmoid (1 - sigmoid)."""

    def fdiff(self, argindex=1):
        return BY_NAME["sigmoid"].derivative(self, self.args[0], SYMPY)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real


class softplus(Function):
    """log(1 + exp(x)); softplus' = sigmoid."""

    def fdiff(self, argindex=1):
        return BY_NAME["softplus"].derivative(self, self.args[0], SYMPY)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real

    def _eval_evalf(self, prec):  # softplus(1) as a float: mpmath has no softplus
        if self.args[0].is_number:
            return sympy.log(1 + sympy.exp(self.args[0]))._eval_evalf(prec)


class relu(Function):
    """max(x, 0); relu'(x) = Heaviside(x) with relu'(0) = 0."""

    def fdiff(self, argindex=1):
        return BY_NAME["relu"].derivative(self, self.args[0], SYMPY)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real

    def _eval_evalf(self, prec):  # relu(1) as a float: mpmath has no relu
        if self.args[0].is_number:
            return sympy.Max(self.args[0], 0)._eval_evalf(prec)


def _sigmoid(x):
    return 0.5 + 0.5 * numpy.tanh(0.5 * x)  # no overflow of exp(-x) for large negative x


@dataclass(frozen=True, slots=True)
class ScalarFunction:
    """One scalar function: its name and every form of it orderdiff uses.

    ``sympy`` and ``symengine`` build a call; ``exact`` is symengine's own function of
    numbers (``n()`` evaluates it), and ``folds`` says whether a call of a number folds to
    its value where that is rational (``sin(0)`` is 0; ``sigmoid(0)`` stays a call).
    ``derivative(f, x, ops)`` is d f(x)/dx in the algebra ``ops``; ``value`` the float64
    value. ``numpy`` is a format string with ``{0}`` for the argument (``{1}`` for the
    second); ``latex`` is LaTeX with ``#1`` for the argument. ``domain`` is the open
    interval of real arguments where the function and its derivative are defined and
    ``notes`` its conventions in words. Only a ``public`` function may be called in a file.
    ``latex`` is the block printers' spelling (and Heaviside's everywhere); the scalar LaTeX is
    sympy's own printer, which spells the other functions itself (``\\operatorname{sigmoid}``).
    """

    name: str
    arity: int
    sympy: Callable
    symengine: Callable
    exact: Callable
    folds: bool
    derivative: Callable
    value: Callable
    numpy: str
    latex: str
    domain: tuple = (-math.inf, math.inf)
    notes: str = ""
    public: bool = True


F = ScalarFunction
sym = se.Function  # an unevaluated symengine function symbol

# Grouped as the docs list them; the order of the public ones is that of ``known functions``.
# F(name, arity, sympy, symengine, exact, folds, derivative, value, numpy, latex[, domain, notes])
TABLE = (
    # --- trigonometric ---
    F("sin", 1, sympy.sin, sym("sin"), se.sin, True, lambda f, x, ops: ops.cos(x),
      numpy.sin, "numpy.sin({0})", r"\sin\left(#1\right)"),
    F("cos", 1, sympy.cos, sym("cos"), se.cos, True, lambda f, x, ops: -ops.sin(x),
      numpy.cos, "numpy.cos({0})", r"\cos\left(#1\right)"),
    F("tan", 1, sympy.tan, sym("tan"), se.tan, True, lambda f, x, ops: 1 + f**2,
      numpy.tan, "numpy.tan({0})", r"\tan\left(#1\right)", notes="undefined at odd multiples of pi/2"),
    F("asin", 1, sympy.asin, sym("asin"), se.asin, True, lambda f, x, ops: 1 / ops.sqrt(1 - x**2),
      numpy.arcsin, "numpy.arcsin({0})", r"\arcsin\left(#1\right)", (-1.0, 1.0)),
    F("acos", 1, sympy.acos, sym("acos"), se.acos, True, lambda f, x, ops: -1 / ops.sqrt(1 - x**2),
      numpy.arccos, "numpy.arccos({0})", r"\arccos\left(#1\right)", (-1.0, 1.0)),
    F("atan", 1, sympy.atan, sym("atan"), se.atan, True, lambda f, x, ops: 1 / (1 + x**2),
      numpy.arctan, "numpy.arctan({0})", r"\arctan\left(#1\right)"),
    # --- hyperbolic ---
    F("sinh", 1, sympy.sinh, sym("sinh"), se.sinh, True, lambda f, x, ops: ops.cosh(x),
      numpy.sinh, "numpy.sinh({0})", r"\sinh\left(#1\right)"),
    F("cosh", 1, sympy.cosh, sym("cosh"), se.cosh, True, lambda f, x, ops: ops.sinh(x),
      numpy.cosh, "numpy.cosh({0})", r"\cosh\left(#1\right)"),
    F("tanh", 1, sympy.tanh, sym("tanh"), se.tanh, True, lambda f, x, ops: 1 - f**2,
      numpy.tanh, "numpy.tanh({0})", r"\tanh\left(#1\right)"),
    # --- exponential and powers ---
    F("exp", 1, sympy.exp, sym("exp"), se.exp, True, lambda f, x, ops: f,
      numpy.exp, "numpy.exp({0})", r"\exp\left(#1\right)"),
    F("log", 1, sympy.log, sym("log"), se.log, True, lambda f, x, ops: 1 / x,
      numpy.log, "numpy.log({0})", r"\log\left(#1\right)", (0.0, math.inf), "the natural logarithm"),
    F("sqrt", 1, sympy.sqrt, se.sqrt, se.sqrt, True, lambda f, x, ops: 1 / (2 * ops.sqrt(x)),
      numpy.sqrt, "numpy.sqrt({0})", r"\sqrt{#1}", (0.0, math.inf), "a power, x**(1/2), in both algebras"),
    # --- piecewise ---
    F("abs", 1, sympy.Abs, sym("abs"), se.Abs, True, lambda f, x, ops: ops.sign(x),
      numpy.abs, "numpy.abs({0})", r"\left|#1\right|", notes="abs'(0) = sign(0) = 0"),
    # --- neural-network activations (orderdiff's own sympy classes) ---
    F("sigmoid", 1, sigmoid, sym("sigmoid"), lambda x: 1 / (1 + se.exp(-x)), False, lambda f, x, ops: f * (1 - f),
      _sigmoid, "(0.5 + 0.5*numpy.tanh(0.5*({0})))", r"\sigma\left(#1\right)", notes="1/(1 + exp(-x))"),
    F("softplus", 1, softplus, sym("softplus"), lambda x: se.log(1 + se.exp(x)), False,
      lambda f, x, ops: ops.sigmoid(x), lambda x: numpy.logaddexp(0.0, x), "numpy.logaddexp(0.0, {0})",
      r"\operatorname{softplus}\left(#1\right)", notes="log(1 + exp(x))"),
    F("relu", 1, relu, sym("relu"), lambda x: se.Max(x, 0), False, lambda f, x, ops: ops.Heaviside(x, 0),
      lambda x: numpy.maximum(x, 0.0), "numpy.maximum({0}, 0.0)", r"\operatorname{relu}\left(#1\right)",
      notes="max(x, 0); relu'(x) = Heaviside(x, 0): 1 for x > 0, else 0, so relu'(0) = 0"),
    # --- only in derivatives ---
    F("sign", 1, sign, sym("sign"), se.sign, True, lambda f, x, ops: ops.zero,
      numpy.sign, "numpy.sign({0})", r"\operatorname{sign}\left(#1\right)", notes="sign(0) = 0; sign' = 0 (at 0 too)",
      public=False),
    F("Heaviside", 2, Heaviside, sym("Heaviside"),
      lambda x, h=se.Rational(1, 2): se.Piecewise((0, x < 0), (h, se.Eq(x, 0)), (1, True)), True,
      lambda f, x, ops: ops.zero, lambda x, h=0.5: numpy.heaviside(x, h), "numpy.heaviside({0}, {1})",
      r"\theta\left(#1\right)", notes="Heaviside(x, h) is h at 0; its derivative is 0 (at 0 too)", public=False),
)
del F, sym

# Views of the table, each by the key one kind of consumer holds.
BY_NAME = {f.name: f for f in TABLE}
FUNCTIONS = {f.name: f for f in TABLE if f.public}  # what an equation file may call
BY_SYMPY = {f.sympy: f for f in TABLE if isinstance(f.sympy, type)}  # sqrt is a power, not a class


def _unevaluated(cls):
    return functools.partial(cls, evaluate=False) if isinstance(cls, type) else cls


# The algebras a derivative is built in: each function's constructor by name, and zero.
SYMPY = SimpleNamespace(zero=sympy.S.Zero, **{f.name: _unevaluated(f.sympy) for f in TABLE})
SYMENGINE = SimpleNamespace(zero=se.Integer(0), **{f.name: f.symengine for f in TABLE})
FLOATS = SimpleNamespace(zero=0.0, **{f.name: f.value for f in TABLE})


def build(name, x):
    """A call of a function an equation file may call, as an unevaluated sympy expression.

    Parameters
    ----------
    name : str
        One of :data:`FUNCTIONS`.
    x : sympy expression
        The argument.

    Returns
    -------
    sympy expression
        ``name(x)``, unevaluated (``sqrt`` becomes the power ``x**(1/2)``).

    Raises
    ------
    KeyError
        If ``name`` is not one of :data:`FUNCTIONS` (the parsers check names first).

    Examples
    --------
    >>> build("tanh", sympy.Integer(0)), build("sqrt", sympy.Symbol("x"))
    (tanh(0), sqrt(x))
    """
    return getattr(SYMPY, FUNCTIONS[name].name)(x)


__all__ = ["TABLE", "ScalarFunction", "BY_NAME", "FUNCTIONS", "BY_SYMPY", "SYMPY", "SYMENGINE", "FLOATS",
           "build", "sigmoid", "softplus", "relu"]
