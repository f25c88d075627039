"""Independent oracles for the tests: none of this uses orderdiff's sweep or codegen.

- ``substituted_derivative``: sympy's ``diff`` of the target with every variable except
  ``v`` replaced by its definition (``v`` itself held as a free symbol): d+E/dv exactly.
- ``forward`` / ``finite_difference``: a forward pass through sympy's own ``lambdify``
  of each equation, and central differences of E after nudging one variable and
  recomputing everything after it.
"""

import functools
import math

import numpy as np
import sympy

from orderdiff.functions import relu, sigmoid, softplus

NUMERIC = [{"sigmoid": lambda x: 1 / (1 + math.exp(-x)),
            "softplus": lambda x: math.log1p(math.exp(-abs(x))) + max(x, 0.0),
            "relu": lambda x: max(x, 0.0),
            "Heaviside": lambda x, h0=0.5: 1.0 if x > 0 else (0.0 if x < 0 else h0)}, "math"]


def substituted(system, keep=None):
    """The target-independent map {variable: its definition in inputs (and ``keep``)}."""
    full = {}
    for v in system.order:
        eq = system.equations.get(v)
        if eq is not None and v != keep:
            full[v] = eq.expr.xreplace(full)
    return full


def substituted_derivative(system, target, v):
    """d+target/dv as sympy's derivative of the fully substituted target, v held free."""
    full = substituted(system, keep=v)
    E = full.get(target, target)
    real = {s: sympy.Symbol(s.name, real=True) for s in E.free_symbols | {v}}  # so |x|' = sign(x)
    back = {r: s for s, r in real.items()}
    return sympy.diff(E.xreplace(real), real[v]).xreplace(back)


@functools.lru_cache(maxsize=None)
def as_function(expr, symbols):
    return sympy.lambdify(symbols, expr, modules=NUMERIC)


def forward(system, point, nudge=None):
    """Every variable's value at ``point``; ``nudge=(v, dv)`` adds dv to v and recomputes."""
    values = {}
    for v in system.order:
        eq = system.equations.get(v)
        if eq is None:
            values[v] = float(point[str(v)])
        else:
            syms = tuple(sorted(eq.expr.free_symbols, key=str))
            values[v] = float(as_function(eq.expr, syms)(*(values[s] for s in syms)))
        if nudge is not None and nudge[0] == v:
            values[v] += nudge[1]
    return values


def finite_difference(system, target, v, point, h=1e-6):
    """Central difference of the target w.r.t. v at ``point`` (nudge v, recompute after it)."""
    base = forward(system, point)[v]
    step = h * max(1.0, abs(base))
    up = forward(system, point, (v, step))[target]
    down = forward(system, point, (v, -step))[target]
    return (up - down) / (2 * step)


def value_at(expr, system, point):
    """A sympy expression in the system's variables evaluated at ``point`` (forward values)."""
    values = forward(system, point)
    syms = tuple(sorted(expr.free_symbols, key=str))
    return float(as_function(expr, syms)(*(values[s] for s in syms)))


def close(a, b, tol=1e-7):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


__all__ = ["substituted_derivative", "forward", "finite_difference", "value_at", "close",
           "relu", "sigmoid", "softplus", "np"]
