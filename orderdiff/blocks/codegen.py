"""Generated NumPy code for a block derivation: a loop over t forward, and back.

Arrays carry a batch axis first: a vector of a step is ``(B, n)``, a time-indexed
input ``(T, B, n)``; parameters keep their declared shapes. A time-indexed variable
``h`` used k steps back is stored with k leading slots for its initial values, so that
``h[t-1]`` at the first step reads ``h[0]``. The backward loop runs t = T..1 over the
ordered derivatives (Eq. 1, one statement per node), reading the adjoints of later
steps from arrays padded with zeros past T, and sums each parameter's shares.

The same printer writes readable code (the user's names; ``--emit-python``) and the
code that is compiled (generated names only: no user text reaches ``exec``).
"""

from __future__ import annotations

import keyword

from sympy import Number, Rational, Symbol

from . import expr as B
from .vjps import RULE_BY_NAME

RESERVED = {"numpy", "softmax", "pad", "t", "T", "B", "loss", "grads", "params", "inputs", "init",
            "range", "float", "forward", "gradients", "values"}

HELPERS = '''def softmax(z):
    e = numpy.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def pad(g, start, n, axis):
    """g placed at rows start.. of a block of n rows along axis, zeros elsewhere."""
    shape = list(g.shape)
    shape[axis] = n
    out = numpy.zeros(shape)
    index = [slice(None)] * len(shape)
    index[axis] = slice(start, start + g.shape[axis])
    out[tuple(index)] = g
    return out
'''


class Names:
    """Identifiers of values (``h``), adjoints (``d_h``), gradients and dimensions."""

    def __init__(self, system, readable):
        self.readable = readable
        self.map = {}
        self.taken = taken = set(RESERVED)
        leaves = [*system.dims, *system.declarations, *system.equations]
        for k, name in enumerate(leaves):
            ident = name if readable else f"v{k}"
            while ident in taken or keyword.iskeyword(ident):
                ident += "_"
            taken.add(ident)
            self.map[name] = ident
        for name in [*system.declarations, *system.equations]:
            ident = "d_" + self.map[name]
            while ident in taken:
                ident += "_"
            taken.add(ident)
            self.map["d+" + name] = ident

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


