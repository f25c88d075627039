"""Generated NumPy code for a block derivation: a loop over t forward, and back.

Arrays carry a batch axis first: a vector of a step is ``(B, n)``, a time-indexed
input ``(T, B, n)``; parameters keep their declared shapes. A time-indexed variable
``h`` used k steps back is stored with k leading slots for its initial values, so that
``h[t-1]`` at the first step reads ``h[0]``. The backward loop runs t = T..1 over the
ordered derivatives (Eq. 1, one statement per node), reading the adjoints of later
steps from arrays padded with zeros past T, and sums each parameter's shares.

The same printer writes readable code (the user's names; ``--emit-python``) and the
code that is compiled (generated names only: no user text reaches ``exec``). A user's
name that Python or the generated module already uses (``print``, ``rng``, ``PARAMS``,
``h_init`` for the initial value of ``h``) is written with underscores appended.
"""

from __future__ import annotations

import keyword
import math
import string

from sympy import Number, Rational, Symbol

from ..functions import BY_NAME, BY_SYMPY
from ..naming import PYTHON_NAMES
from . import expr as B

MAX_RUN = 64  # operands of one sum or product written in a row; a longer run is split in halves

# every name the program and the module around it use, besides Python's own
RESERVED = {"numpy", "softmax", "pad", "cat", "mm", "t", "T", "B", "loss", "grads", "params", "inputs", "init",
            "forward", "gradients", "values", "lax", "carry", "_", "PARAMS", "INPUTS", "INITS",
            "loss_and_gradients", "rng", "name", "g", "fits", "LABELS", "ProgramShapeError"} | PYTHON_NAMES

HELPERS = '''def softmax(z):
    e = numpy.exp(z - numpy.max(z, axis=-1, keepdims=True))
    return e / numpy.sum(e, axis=-1, keepdims=True)


def cat(parts, rank):
    """Blocks of rank 1 or 2 stacked along their first axis, leading axes broadcast."""
    lead = numpy.broadcast_shapes(*(numpy.shape(p)[:numpy.ndim(p) - rank] for p in parts))
    return numpy.concatenate([numpy.broadcast_to(p, lead + numpy.shape(p)[numpy.ndim(p) - rank:])
                              for p in parts], axis=-rank)


def mm(x, a):
    """``x @ a`` for ``x`` with leading axes (time, batch): one matrix product over all rows."""
    return (x.reshape(-1, x.shape[-1]) @ a).reshape(x.shape[:-1] + a.shape[-1:])


def pad(g, start, n, axis):
    """g placed at rows start.. of a block of n rows along axis, zeros elsewhere."""
    shape = list(numpy.shape(g))
    parts = []
    for rows in (start, n - start - shape[axis]):
        if rows:
            shape[axis] = rows
            parts.append(numpy.zeros(tuple(shape)))
    parts.insert(1 if start else 0, g)
    return numpy.concatenate(parts, axis=axis)
'''


class Names:
    """Identifiers of values (``h``), adjoints (``d_h``), initial values (``h_init``, ``d_h_init``)
    and dimensions; the user's names first, so that a generated name gives way to them."""

    def __init__(self, system, readable):
        self.readable = readable
        self.map = {}
        self.taken = set(RESERVED)
        leaves = [*system.dims, *system.declarations, *system.equations]
        for k, name in enumerate(leaves):
            self.map[name] = self.free(name if readable else f"v{k}")
        for name in [*system.declarations, *system.equations]:
            self.map["d+" + name] = self.free("d_" + self.map[name])
        for name, slots in system.inits.items():
            for s in B.early(slots):  # those past the last step are numbers the program writes
                ident = self.free(f"{self.map[name]}_init" if s == 0 else f"{self.map[name]}_init{-s}")
                self.map["init", name, s] = ident
                self.map["d+init", name, s] = self.free("d_" + ident)
        # fresh() names are keys of map too: with generated identifiers, a user's sum0 must
        # keep its key from the accumulator sum0
        self.taken.update(leaves)

    def free(self, ident):
        """``ident``, or ``ident`` with underscores appended, not taken yet; now taken."""
        while ident in self.taken or keyword.iskeyword(ident):
            ident += "_"
        self.taken.add(ident)
        return ident

    def fresh(self, prefix):
        """A new identifier for generated code (accumulators), registered as a value."""
        k = 0
        while f"{prefix}{k}" in self.taken:
            k += 1
        self.taken.add(f"{prefix}{k}")
        self.map[f"{prefix}{k}"] = f"{prefix}{k}"
        return f"{prefix}{k}"

    def value(self, name):
        return self.map[name]

    def adjoint(self, name):
        return self.map["d+" + name]

    def init(self, name, s):
        """The argument holding ``name[s]``, the initial value ``s`` steps before step 1."""
        return self.map["init", name, s]

    def init_adjoint(self, name, s):
        return self.map["d+init", name, s]


