r"""The block operations, one record each: arity, shape rule, vector-Jacobian product,
NumPy template and notation.

Each operation is one :class:`Op` in :data:`OPS`, and its node class (``Plus``,
``MatProd``, ...) is made from the record: the class computes its shape by the record's
rule, the reverse pass (:mod:`orderdiff.blocks.vjps`) applies its VJP, the NumPy printer
(:mod:`orderdiff.blocks.codegen`) fills its template and the text and LaTeX printers
(:mod:`orderdiff.printers.blockexpr`) read its notation, and the block reader the name a
file calls it by. A new operation is a record here and its name in the line that makes
the classes.

For a node ``z = f(a, b, ...)`` and the adjoint ``g`` of ``z`` (d+E/dz, shaped like z),
the VJP gives every child's share of ``g``: for ``z = A @ x`` it is ``g x^T`` for A and
``A^T g`` for x. Elementwise functions take their derivative from the scalar rules of
:mod:`orderdiff.functions`, lifted to blocks, so ``tanh`` gives ``g ⊙ (1 - h ⊙ h)`` once
``tanh(z)`` is folded to the variable ``h`` that it defines.

A NumPy template is a format string over the node's arguments: ``{0}`` is argument 0 as
code, ``{0!w}`` the same in brackets unless it is a name or a number, ``{0!d}`` a
dimension; named fields (``{axes}``) are filled by the printer, which picks one of the
``numpy_cases`` where the batch and time axes call for another form. An operation of any
number of operands folds its two-operand template left to right (``a + b + c``).

A notation is the operation's spelling in unicode text, ASCII text and LaTeX: a
:class:`Form` (its level, how tightly it binds; the least level of each operand printed
without brackets; a format string over the printed operands), or a name, for an operation
written as a call (``softmax(z)``), which binds as an atom. Loosest first:

    Σₜ < + - < unary - < ⊙ / · < juxtaposition (A x, a bᵀ) < ∂⁺C/∂v, \frac < powers < ᵀ [a:b] < atoms
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, NamedTuple

import sympy
from sympy import Dummy, S, expand
from sympy.core.symbol import Str

from ..functions import BY_NAME, BY_SYMPY, SYMPY
from .shapes import Block, ShapeMismatch, broadcast, dim_equal, same_shape, shape_of, show

SUMT, SUM, NEG, PRODUCT, MATPROD, FRACTION, POWER, POSTFIX, ATOM = 5, 10, 15, 20, 30, 35, 38, 40, 50
FACTOR = MATPROD + 1  # a factor of ⊙ / ·: no juxtaposed product bare
QUOTIENT = FRACTION + 1  # an operand of a written-out division: no ∂⁺C/∂v bare either



class Form(NamedTuple):
    """One operation in one notation: ``level``, the least level of each operand printed
    bare (the last one for any further operands), and ``form``, a format string over the
    printed operands."""

    level: int
    operands: tuple
    form: str


def spelled(unicode, ascii, latex):
    """A notation: a :class:`Form` (given as a tuple) or a call's name, per kind of text."""
    return {kind: Form(*s) if isinstance(s, tuple) else s
            for kind, s in (("unicode", unicode), ("ascii", ascii), ("latex", latex))}


def called(text, latex):
    """The notation of an operation written as a call, the same in unicode and ASCII text."""
    return spelled(text, text, latex)


@dataclass(frozen=True)
class Op:
    """One block operation.

    ``arity`` is the least and the most number of arguments (None: any number); ``shape``
    takes the arguments and gives the node's shape, or raises :class:`ShapeMismatch`;
    ``vjp(node, g)`` gives ``[(child, share of g)]``; ``numpy`` and ``notation`` are as the
    module says, with ``numpy_cases`` and ``notation_cases`` the forms printed apart;
    ``call`` is the name a block file calls it by (``concat(a, b)``), None for an operation
    written with an operator or made only in derivatives.
    """

    name: str
    doc: str
    arity: tuple
    shape: Callable
    vjp: Callable
    numpy: str
    notation: dict
    numpy_cases: dict = field(default_factory=dict)
    notation_cases: dict = field(default_factory=dict)
    call: str | None = None


