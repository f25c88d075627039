"""Block expressions: vectors and matrices with symbolic shapes, as sympy ``Basic`` trees.

A shape is a tuple of dimensions (sympy expressions such as ``n_h`` or ``n_x + n_h``):
``()`` is a scalar, ``(n,)`` a column vector, ``(m, n)`` a matrix. ``+ - * /`` are
elementwise (``*`` is the Hadamard product, written (.) or ⊙), and a scalar broadcasts
against any shape. Nodes are built unevaluated, as written; :mod:`orderdiff.blocks.simplify`
rewrites them. Every constructor checks shapes and raises :class:`ShapeMismatch`, which
the parser turns into an error at the operator.

``Var(name, shape, time)`` is a variable: ``time`` is ``()`` for a static one (a
parameter, a sum over time) and ``(t - 1,)`` or ``(3,)`` for a time-indexed one.
``Adj(v)`` is Werbos's ordered derivative d+E/dv of the target with respect to ``v``.
"""

from __future__ import annotations

from sympy import Basic, Integer, Number, S, Symbol, Tuple, expand
from sympy.core.symbol import Str

T_INDEX = Symbol("t", integer=True)


class ShapeMismatch(ValueError):
    """Operands whose shapes do not fit; the parser locates it."""


def dim_equal(a, b):
    """Whether two dimensions agree; a provisional ``?h`` (first parsing pass) agrees with any."""
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
    full = sorted((s for s in shapes if s), key=provisional)
    for s in full[1:]:
        if not same_shape(s, full[0]):
            raise ShapeMismatch(f"'{op}' needs operands of the same shape, got "
                                + " and ".join(show(s) for s in shapes))
    return full[0] if full else ()


class Block(Basic):
    """A node with a ``shape``; subclasses compute it from their arguments."""

    def __new__(cls, *args):
        obj = Basic.__new__(cls, *args)
        obj.shape = obj._shape()
        return obj

    @property
    def time(self):
        return ()


class Var(Block):
    """A variable: ``Var('h', (n_h,), (t - 1,))`` is h[t-1]."""

    def __new__(cls, name, shape=(), time=()):
        name = name if isinstance(name, Str) else Str(str(name))
        return Block.__new__(cls, name, Tuple(*shape), Tuple(*map(as_dim, time)))

    def _shape(self):
        return tuple(self.args[1])

    @property
    def name(self):
        return self.args[0].name

    @property
    def time(self):
        return tuple(self.args[2])

    def at(self, time):
        return Var(self.args[0], self.shape, (time,) if self.time else ())


class Adj(Block):
    """d+E/dv, the ordered derivative of the target with respect to the variable ``v``."""

    def _shape(self):
        return self.args[0].shape


class Zeros(Block):
    """A block of zeros of the given shape."""

    def __new__(cls, shape):
        return Block.__new__(cls, Tuple(*shape))

    def _shape(self):
        return tuple(self.args[0])


class Plus(Block):
    """Elementwise sum of two or more terms."""

    def _shape(self):
        return broadcast("+", [shape_of(a) for a in self.args])


class Neg(Block):
    def _shape(self):
        return shape_of(self.args[0])


class Hadamard(Block):
    """Elementwise product (⊙) of two or more factors; a scalar factor scales."""

    def _shape(self):
        return broadcast("*", [shape_of(a) for a in self.args])


class Divide(Block):
    def _shape(self):
        return broadcast("/", [shape_of(a) for a in self.args])


class Power(Block):
    """Elementwise ``x ** p`` for a number ``p``."""

    def _shape(self):
        return shape_of(self.args[0])


class MatProd(Block):
    """``A @ B``: matrix times vector or matrix."""

    def _shape(self):
        a, b = (shape_of(x) for x in self.args)
        if len(a) != 2 or not b:
            raise ShapeMismatch(f"'@' needs a matrix on the left and a vector or matrix on the right, "
                                f"got {show(a)} @ {show(b)}")
        if not dim_equal(a[1], b[0]):
            raise ShapeMismatch(f"'@' needs the columns of the left ({a[1]}) to match the rows of the "
                                f"right ({b[0]}), got {show(a)} @ {show(b)}")
        return (a[0],) + tuple(b[1:])


class Trans(Block):
    def _shape(self):
        s = shape_of(self.args[0])
        if len(s) != 2:
            raise ShapeMismatch(f"transpose needs a matrix, got {show(s)} (vectors are columns; "
                                "use dot(a, b) for an inner product)")
        return (s[1], s[0])


class Outer(Block):
    """``a b^T`` for column vectors ``a`` and ``b``."""

    def _shape(self):
        return (self.args[0].shape[0], self.args[1].shape[0])


class Cat(Block):
    """Vectors (or matrices, by rows) stacked: ``[a; b]``."""

    def _shape(self):
        shapes = [shape_of(a) for a in self.args]
        if any(not s for s in shapes) or any(len(s) != len(shapes[0]) or not same_shape(s[1:], shapes[0][1:])
                                             for s in shapes):
            raise ShapeMismatch("concat needs vectors (or matrices with the same columns), got "
                                + ", ".join(show(s) for s in shapes))
        return (expand(sum((s[0] for s in shapes), S.Zero)),) + tuple(shapes[0][1:])


