"""The functions an equation may call, as a flat table of rules.

Each row names the function as written in an equation file, the sympy object it
builds, the NumPy code it evaluates to, and its derivative convention. sympy knows
most of them; ``sigmoid``, ``softplus`` and ``relu`` are defined here as sympy
functions with their derivatives (``relu'(0) = 0``, ``abs'(0) = sign(0) = 0``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Function, Heaviside, S


class sigmoid(Function):
    """The logistic function 1/(1 + exp(-x)); sigmoid' = sigmoid (1 - sigmoid)."""

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return S.Half
        return None

    def fdiff(self, argindex=1):
        return self * (1 - self)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real


class softplus(Function):
    """log(1 + exp(x)); softplus' = sigmoid."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real


class relu(Function):
    """max(x, 0); relu'(x) = Heaviside(x) with relu'(0) = 0."""

    @classmethod
    def eval(cls, x):
        if x.is_Number:
            return x if x > 0 else S.Zero
        return None

    def fdiff(self, argindex=1):
        return Heaviside(self.args[0], 0)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real


@dataclass(frozen=True)
class Rule:
    """One known function: how to build it, evaluate it, and what its derivative is."""

    name: str
    build: object
    derivative: str


FUNCTIONS = {r.name: r for r in (
    Rule("sin", sympy.sin, "cos(x)"),
    Rule("cos", sympy.cos, "-sin(x)"),
    Rule("tan", sympy.tan, "1 + tan(x)**2"),
    Rule("asin", sympy.asin, "1/sqrt(1 - x**2)"),
    Rule("acos", sympy.acos, "-1/sqrt(1 - x**2)"),
    Rule("atan", sympy.atan, "1/(1 + x**2)"),
    Rule("sinh", sympy.sinh, "cosh(x)"),
    Rule("cosh", sympy.cosh, "sinh(x)"),
    Rule("tanh", sympy.tanh, "1 - tanh(x)**2"),
    Rule("exp", sympy.exp, "exp(x)"),
    Rule("log", sympy.log, "1/x (natural logarithm)"),
    Rule("sqrt", sympy.sqrt, "1/(2*sqrt(x))"),
    Rule("abs", sympy.Abs, "sign(x), with sign(0) = 0"),
    Rule("sigmoid", sigmoid, "sigmoid(x)*(1 - sigmoid(x))"),
    Rule("softplus", softplus, "sigmoid(x)"),
    Rule("relu", relu, "Heaviside(x, 0): 1 for x > 0, else 0 (relu'(0) = 0)"),
)}

# NumPy code for every function class that can appear in an equation or in one of
# its first derivatives; ``{0}`` is the argument. Keys are sympy classes.
NUMPY = {
    sympy.sin: "numpy.sin({0})",
    sympy.cos: "numpy.cos({0})",
    sympy.tan: "numpy.tan({0})",
    sympy.asin: "numpy.arcsin({0})",
    sympy.acos: "numpy.arccos({0})",
    sympy.atan: "numpy.arctan({0})",
    sympy.sinh: "numpy.sinh({0})",
    sympy.cosh: "numpy.cosh({0})",
    sympy.tanh: "numpy.tanh({0})",
    sympy.exp: "numpy.exp({0})",
    sympy.log: "numpy.log({0})",
    sympy.Abs: "numpy.abs({0})",
    sympy.sign: "numpy.sign({0})",
    sigmoid: "(0.5 + 0.5*numpy.tanh(0.5*({0})))",
    softplus: "numpy.logaddexp(0.0, {0})",
    relu: "numpy.maximum({0}, 0.0)",
}

# Heaviside(x, H0) takes its value at 0 as a second argument.
NUMPY_HEAVISIDE = "numpy.heaviside({0}, {1})"