# shape rules

def elementwise(op):
    return lambda *xs: broadcast(op, [shape_of(x) for x in xs])


def reduced(op):
    def shape(*xs):
        broadcast(op, [shape_of(x) for x in xs])
        return ()
    return shape


def matprod_shape(A, X):
    a, b = shape_of(A), shape_of(X)
    if len(a) != 2 or not b:
        raise ShapeMismatch(f"'@' needs a matrix on the left and a vector or matrix on the right, "
                            f"got {show(a)} @ {show(b)}")
    if not dim_equal(a[1], b[0]):
        raise ShapeMismatch(f"'@' needs the columns of the left ({a[1]}) to match the rows of the "
                            f"right ({b[0]}), got {show(a)} @ {show(b)}")
    return (a[0],) + tuple(b[1:])


def transpose_shape(A):
    s = shape_of(A)
    if len(s) != 2:
        raise ShapeMismatch(f"transpose needs a matrix, got {show(s)} (vectors are columns; "
                            "use dot(a, b) for an inner product)")
    return (s[1], s[0])


def cat_shape(*parts):
    shapes = [shape_of(a) for a in parts]
    if any(not s for s in shapes) or any(len(s) != len(shapes[0]) or not same_shape(s[1:], shapes[0][1:])
                                         for s in shapes):
        raise ShapeMismatch("concat needs vectors (or matrices with the same columns), got "
                            + ", ".join(show(s) for s in shapes))
    return (expand(sum((s[0] for s in shapes), S.Zero)),) + tuple(shapes[0][1:])


def rows_shape(x, a, b):
    s = shape_of(x)
    if not s:
        raise ShapeMismatch("a slice needs a vector or matrix, got a scalar")
    for low, high in ((0, a), (a, b), (b, s[0])):
        gap = expand(high - low)
        if gap.is_negative or (low, high) == (a, b) and gap.is_zero:
            raise ShapeMismatch(f"the slice [{a}:{b}] does not fit in {s[0]} rows (it needs "
                                f"0 <= start < stop <= {s[0]})")
    return (expand(b - a),) + tuple(s[1:])


def softmax_shape(z):
    s = shape_of(z)
    if len(s) != 1:
        raise ShapeMismatch(f"softmax needs a vector, got {show(s)}")
    return s


# vector-Jacobian products

def unbroadcast(g, x):
    """``g`` summed down to the shape of ``x`` (a scalar operand of a vector operation)."""
    return Total(g) if not shape_of(x) and shape_of(g) else g


def each(node, share):
    return [(a, unbroadcast(share(k), a)) for k, a in enumerate(node.args) if isinstance(a, Block)]


def others(node, k):
    return [a for j, a in enumerate(node.args) if j != k]


def matprod_vjp(node, g):
    A, X = node.args
    ga = Outer(g, X) if len(X.shape) == 1 else MatProd(g, Trans(X))
    return [(A, ga), (X, MatProd(Trans(A), g))]


def cat_vjp(node, g):
    out, start = [], S.Zero
    for part in node.args:
        stop = expand(start + part.shape[0])
        out.append((part, Rows(g, start, stop)))
        start = stop
    return out


def elementwise_derivative(node):
    """f'(x) for ``node = f(x)`` elementwise, from the scalar rule, in terms of ``node`` and ``x``."""
    return derivative_builder(node.function)(node, node.args[1])


@lru_cache(maxsize=None)
def scalar_derivative(name):
    """``(f(x), x, f'(x))`` of the scalar function ``name``, in sympy, made once per function."""
    rule = BY_NAME[name]
    X = Dummy("x")
    F = rule.sympy(X, evaluate=False)
    return F, X, rule.derivative(F, X, SYMPY)


@lru_cache(maxsize=None)
def derivative_builder(name):
    """``build(f, x)``: f'(x) of the scalar function ``name`` as an elementwise block expression in
    ``f`` (the node f(x)) and ``x``, planned once per function from the sympy rule."""
    F, X, derivative = scalar_derivative(name)
    return lift(derivative, F, X)


