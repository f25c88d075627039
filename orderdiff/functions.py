"""The functions an equation may call, as a flat table of rules.

Each rule names the function as written in an equation file, the sympy class it
builds, its first derivative (as a function of the node and its argument), the NumPy
code it evaluates to, and its derivative convention in words. sympy knows most of
them; ``sigmoid``, ``softplus`` and ``relu`` are defined here. Conventions:
``relu'(0) = 0`` and ``abs'(0) = sign(0) = 0``.

Functions are built unevaluated (``sin(-x)`` stays as written): sympy's automatic
rewriting of function arguments costs far more than the rest of a derivation.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Function, Heaviside, sign, sqrt


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


def build(name, x):
    """``name(x)`` as an unevaluated sympy expression (``sqrt`` becomes a power)."""
    return sqrt(x) if name == "sqrt" else call(FUNCTIONS[name].cls, x)


__all__ = ["RULES", "FUNCTIONS", "Rule", "build", "sigmoid", "softplus", "relu"]
