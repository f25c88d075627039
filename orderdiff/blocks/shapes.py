"""Shapes of block expressions, and the node that carries one.

A shape is a tuple of dimensions (sympy expressions such as ``n_h`` or ``n_x + n_h``):
``()`` is a scalar, ``(n,)`` a column vector, ``(m, n)`` a matrix. A dimension named
``?h`` is provisional (the parser's first pass, before ``h``'s shape is known) and agrees
with any. A rule that finds operands which do not fit raises :class:`ShapeMismatch`,
which the parser turns into an error at the operator.
"""

from __future__ import annotations

from sympy import Basic, Integer, Poly, expand


class ShapeMismatch(ValueError):
    """Operands whose shapes do not fit; the parser locates it."""


def dim_equal(a, b):
    """Whether two dimensions agree; a provisional ``?h`` (first parsing pass) agrees with any."""
    if a == b:
        return True  # the common case, without sympy's expand
    d = expand(a - b)
    return d == 0 or any(s.name.startswith("?") for s in d.free_symbols)


def as_dim(d):
    """A dimension or time as a sympy object (the parser gives sympy objects or ints)."""
    return Integer(d) if isinstance(d, int) else d


def provisional(shape):
    return any(s.name.startswith("?") for d in shape for s in as_dim(d).free_symbols)


def shape_of(x):
    return x.shape if isinstance(x, Block) else ()


def same_shape(a, b):
    return len(a) == len(b) and all(dim_equal(p, q) for p, q in zip(a, b))


def show(shape):
    """A shape as written in an error message: ``scalar``, ``(n_h)``, ``(n_h, n_x)``."""
    return "scalar" if not shape else "(" + ", ".join(map(str, shape)) + ")"


def broadcast(op, shapes):
    """The shape of an elementwise ``op`` on operands of ``shapes`` (scalars broadcast)."""
    full = [s for s in shapes if s]
    if all(s == full[0] for s in full[1:]):
        return full[0] if full else ()  # the common case: one shape, nothing to compare
    full.sort(key=provisional)
    for s in full[1:]:
        if not same_shape(s, full[0]):
            raise ShapeMismatch(f"'{op}' needs operands of the same shape, got "
                                + " and ".join(show(s) for s in shapes))
    return full[0] if full else ()


def below_one(d, largest):
    """``(value, {dim: value})``, a point with every dim >= 1 where the dimension ``d`` is below 1,
    or ``None`` where ``d`` is at least 1 at every such point (looked for up to ``largest``).

    With every dim written 1 + u (u >= 0), ``d`` is at least 1 everywhere when its value at
    u = 0 is and no coefficient in u is negative; the coefficients are whole numbers, so
    that is exact for a sum of dims and numbers, and for a product a safe side: the rare
    polynomial that stays positive despite a negative coefficient is refused too.
    """
    dims = sorted(d.free_symbols, key=str)
    ones = {s: 1 for s in dims}
    low = d.subs(ones)
    if low < 1:
        return low, ones
    shifted = Poly(expand(d.xreplace({s: s + 1 for s in dims})), *dims) if dims else None
    if shifted is None or all(c >= 0 for c in shifted.coeffs()):
        return None
    for s in dims:  # a negative coefficient: look for a point that shows it
        for big in (2, 10, 1000, largest):
            value = d.subs({**ones, s: big})
            if value < 1:
                return value, {**ones, s: big}
    return "not always at least 1", {}


class Block(Basic):
    """A node with a ``shape``; subclasses compute it from their arguments."""

    def __new__(cls, *args):
        obj = Basic.__new__(cls, *args)
        obj.shape = obj._shape()
        return obj

    @property
    def time(self):
        return ()