class Printer:
    """NumPy code for block expressions inside the loop over ``t`` (0-based in the code)."""

    def __init__(self, system, names, offsets):
        self.system = system
        self.names = names
        self.offsets = offsets  # {name: slots before step 1}
        self.temps = {}  # {subexpression: name} of the shared subexpressions computed already

    def batched(self, e):
        if isinstance(e, B.Adj):
            return self.batched(e.args[0])
        if isinstance(e, B.Var):
            decl = self.system.declarations.get(e.name)
            if decl is not None:
                return decl.kind == "input" or bool(e.time)
            return bool(e.time) or self.static_batched(e.name)
        return B.is_block(e) and any(self.batched(a) for a in e.args)

    def static_batched(self, name):
        eq = self.system.equations[name]
        return eq.expr.has(B.SumT) or self.batched(eq.expr)

    def index(self, var):
        """The array index of ``var``: ``h[t + 1]`` for h[t] when h has one initial slot."""
        when = var.time[0]
        k = self.offsets.get(var.name, 0)
        if when.has(B.T_INDEX):
            d = int(when - B.T_INDEX) + k  # the loop's t is 0-based: step t + 1
            return "t" if d == 0 else f"t + {d}" if d > 0 else f"t - {-d}"
        return str(int(when) + k - 1)

    def dim(self, d):
        """A dimension as code, in the generated names of the dimensions."""
        d = B.as_dim(d)
        return str(d.xreplace({n: Symbol(self.names.value(n.name)) for n in d.free_symbols}))

    def code(self, e):
        if e in self.temps:
            return self.temps[e]
        if not B.is_block(e):
            return number(e)
        method = getattr(self, "_" + type(e).__name__)
        return method(e, *e.args)

    def wrap(self, e):
        text = self.code(e)
        simple = isinstance(e, (B.Var, B.Adj)) or e in self.temps or not B.is_block(e) and e >= 0
        return text if simple else f"({text})"

    def _Var(self, e, *_):
        name = self.names.value(e.name)
        return f"{name}[{self.index(e)}]" if e.time else name

    def _Adj(self, e, v):
        name = self.names.adjoint(v.name)
        return f"{name}[{self.index(v)}]" if v.time else name

    def _Zeros(self, e, shape):
        return "0.0"

    def _Plus(self, e, *args):
        terms = [self.code(a) for a in args]
        return " + ".join(terms).replace("+ -", "- ")

    def _Neg(self, e, x):
        return "-" + self.wrap(x)

    def _Hadamard(self, e, *args):
        return "*".join(self.wrap(a) for a in args)

    def _Divide(self, e, a, b):
        return f"{self.wrap(a)}/{self.wrap(b)}"

    def _Power(self, e, x, p):
        if p == Rational(1, 2):
            return f"numpy.sqrt({self.code(x)})"
        return f"{self.wrap(x)}**{number(p)}"

    def _MatProd(self, e, A, X):
        a_b, x_b = self.batched(A), self.batched(X)
        if a_b:
            spec = "bij,bj->bi" if len(X.shape) == 1 else "bij,bjk->bik"
            return f"numpy.einsum('{spec}', {self.code(A)}, {self.code(X)})" if x_b or len(X.shape) == 1 \
                else f"{self.wrap(A)} @ {self.wrap(X)}"
        if x_b and len(X.shape) == 1:  # rows of a batch times A^T
            if isinstance(A, B.Trans):
                return f"{self.wrap(X)} @ {self.wrap(A.args[0])}"
            return f"{self.wrap(X)} @ {self.wrap(A)}.T"
        return f"{self.wrap(A)} @ {self.wrap(X)}"

    def _Trans(self, e, A):
        return f"numpy.swapaxes({self.code(A)}, -1, -2)" if self.batched(A) else f"{self.wrap(A)}.T"

    def _Outer(self, e, a, b):
        return f"({self.wrap(a)}[..., :, None]*{self.wrap(b)}[..., None, :])"

    def _Cat(self, e, *parts):
        axis = -1 if len(e.shape) == 1 else -2
        if any(self.batched(p) for p in parts) and not all(self.batched(p) for p in parts):
            codes = [self.code(p) if self.batched(p) else
                     f"numpy.broadcast_to({self.code(p)}, (B,) + numpy.shape({self.code(p)}))" for p in parts]
        else:
            codes = [self.code(p) for p in parts]
        return f"numpy.concatenate([{', '.join(codes)}], axis={axis})"

    def _Rows(self, e, x, a, b):
        rest = ", :" if len(x.shape) == 2 else ""
        return f"{self.wrap(x)}[..., {self.dim(a)}:{self.dim(b)}{rest}]"

    def _Cols(self, e, W, a, b):
        return f"{self.wrap(W)}[..., :, {self.dim(a)}:{self.dim(b)}]"

    def _Pad(self, e, g, a, n):
        axis = -1 if len(e.shape) == 1 else -2
        return f"pad({self.code(g)}, {self.dim(a)}, {self.dim(n)}, {axis})"

    def _Elementwise(self, e, f, x):
        rule = RULE_BY_NAME[f.name]
        return rule.numpy.format(self.code(x), "0.0")

    def _Softmax(self, e, z):
        return f"softmax({self.code(z)})"

    def _CrossEntropy(self, e, p, y):
        return f"-{self.reduce(f'{self.wrap(p)}*numpy.log({self.code(y)})', e.args[0])}"

    def _SquaredError(self, e, p, y):
        return f"0.5*{self.reduce(f'({self.code(y)} - {self.wrap(p)})**2', y)}"

    def _Total(self, e, x):
        return self.reduce(self.code(x), x)

    def _Inner(self, e, a, b):
        return self.reduce(f"{self.wrap(a)}*{self.wrap(b)}", a if B.shape_of(a) else b)

    def reduce(self, text, like):
        if not self.batched(like):
            return f"numpy.sum({text})"
        axes = "-1" if len(B.shape_of(like)) == 1 else "(-2, -1)"
        keep = "keepdims=True" if len(B.shape_of(like)) == 1 else ""
        return f"numpy.sum({text}, axis={axes}, {keep})" if keep else f"numpy.sum({text}, axis={axes})[:, None]"

    def _Broadcast(self, e, c, shape):
        return f"{self.wrap(c)}*numpy.ones(({', '.join(self.dim(d) for d in shape)},))"

    def _SumT(self, e, x):
        raise AssertionError("sums over time are emitted as accumulations")


def number(x):
    if isinstance(x, Number):
        return repr(float(x)) if not x.is_Integer or abs(x) > 2 ** 53 else f"{int(x)}.0"
    return repr(float(x))




def unbatch(printer, text, e, target_batched):
    """``text`` of ``e`` summed over the batch when the slot it goes to has none."""
    if target_batched or not printer.batched(e):
        return text
    if not B.shape_of(e):
        return f"numpy.sum({text})"
    if isinstance(e, B.Outer):
        a, b = e.args
        pa, pb = printer.batched(a), printer.batched(b)
        if pa and pb:
            return f"{printer.wrap(a)}.T @ {printer.wrap(b)}"
        return f"numpy.outer({printer.code(a)}{'.sum(0)' if pa else ''}, {printer.code(b)}{'.sum(0)' if pb else ''})"
    return f"numpy.sum({text}, axis=0)"