class Printer:
    """NumPy code for block expressions inside the loop over ``t`` (0-based in the code).

    With ``stacked``, for all steps at once instead: ``h[t-1]`` reads the slice of every
    step, and time-indexed values carry a leading time axis before the batch axis.
    """

    def __init__(self, system, names, offsets, stacked=False):
        self.system = system
        self.names = names
        self.offsets = offsets  # {name: slots before step 1}
        self.stacked = stacked
        self.temps = {}  # {subexpression: name} of the shared subexpressions computed already

    def lead(self, e):
        """How many axes come before the block's own: 0, 1 (batch) or 2 (time and batch, stacked)."""
        if not self.batched(e):
            return 0
        if not self.stacked or isinstance(e, B.SumT):
            return 1
        var = e.args[0] if isinstance(e, B.Adj) else e
        if isinstance(var, B.Var):
            return 2 if var.time and var.time[0].has(B.T_INDEX) else 1
        return max(self.lead(a) for a in e.args if B.is_array(a))

    def batched(self, e):
        if isinstance(e, B.Adj):
            return self.batched(e.args[0])
        if isinstance(e, B.SumT):
            return True  # a sequence's sum over its steps, given to each sequence (as static_batched says)
        if isinstance(e, B.Var):
            decl = self.system.declarations.get(e.name)
            if decl is not None:
                return decl.kind == "input" or bool(e.time)
            return bool(e.time) or self.static_batched(e.name)
        return B.is_array(e) and any(self.batched(a) for a in e.args)

    def static_batched(self, name):
        eq = self.system.equations[name]
        return B.holds(eq.expr, B.SumT) or self.batched(eq.expr)

    def index(self, var):
        """The array index of ``var``: ``h[t + 1]`` for h[t] when h has one initial slot."""
        when = var.time[0]
        k = self.offsets.get(var.name, 0)
        if when.has(B.T_INDEX):
            d = int(when - B.T_INDEX) + k  # the loop's t is 0-based: step t + 1
            if self.stacked:
                return f"{d}:T + {d}" if d else ":T"
            return "t" if d == 0 else f"t + {d}" if d > 0 else f"t - {-d}"
        if when.has(B.T_LAST):  # a last step, h[T-j], read after the loop: slot T - j + k - 1
            d = k - 1 - int(B.T_LAST - when)
            return "T" if d == 0 else f"T + {d}" if d > 0 else f"T - {-d}"
        return str(int(when) + k - 1)

    def block_axes(self, shape):
        """The axes after time and batch of an array of blocks of ``shape``: 1 for a scalar,
        which the program keeps with a trailing axis (as ``numpy.sum(..., keepdims=True)``
        leaves it), so that it broadcasts against the vectors of its sample. The program
        allocates its arrays, and the shape guard (:mod:`.guard`) checks them, by this rule."""
        return [self.dim(n) for n in shape] if shape else ["1"]

    def dim(self, d):
        """A dimension as code, in the generated names of the dimensions."""
        d = B.as_dim(d)
        return str(d.xreplace({n: Symbol(self.names.value(n.name)) for n in d.free_symbols}))

    def code(self, e):
        if e in self.temps:
            return self.temps[e]
        if not B.is_array(e):
            return self.scalar(e) if e.free_symbols else number(e)
        method = getattr(self, "_" + type(e).__name__, self._Node)
        return method(e, *e.args)

    def scalar(self, x):
        """A number of the dimensions (``1/n_h``, as a file writes ``sum(a[t]) / n_h``) as code: a
        float of the sizes the program reads from its arrays."""
        if x.is_Symbol:
            return self.names.value(x.name)
        if not x.free_symbols:
            return number(x)
        parts = [self.scalar(a) for a in x.args]
        if x.is_Add:
            return "(" + " + ".join(parts) + ")"
        if x.is_Mul:
            return "(" + "*".join(parts) + ")"
        if x.is_Pow:
            return f"({parts[0]}**{parts[1]})"
        return BY_SYMPY[type(x)].numpy.format(*parts, "0.0")

    def wrap(self, e):
        text = self.code(e)
        simple = (isinstance(e, (B.Var, B.Adj)) or e in self.temps
                  or not B.is_array(e) and (e.is_Symbol or not e.free_symbols and e >= 0))
        return text if simple else f"({text})"

    def _Var(self, e, *_):
        name = self.names.value(e.name)
        return f"{name}[{self.index(e)}]" if e.time else name

    def _Adj(self, e, v):
        name = self.names.adjoint(v.name)
        return f"{name}[{self.index(v)}]" if v.time else name

    def _Zeros(self, e, shape):
        return "0.0"

    def fill(self, template, *args, **fields):
        """``template`` (an operation's NumPy template, :mod:`.ops`) filled with ``args``."""
        return Template(self).format(template, *args, **{k: str(v) for k, v in fields.items()})

    def _Node(self, e, *args):
        """An operation whose record's template says all; an operation of any number of
        operands folds its two-operand template left to right, and a lone operand prints
        as the template's first field."""
        template = e.op.numpy
        if e.op.arity[1] is not None:
            return self.fill(template, *args)
        if len(args) == 1:
            conversion = next(c for _, field, _, c in Template(self).parse(template) if field == "0")
            return self.fill("{0!%s}" % conversion if conversion else "{0}", args[0])
        if len(args) > MAX_RUN:  # Python reads a + b + c + ... as a tree as deep as the run
            half = len(args) // 2
            args = [f"({self._Node(e, *part)})" for part in (args[:half], args[half:])]
        text = self.fill(template, *args[:2])
        for a in args[2:]:
            text = self.fill(template, text, a)
        return text

    def _Plus(self, e, *args):
        return self._Node(e, *self.lifted(e, args)).replace("+ -", "- ")

    def _Hadamard(self, e, *args):
        return self._Node(e, *self.lifted(e, args))

    def _Divide(self, e, *args):
        return self._Node(e, *self.lifted(e, args))

    def lifted(self, e, args):
        """``args`` of an elementwise ``e``, a batched scalar among them given an axis more where
        ``e`` is a matrix: it is kept as (..., 1), which broadcasts against a vector's (..., n)
        but would meet a matrix's (..., n, m) at its rows."""
        if len(B.shape_of(e)) < 2:
            return args
        return [f"{self.wrap(a)}[..., None]" if B.is_array(a) and not B.shape_of(a) and self.batched(a) else a
                for a in args]

    def _Power(self, e, x, p):
        return self.fill(e.op.numpy_cases["sqrt"] if p == Rational(1, 2) else e.op.numpy, x, p)

    def _MatProd(self, e, A, X):
        a_b, x_b = self.batched(A), self.batched(X)
        if a_b:
            spec = "...ij,...j->...i" if len(X.shape) == 1 else "...ij,...jk->...ik"
            return self.fill(e.op.numpy_cases["einsum"], A, X, spec=spec) if x_b or len(X.shape) == 1 \
                else self.fill(e.op.numpy, A, X)
        if x_b and len(X.shape) == 1:  # rows of a batch times A^T
            right = self.wrap(A.args[0]) if isinstance(A, B.Trans) else self.fill(B.Trans.op.numpy, A)
            if self.lead(X) == 2:  # all steps: one matrix product, not one per step
                return self.fill(e.op.numpy_cases["stacked"], A, X, right=right)
            return self.fill(e.op.numpy_cases["rows"], A, X, right=right)
        return self.fill(e.op.numpy, A, X)

    def _Trans(self, e, A):
        return self.fill(e.op.numpy_cases["batched"] if self.batched(A) else e.op.numpy, A)

    def _Cat(self, e, *parts):
        codes = ", ".join(self.code(p) for p in parts)
        if len({self.lead(p) for p in parts}) > 1:  # some parts lack the batch or time axis
            return self.fill(e.op.numpy_cases["mixed"], parts=codes, rank=len(e.shape))
        return self.fill(e.op.numpy, parts=codes, axis=-1 if len(e.shape) == 1 else -2)

    def _Rows(self, e, x, a, b):
        return self.fill(e.op.numpy_cases["matrix"] if len(x.shape) == 2 else e.op.numpy, x, a, b)

    def _Pad(self, e, g, a, n):
        return self.fill(e.op.numpy, g, a, n, axis=-1 if len(e.shape) == 1 else -2)

    def _Elementwise(self, e, f, x):
        return self.fill(e.op.numpy, call=BY_NAME[f.name].numpy.format(self.code(x), "0.0"))

    def _CrossEntropy(self, e, p, y):
        return self.reduce(e, p, y)

    def _SquaredError(self, e, p, y):
        return self.reduce(e, y, p)

    def _Total(self, e, x):
        return self.reduce(e, x)

    def _Inner(self, e, a, b):
        return self.reduce(e, a, b)

    def reduce(self, e, *operands):
        """A reduction's template, summing over the own axes of its operands (those of a block,
        not of a scalar), after the batch axis where any operand has one."""
        rank = max((len(B.shape_of(a)) for a in operands if B.is_array(a)), default=0)
        if not any(self.batched(a) for a in operands if B.is_array(a)):
            axes = after = ""
        elif rank < 2:  # a batched scalar is (..., 1): summed over its last axis, it stays one
            axes, after = ", axis=-1, keepdims=True", ""
        else:
            axes, after = ", axis=(-2, -1)", "[..., None]"
        return self.fill(e.op.numpy, *e.args, axes=axes, after=after)

    def _Broadcast(self, e, c, shape):
        c, = self.lifted(e, [c])
        return self.fill(e.op.numpy, c, shape=", ".join(self.dim(d) for d in shape))

    def _SumT(self, e, x):
        raise AssertionError("sums over time are emitted as accumulations")


