"""The functions an equation may call, as a flat table of rules.

Each rule names the function as written in an equation file, the sympy class it
builds, its first derivative (as a function of the node and its argument), the NumPy
code it evaluates to, and its derivative convention in words. sympy knows most of
them; ``sigmoid``, ``softplus`` and ``relu`` are defined here. Conventions:
``relu'(0) = 0`` and ``abs'(0) = sign(0) = 0``.

Functions are built unevaluated (``sin(-x)`` stays as written). orderdiff computes on
symengine (:mod:`orderdiff.algebra`), where each function is a function symbol: ``CORE``
gives its derivative there, ``NUMERIC`` its float64 value and slope, and the sympy class
is what users and the LaTeX printer see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy
import sympy
from sympy import Function, Heaviside, sign, sqrt

from . import algebra


class sigmoid(Function):
    """The logistic function 1/(1 + exp(-x)); sigmoid' = sigmoid (1 - sigmoid)."""

    def fdiff(self, argindex=1):
        return self * (1 - self)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real


class softplus(Function):
    """log(1 + exp(x)); softplus' = sigmoid."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0], evaluate=False)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real


class relu(Function):
    """max(x, 0); relu'(x) = Heaviside(x) with relu'(0) = 0."""

    def fdiff(self, argindex=1):
        return Heaviside(self.args[0], 0, evaluate=False)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real


def call(cls, x):
    return cls(x, evaluate=False)


@dataclass(frozen=True)
class Rule:
    """One function: its file name, sympy class, derivative, NumPy code and convention.

    ``derivative(f, x)`` gives d f(x) / dx for the node ``f`` with argument ``x``;
    ``numpy`` is a format string with ``{0}`` for the argument (``{1}`` for Heaviside's
    value at 0). Rules without a ``name`` appear only in derivatives.
    """

    cls: type
    numpy: str
    derivative: object = None
    convention: str = ""
    name: str | None = None


RULES = {r.cls: r for r in (
    Rule(sympy.sin, "numpy.sin({0})", lambda f, x: call(sympy.cos, x), "cos(x)", "sin"),
    Rule(sympy.cos, "numpy.cos({0})", lambda f, x: -call(sympy.sin, x), "-sin(x)", "cos"),
    Rule(sympy.tan, "numpy.tan({0})", lambda f, x: 1 + f**2, "1 + tan(x)**2", "tan"),
    Rule(sympy.asin, "numpy.arcsin({0})", lambda f, x: 1 / sqrt(1 - x**2), "1/sqrt(1 - x**2)", "asin"),
    Rule(sympy.acos, "numpy.arccos({0})", lambda f, x: -1 / sqrt(1 - x**2), "-1/sqrt(1 - x**2)", "acos"),
    Rule(sympy.atan, "numpy.arctan({0})", lambda f, x: 1 / (1 + x**2), "1/(1 + x**2)", "atan"),
    Rule(sympy.sinh, "numpy.sinh({0})", lambda f, x: call(sympy.cosh, x), "cosh(x)", "sinh"),
    Rule(sympy.cosh, "numpy.cosh({0})", lambda f, x: call(sympy.sinh, x), "sinh(x)", "cosh"),
    Rule(sympy.tanh, "numpy.tanh({0})", lambda f, x: 1 - f**2, "1 - tanh(x)**2", "tanh"),
    Rule(sympy.exp, "numpy.exp({0})", lambda f, x: f, "exp(x)", "exp"),
    Rule(sympy.log, "numpy.log({0})", lambda f, x: 1 / x, "1/x (natural logarithm)", "log"),
    Rule(sympy.Abs, "numpy.abs({0})", lambda f, x: call(sign, x), "sign(x), with sign(0) = 0", "abs"),
    Rule(sigmoid, "(0.5 + 0.5*numpy.tanh(0.5*({0})))", lambda f, x: f * (1 - f),
         "sigmoid(x)*(1 - sigmoid(x))", "sigmoid"),
    Rule(softplus, "numpy.logaddexp(0.0, {0})", lambda f, x: call(sigmoid, x), "sigmoid(x)", "softplus"),
    Rule(relu, "numpy.maximum({0}, 0.0)", lambda f, x: Heaviside(x, 0, evaluate=False),
         "Heaviside(x, 0): 1 for x > 0, else 0 (relu'(0) = 0)", "relu"),
    Rule(sign, "numpy.sign({0})"),
    Rule(Heaviside, "numpy.heaviside({0}, {1})"),
)}

SQRT = Rule(sympy.sqrt, "numpy.sqrt({0})", None, "1/(2*sqrt(x))", "sqrt")

# The functions an equation file may call, by name, in the order the docs list them.
FUNCTIONS = {r.name: r for r in sorted((r for r in (*RULES.values(), SQRT) if r.name),
                                       key=lambda r: "sin cos tan asin acos atan sinh cosh tanh exp log "
                                                     "sqrt abs sigmoid softplus relu".split().index(r.name))}


def _core_rules():
    root = lambda x: (1 - x**2) ** -algebra.HALF  # noqa: E731
    return {
        "sin": lambda f, x: algebra.call("cos", x),
        "cos": lambda f, x: -algebra.call("sin", x),
        "tan": lambda f, x: 1 + f**2,
        "asin": lambda f, x: root(x),
        "acos": lambda f, x: -root(x),
        "atan": lambda f, x: (1 + x**2) ** algebra.MINUS_ONE,
        "sinh": lambda f, x: algebra.call("cosh", x),
        "cosh": lambda f, x: algebra.call("sinh", x),
        "tanh": lambda f, x: 1 - f**2,
        "exp": lambda f, x: f,
        "log": lambda f, x: x ** algebra.MINUS_ONE,
        "abs": lambda f, x: algebra.call("sign", x),
        "sigmoid": lambda f, x: f * (1 - f),
        "softplus": lambda f, x: algebra.call("sigmoid", x),
        "relu": lambda f, x: algebra.call("Heaviside", x, algebra.ZERO),
        "sign": lambda f, x: algebra.ZERO,
        "Heaviside": lambda f, x: algebra.ZERO,
    }


# The derivatives on symengine objects, ``name: derivative(f, x)`` as in each rule above (the
# same conventions), for :mod:`orderdiff.partials`; built on first use.
CORE = {}


def core_rule(name):
    """``derivative(f, x)`` of the function symbol ``name`` on symengine objects."""
    if not CORE:
        CORE.update(_core_rules())
    return CORE[name]


def _sigmoid(x):
    return 0.5 + 0.5 * numpy.tanh(0.5 * x)


# The same functions in float64, for the direct numeric sweep: ``cls: (f(x), f'(x) given f(x) and x)``,
# with the conventions of the symbolic derivatives above.
NUMERIC = {
    sympy.sin: (numpy.sin, lambda f, x: numpy.cos(x)),
    sympy.cos: (numpy.cos, lambda f, x: -numpy.sin(x)),
    sympy.tan: (numpy.tan, lambda f, x: 1.0 + f**2),
    sympy.asin: (numpy.arcsin, lambda f, x: 1.0 / numpy.sqrt(1.0 - x**2)),
    sympy.acos: (numpy.arccos, lambda f, x: -1.0 / numpy.sqrt(1.0 - x**2)),
    sympy.atan: (numpy.arctan, lambda f, x: 1.0 / (1.0 + x**2)),
    sympy.sinh: (numpy.sinh, lambda f, x: numpy.cosh(x)),
    sympy.cosh: (numpy.cosh, lambda f, x: numpy.sinh(x)),
    sympy.tanh: (numpy.tanh, lambda f, x: 1.0 - f**2),
    sympy.exp: (numpy.exp, lambda f, x: f),
    sympy.log: (numpy.log, lambda f, x: 1.0 / x),
    sympy.Abs: (numpy.abs, lambda f, x: numpy.sign(x)),
    sigmoid: (_sigmoid, lambda f, x: f * (1.0 - f)),
    softplus: (lambda x: numpy.logaddexp(0.0, x), lambda f, x: _sigmoid(x)),
    relu: (lambda x: numpy.maximum(x, 0.0), lambda f, x: numpy.heaviside(x, 0.0)),
    sign: (numpy.sign, lambda f, x: 0.0),
    Heaviside: (lambda x, h=0.5: numpy.heaviside(x, h), lambda f, x: 0.0),
}

# The same, by the function symbol's name (:mod:`orderdiff.algebra`).
NUMERIC_BY_NAME = {(RULES[cls].name or cls.__name__): pair for cls, pair in NUMERIC.items()}


def build(name, x):
    """``name(x)`` as an unevaluated sympy expression (``sqrt`` becomes a power)."""
    return sqrt(x) if name == "sqrt" else call(FUNCTIONS[name].cls, x)


__all__ = ["RULES", "FUNCTIONS", "NUMERIC", "Rule", "build", "sigmoid", "softplus", "relu"]