class Rows(Block):
    """``x[a:b]``: rows a (inclusive) to b (exclusive) of a vector or matrix."""

    def _shape(self):
        x, a, b = self.args
        s = shape_of(x)
        if not s:
            raise ShapeMismatch("a slice needs a vector or matrix, got a scalar")
        for low, high in ((0, a), (a, b), (b, s[0])):
            gap = expand(high - low)
            if gap.is_negative or (low, high) == (a, b) and gap.is_zero:
                raise ShapeMismatch(f"the slice [{a}:{b}] does not fit in {s[0]} rows (it needs "
                                    f"0 <= start < stop <= {s[0]})")
        return (expand(b - a),) + tuple(s[1:])


class Cols(Block):
    """``W[:, a:b]``: columns a to b of a matrix."""

    def _shape(self):
        W, a, b = self.args
        return (W.shape[0], expand(b - a))


class Pad(Block):
    """``g`` placed at rows a.. of a block of ``n`` rows, zeros elsewhere (the adjoint of a slice)."""

    def _shape(self):
        g, a, n = self.args
        return (n,) + tuple(shape_of(g)[1:])


class Elementwise(Block):
    """A scalar function applied to each entry: ``Elementwise(Str('tanh'), x)``."""

    def _shape(self):
        return shape_of(self.args[1])

    @property
    def function(self):
        return self.args[0].name


class Softmax(Block):
    def _shape(self):
        s = shape_of(self.args[0])
        if len(s) != 1:
            raise ShapeMismatch(f"softmax needs a vector, got {show(s)}")
        return s


class CrossEntropy(Block):
    """``-sum(p * log(y))`` for a target ``p`` and prediction ``y``: a scalar."""

    def _shape(self):
        broadcast("cross_entropy", [shape_of(a) for a in self.args])
        return ()


class SquaredError(Block):
    """``sum((y - p)**2) / 2`` for a target ``p`` and prediction ``y``: a scalar."""

    def _shape(self):
        broadcast("squared_error", [shape_of(a) for a in self.args])
        return ()


class Total(Block):
    """The sum of all entries: a scalar."""

    def _shape(self):
        return ()


class Inner(Block):
    """``dot(a, b)``, the sum of the elementwise product: a scalar."""

    def _shape(self):
        broadcast("dot", [shape_of(a) for a in self.args])
        return ()


class Broadcast(Block):
    """A scalar ``c`` repeated to ``shape`` (the adjoint of a sum): ``c 1``."""

    def __new__(cls, c, shape):
        return Block.__new__(cls, c, Tuple(*shape))

    def _shape(self):
        return tuple(self.args[1])


class SumT(Block):
    """``sum_t(x)``: the sum over time steps t = 1..T of a time-indexed expression."""

    def _shape(self):
        return shape_of(self.args[0])


def zero_like(x):
    """Zeros shaped like ``x`` (the number 0 for a scalar)."""
    shape = shape_of(x)
    return Zeros(shape) if shape else S.Zero


def is_zero(x):
    return isinstance(x, Zeros) or (isinstance(x, Number) and x == 0)


def is_array(x):
    return isinstance(x, Block)


def shift(expr, k):
    """``expr`` with every time index moved by ``k`` (``h[t-1]`` -> ``h[t]`` for k = 1)."""
    if k == 0:
        return expr
    return expr.replace(lambda e: isinstance(e, Var) and e.time, lambda e: e.at(e.time[0] + k))


def at_time(expr, when):
    """``expr`` with the generic index ``t`` replaced by the integer or expression ``when``."""
    return expr.replace(lambda e: isinstance(e, Var) and e.time,
                        lambda e: e.at(e.time[0].subs(T_INDEX, when)))


def lag(var):
    """How far back ``var`` looks: 1 for h[t-1], 0 for h[t]."""
    return int(-(var.time[0] - T_INDEX))


def preorder(expr):
    """The block nodes of ``expr``, parents first (numbers and shapes are not visited)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if is_array(node) and not isinstance(node, (Var, Zeros)):
            stack.extend(node.args)


def count_ops(expr, leaves=()):
    """The operations in ``expr``: a sum or elementwise product of k terms is k - 1, any
    other operation (``@``, a function, a negation, a transpose, a slice) 1; variables,
    adjoints, numbers and the subtrees in ``leaves`` none.

    >>> x, y = Var("x", (2,)), Var("y", (2,))
    >>> count_ops(Plus(x, Hadamard(x, y), Elementwise(Str("tanh"), y)))
    4
    """
    if not is_array(expr) or isinstance(expr, (Var, Adj, Zeros)) or expr in leaves:
        return 0
    inner = [a for a in expr.args if is_array(a)]
    own = len(inner) - 1 if isinstance(expr, (Plus, Hadamard)) else 1
    return own + sum(count_ops(a, leaves) for a in inner)


def variables(expr):
    """The distinct :class:`Var` leaves of ``expr``."""
    return {e for e in expr.atoms(Var)} if is_array(expr) else set()


__all__ = ["Block", "Var", "Adj", "Zeros", "Plus", "Neg", "Hadamard", "Divide", "Power", "MatProd",
           "Trans", "Outer", "Cat", "Rows", "Cols", "Pad", "Elementwise", "Softmax", "CrossEntropy",
           "SquaredError", "Total", "Inner", "Broadcast", "SumT", "ShapeMismatch", "T_INDEX",
           "is_zero", "zero_like", "is_array", "shift", "at_time", "lag", "preorder", "variables", "count_ops", "shape_of", "show",
           "dim_equal", "same_shape", "as_dim"]