class Template(string.Formatter):
    """Fills a NumPy template for a :class:`Printer`: ``{0}`` an argument's code, ``{0!w}`` in
    brackets unless simple, ``{0!d}`` a dimension; text (what is printed already) as it is."""

    def __init__(self, printer):
        self.printer = printer

    def convert_field(self, value, conversion):
        if isinstance(value, str):
            return value
        return {"w": self.printer.wrap, "d": self.printer.dim, None: self.printer.code}[conversion](value)


def number(x):
    if isinstance(x, Number):
        return repr(float(x)) if not x.is_Integer or abs(x) > 2 ** 53 else f"{int(x)}.0"
    return repr(constant(x))


def constant(x):
    """The float64 value of a sympy expression of numbers, a call of orderdiff's functions
    that sympy does not evaluate (``relu(1)``, ``sigmoid(2)``) included."""
    if isinstance(x, Number) or not x.args:
        return float(x)
    values = [constant(a) for a in x.args]
    if x.is_Add:
        return math.fsum(values)
    if x.is_Mul:
        return math.prod(values)
    if x.is_Pow:
        return values[0] ** values[1]
    return float(BY_SYMPY[type(x)].value(*values))


def summed_form(printer, e):
    """The code of ``e`` summed over all its leading axes by its record's ``summed`` case, where
    one is cheaper than the sum of the whole array (a transpose of the sum, one matrix product);
    else ``None``."""
    if isinstance(e, B.Trans):
        return printer.fill(e.op.numpy_cases["summed"], unbatch(printer, "", e.args[0], 0))
    if isinstance(e, B.Cat) and len(e.shape) == 2:
        return printer.fill(e.op.numpy_cases["summed"], parts=", ".join(unbatch(printer, "", p, 0) for p in e.args))
    if isinstance(e, B.Outer):
        a, b = e.args
        la, lb = printer.lead(a), printer.lead(b)
        if la == lb:
            return printer.fill(e.op.numpy_cases["summed_rows" if la == 1 else "summed_steps"], a, b)
        if not (la and lb):
            return printer.fill(e.op.numpy_cases["summed_apart"], unbatch(printer, "", a, 0), unbatch(printer, "", b, 0))
    return None


def unbatch(printer, text, e, target_lead):
    """``text`` of ``e`` summed over its leading axes (time, batch) that the slot it goes to lacks."""
    text = text or printer.code(e)
    n = printer.lead(e) - target_lead
    if n <= 0:
        return text
    axes = "0" if n == 1 else "(0, 1)"
    if not B.shape_of(e):
        return f"numpy.sum({text})" if target_lead == 0 else f"numpy.sum({text}, axis={axes})"
    if target_lead == 0:
        summed = summed_form(printer, e)
        if summed is not None:
            return summed
    return f"numpy.sum({text}, axis={axes})"