def lift(e, F, X):
    """``build(f, x)``: the scalar sympy expression ``e`` in F = f(X) and X as elementwise blocks."""
    if e == F:
        return lambda f, x: f
    if e == X:
        return lambda f, x: x
    if X not in e.free_symbols:
        return lambda f, x: e
    parts = [lift(a, F, X) for a in e.args]
    if e.is_Add:
        return lambda f, x: Plus(*[p(f, x) for p in parts])
    if e.is_Mul:
        return lambda f, x: Hadamard(*[p(f, x) for p in parts])
    if e.is_Pow:
        base, power = parts
        if e.args[1] == -1:
            return lambda f, x: Divide(S.One, base(f, x))
        return lambda f, x: Power(base(f, x), power(f, x))
    arg, name = parts[0], Str(BY_SYMPY[type(e)].name)
    return lambda f, x: Elementwise(name, arg(f, x))


# the reductions' NumPy templates sum over the block's own axes: {axes} and {after} are
# empty for a block without a batch axis
ANY = (1, None)  # a sum or product of one term is built on the way to a simplified one

RECORDS = (
    Op("Plus", "Elementwise sum of terms.", ANY,
       shape=elementwise("+"),
       vjp=lambda node, g: each(node, lambda k: g),
       numpy="{0} + {1}",
       notation=spelled((SUM, (SUM,), "{0} + {1}"), (SUM, (SUM,), "{0} + {1}"), (SUM, (SUM,), "{0} + {1}")),
       notation_cases={"minus": spelled((SUM, (SUM, PRODUCT), "{0} - {1}"), (SUM, (SUM, PRODUCT), "{0} - {1}"),
                                        (SUM, (SUM, PRODUCT), "{0} - {1}"))}),
    Op("Neg", "``-x``, elementwise.", (1, 1),
       shape=shape_of,
       vjp=lambda node, g: [(node.args[0], Neg(g))],
       numpy="-{0!w}",
       notation=spelled((NEG, (PRODUCT,), "-{0}"), (NEG, (FACTOR,), "-{0}"), (NEG, (PRODUCT,), "-{0}"))),
    Op("Hadamard", "Elementwise product (⊙) of factors; a scalar factor scales.", ANY,
       shape=elementwise("*"),
       vjp=lambda node, g: each(node, lambda k: Hadamard(g, *others(node, k))),
       numpy="{0!w}*{1!w}",
       notation=spelled((PRODUCT, (FACTOR,), "{0} ⊙ {1}"), (PRODUCT, (FACTOR,), "{0} * {1}"),
                        (PRODUCT, (FACTOR,), r"{0} \odot {1}")),
       # a factor next to a scalar, and a factor after a number
       notation_cases={"scale": spelled((PRODUCT, (FACTOR,), "{0} · {1}"), (PRODUCT, (FACTOR,), "{0} * {1}"),
                                        (PRODUCT, (FACTOR,), r"{0} \cdot {1}")),
                       "number": spelled((PRODUCT, (FACTOR,), "{0}·{1}"), (PRODUCT, (FACTOR,), "{0}*{1}"),
                                         (PRODUCT, (FACTOR,), "{0} {1}"))}),
    Op("Divide", "``a / b``, elementwise.", (2, 2),
       shape=elementwise("/"),
       vjp=lambda node, g: each(node, lambda k: Divide(g, node.args[1]) if k == 0
                                else Neg(Divide(Hadamard(g, node), node.args[1]))),
       numpy="{0!w}/{1!w}",
       notation=spelled((PRODUCT, (QUOTIENT, QUOTIENT), "{0} / {1}"), (PRODUCT, (QUOTIENT, QUOTIENT), "{0} / {1}"),
                        (FRACTION, (0, 0), r"\frac{{{0}}}{{{1}}}"))),
    Op("Power", "Elementwise ``x ** p`` for a number ``p``.", (2, 2),
       shape=lambda x, p: shape_of(x),
       vjp=lambda node, g: [(node.args[0], Hadamard(g, node.args[1], Power(node.args[0], node.args[1] - 1)))],
       numpy="{0!w}**{1}",
       numpy_cases={"sqrt": "numpy.sqrt({0})"},
       notation=spelled((POWER, (ATOM, 0), "{0}^{1}"), (POWER, (ATOM, 0), "{0}**{1}"),
                        (POWER, (ATOM, 0), "{0}^{{{1}}}"))),
    Op("MatProd", "``A @ B``: matrix times vector or matrix.", (2, 2),
       shape=matprod_shape,
       vjp=matprod_vjp,
       numpy="{0!w} @ {1!w}",
       # with batch axes: on both operands, on the vector's (its rows times A^T), or on all steps at once
       numpy_cases={"einsum": "numpy.einsum('{spec}', {0}, {1})", "rows": "{1!w} @ {right}",
                    "stacked": "mm({1}, {right})"},
       notation=spelled((MATPROD, (MATPROD, FACTOR), "{0} {1}"), (PRODUCT, (FACTOR, FACTOR), "{0} @ {1}"),
                        (MATPROD, (MATPROD, FACTOR), "{0} {1}"))),
    Op("Outer", "``a b^T`` for column vectors ``a`` and ``b``.", (2, 2),
       shape=lambda a, b: (a.shape[0], b.shape[0]),
       vjp=lambda node, g: [(node.args[0], MatProd(g, node.args[1])),
                            (node.args[1], MatProd(Trans(g), node.args[0]))],
       numpy="({0!w}[..., :, None]*{1!w}[..., None, :])",
       # summed over the batch (and time) axes of both operands, or of one: one product, not one per row
       numpy_cases={"summed_rows": "{0!w}.T @ {1!w}", "summed_steps": "numpy.tensordot({0}, {1}, axes=([0, 1], [0, 1]))",
                    "summed_apart": "numpy.outer({0}, {1})"},
       notation=spelled((MATPROD, (MATPROD, ATOM), "{0} {1}ᵀ"), (PRODUCT, (FACTOR, ATOM), "{0} @ {1}^T"),
                        (MATPROD, (MATPROD, ATOM), r"{0} {1}^{{\top}}"))),
    Op("Rows", "``x[a:b]``: rows a (inclusive) to b (exclusive) of a vector or matrix.", (3, 3),
       shape=rows_shape,
       vjp=lambda node, g: [(node.args[0], Pad(g, node.args[1], node.args[0].shape[0]))],
       numpy="{0!w}[..., {1!d}:{2!d}]",
       numpy_cases={"matrix": "{0!w}[..., {1!d}:{2!d}, :]"},
       notation=spelled((POSTFIX, (POSTFIX, 0), "{0}[{1}:{2}]"), (POSTFIX, (POSTFIX, 0), "{0}[{1}:{2}]"),
                        (POSTFIX, (POSTFIX, 0), "{0}[{1}{{:}}{2}]"))),
    Op("Cols", "``W[:, a:b]``: columns a to b of a matrix.", (3, 3),
       shape=lambda W, a, b: (W.shape[0], expand(b - a)),
       vjp=lambda node, g: [(node.args[0], Trans(Pad(Trans(g), node.args[1], node.args[0].shape[1])))],
       numpy="{0!w}[..., :, {1!d}:{2!d}]",
       notation=spelled((POSTFIX, (POSTFIX, 0), "{0}[:, {1}:{2}]"), (POSTFIX, (POSTFIX, 0), "{0}[:, {1}:{2}]"),
                        (POSTFIX, (POSTFIX, 0), r"{0}[:,\, {1}{{:}}{2}]"))),
    Op("Pad", "``g`` placed at rows a.. of a block of ``n`` rows, zeros elsewhere (the adjoint of a slice).",
       (3, 3),
       shape=lambda g, a, n: (n,) + tuple(shape_of(g)[1:]),
       vjp=lambda node, g: [(node.args[0], Rows(g, node.args[1], node.args[1] + node.args[0].shape[0]))],
       numpy="pad({0}, {1!d}, {2!d}, {axis})",
       notation=called("pad", r"\operatorname{pad}")),
    Op("Elementwise", "A scalar function applied to each entry: ``Elementwise(Str('tanh'), x)``.", (2, 2),
       shape=lambda f, x: shape_of(x),
       vjp=lambda node, g: [(node.args[1], Hadamard(g, elementwise_derivative(node)))],
       numpy="{call}",  # the function's own NumPy call, from its scalar rule
       notation=called("{}", r"\operatorname{{{}}}")),  # named by the function
    Op("Softmax", "``softmax(z)`` of a vector.", (1, 1),
       call="softmax",
       shape=softmax_shape,
       vjp=lambda node, g: [(node.args[0], Hadamard(node, Plus(g, Neg(Inner(node, g)))))],
       numpy="softmax({0})",
       notation=called("softmax", r"\operatorname{softmax}")),
    Op("CrossEntropy", "``-sum(p * log(y))`` for a target ``p`` and prediction ``y``: a scalar.", (2, 2),
       call="cross_entropy",
       shape=reduced("cross_entropy"),
       vjp=lambda node, g: each(node, lambda k: Hadamard(
           g, Neg(Elementwise(Str("log"), node.args[1])) if k == 0 else Neg(Divide(node.args[0], node.args[1])))),
       numpy="-numpy.sum({0!w}*numpy.log({1}){axes}){after}",
       notation=called("cross_entropy", r"\operatorname{cross\_entropy}")),
    Op("SquaredError", "``sum((y - p)**2) / 2`` for a target ``p`` and prediction ``y``: a scalar.", (2, 2),
       call="squared_error",
       shape=reduced("squared_error"),
       vjp=lambda node, g: each(node, lambda k: Hadamard(g, Plus(node.args[k], Neg(node.args[1 - k])))),
       numpy="0.5*numpy.sum(({1} - {0!w})**2{axes}){after}",
       notation=called("squared_error", r"\operatorname{squared\_error}")),
    Op("Total", "The sum of all entries: a scalar.", (1, 1),
       call="sum",
       shape=lambda x: (),
       vjp=lambda node, g: [(node.args[0], Broadcast(g, node.args[0].shape))],
       numpy="numpy.sum({0}{axes}){after}",
       notation=called("sum", r"\operatorname{sum}")),
    Op("Inner", "``dot(a, b)``, the sum of the elementwise product: a scalar.", (2, 2),
       call="dot",
       shape=reduced("dot"),
       vjp=lambda node, g: each(node, lambda k: Hadamard(g, node.args[1 - k])),
       numpy="numpy.sum({0!w}*{1!w}{axes}){after}",
       notation=called("dot", (ATOM, (0,), r"\left\langle {0}, {1} \right\rangle"))),
    Op("Trans", "``A^T``, the transpose of a matrix.", (1, 1),
       call="transpose",
       shape=transpose_shape,
       vjp=lambda node, g: [(node.args[0], Trans(g))],
       numpy="{0!w}.T",
       numpy_cases={"batched": "numpy.swapaxes({0}, -1, -2)", "summed": "({0}).T"},  # summed: its operand's sum
       notation=spelled((POSTFIX, (POSTFIX,), "{0}ᵀ"), (POSTFIX, (POSTFIX,), "{0}^T"),
                        (POSTFIX, (POSTFIX,), r"{0}^{{\top}}"))),
    Op("Cat", "Vectors (or matrices, by rows) stacked: ``[a; b]``.", (1, None),
       call="concat",
       shape=cat_shape,
       vjp=cat_vjp,
       numpy="numpy.concatenate([{parts}], axis={axis})",
       numpy_cases={"mixed": "cat([{parts}], {rank})",  # some parts lack the batch or time axis
                    "summed": "numpy.concatenate([{parts}], axis=0)"},  # matrices: each part's sum, stacked
       notation=called("concat", (ATOM, (0,), r"\begin{{bmatrix}} {0} \end{{bmatrix}}"))),
    Op("Broadcast", "A scalar ``c`` repeated to ``shape`` (the adjoint of a sum): ``c 1``.", (2, 2),
       shape=lambda c, shape: tuple(shape),
       vjp=lambda node, g: [(node.args[0], Total(g))],
       numpy="{0!w}*numpy.ones(({shape},))",
       notation=spelled((PRODUCT, (ATOM,), "{0}·1"), (PRODUCT, (ATOM,), "{0}*1"),
                        (PRODUCT, (ATOM,), r"{0} \mathbf{{1}}")),
       notation_cases={"ones": spelled((ATOM, (), "1"), (ATOM, (), "1"), (ATOM, (), r"\mathbf{{1}}"))}),
    Op("SumT", "``sum_t(x)``: the sum over time steps t = 1..T of a time-indexed expression.", (1, 1),
       call="sum_t",
       shape=shape_of,
       vjp=lambda node, g: [(node.args[0], g)],
       # the program sums the stacked steps, or T copies of what does not depend on t, given to
       # every sequence of the batch where no data touches it
       numpy="numpy.sum({0}, axis=0)",
       numpy_cases={"constant": "T*{0!w}", "unbatched": "T*{0!w}*numpy.ones(({ones}))"},
       notation=spelled((SUMT, (NEG,), "Σₜ {0}"), (ATOM, (0,), "sum_t({0})"),
                        (SUMT, (NEG,), r"\sum_{{t=1}}^{{T}} {0}"))),
    Op("Last", "``x`` at the step t = T - k alone (``k`` the second argument), zeros at every other "
       "step: the share of h[t] from a use of h[T - k] after the loop. The program writes it only at "
       "its step (:mod:`.split` keeps it in the loop's last steps).", (2, 2),
       shape=lambda x, k: shape_of(x),
       vjp=lambda node, g: [(node.args[0], Last(g, node.args[1]))],
       numpy="({0} if t == T - 1 - {1!d} else 0.0)",
       notation=spelled((PRODUCT, (FACTOR, ATOM), "[t = T-{1}] · {0}"), (PRODUCT, (FACTOR, ATOM), "[t = T-{1}]*{0}"),
                        (PRODUCT, (FACTOR, ATOM), r"[t = T-{1}]\, {0}")),
       notation_cases={"last": spelled((PRODUCT, (FACTOR,), "[t = T] · {0}"), (PRODUCT, (FACTOR,), "[t = T]*{0}"),
                                       (PRODUCT, (FACTOR,), r"[t = T]\, {0}"))}),
    Op("First", "``x`` at the step t = k alone (``k`` the second argument, 1 or more), zeros at every "
       "other step: the share of h[t] from a use of h[k] after the loop. The program writes it only at "
       "its step (:mod:`.split` keeps it in the loop's first steps).", (2, 2),
       shape=lambda x, k: shape_of(x),
       vjp=lambda node, g: [(node.args[0], First(g, node.args[1]))],
       numpy="({0} if t == {1!d} - 1 else 0.0)",
       notation=spelled((PRODUCT, (FACTOR, ATOM), "[t = {1}] · {0}"), (PRODUCT, (FACTOR, ATOM), "[t = {1}]*{0}"),
                        (PRODUCT, (FACTOR, ATOM), r"[t = {1}]\, {0}"))),
)


class Node(Block):
    """A node of a block operation; ``op`` is its record."""

    op: Op

    def __new__(cls, *args):
        least, most = cls.op.arity
        assert least <= len(args) and (most is None or len(args) <= most), (cls.__name__, args)
        # a shape given as a tuple (a broadcast's) is a sympy Tuple, as sympy's arguments must be
        return Block.__new__(cls, *(sympy.Tuple(*a) if isinstance(a, tuple) else a for a in args))

    def _shape(self):
        return self.op.shape(*self.args)


def node_class(op):
    """The node class of ``op``, named as the record."""
    def body(ns):
        ns.update(op=op, __doc__=op.doc, __module__=__name__)
    return types.new_class(op.name, (Node,), exec_body=body)


(Plus, Neg, Hadamard, Divide, Power, MatProd, Outer, Rows, Cols, Pad, Elementwise, Softmax, CrossEntropy,
 SquaredError, Total, Inner, Trans, Cat, Broadcast, SumT, Last, First) = map(node_class, RECORDS)
Elementwise.function = property(lambda self: self.args[0].name)

OPS = {globals()[op.name]: op for op in RECORDS}
assert all(cls.op is op for cls, op in OPS.items()), "the classes are made in the order of the records"
