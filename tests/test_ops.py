"""The table of block operations: every node class has a whole record, and each record's
vector-Jacobian product and NumPy template agree with an independent oracle.

The oracle is this file's own NumPy meaning of each operation (``MEANING``), which shares
no code with orderdiff: a VJP is checked against central differences of ``<G, f(x)>``, a
template against the meaning of the node it prints. Outer products, column slices, pads
and broadcasts appear only in derivatives, never in a parsed file, so no whole-system
check reaches their rules; this one does.
"""

from __future__ import annotations

import string
from types import SimpleNamespace

import numpy as np
import pytest
from sympy import Integer, Rational, S

from orderdiff.blocks import expr as B
from orderdiff.blocks.codegen import HELPERS, Names, Printer, unbatch
from orderdiff.blocks.ops import OPS, Form, Node
from orderdiff.blocks.shapes import Block
from orderdiff.functions import FUNCTIONS as SCALAR_FUNCTIONS

LEAVES = {B.Var, B.Adj, B.Zeros}
KINDS = ("unicode", "ascii", "latex")


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def test_every_node_class_is_a_leaf_or_has_a_record():
    assert set(subclasses(Block)) - LEAVES - {Node} == set(OPS)


@pytest.mark.parametrize("cls", list(OPS), ids=lambda c: c.__name__)
def test_every_record_is_whole(cls):
    op = OPS[cls]
    assert op.name == cls.__name__ and cls.op is op and cls.__doc__ == op.doc and op.doc
    least, most = op.arity
    assert 1 <= least and (most is None or least <= most)
    assert callable(op.shape) and callable(op.vjp)
    assert op.call is None or op.call.isidentifier()
    for template in (op.numpy, *op.numpy_cases.values()):
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        assert fields and all(not f.isdigit() or most is None or int(f) < most for f in fields)
    for spelling in (op.notation, *op.notation_cases.values()):
        assert set(spelling) == set(KINDS)
        for form in spelling.values():
            assert isinstance(form, str) or (isinstance(form, Form) and isinstance(form.level, int))


N, M, K = 3, 2, 4
rng = np.random.default_rng(7)


def var(name, *shape):
    return B.Var(name, tuple(Integer(d) for d in shape))


x, y, z, s, p = var("x", N), var("y", N), var("z", M), var("s"), var("p", N)
A, W, R = var("A", M, N), var("W", N, K), var("R", 1, N)
FUNCTIONS = sorted(name for name in SCALAR_FUNCTIONS if name != "sqrt")  # sqrt is a power, not a call

SAMPLES = {
    B.Plus: [B.Plus(x, y, s)],
    B.Neg: [B.Neg(x)],
    B.Hadamard: [B.Hadamard(x, y, s), B.Hadamard(x, y)],
    B.Divide: [B.Divide(x, y), B.Divide(s, y)],
    B.Power: [B.Power(x, Integer(3)), B.Power(x, Rational(1, 2))],
    B.MatProd: [B.MatProd(A, x), B.MatProd(A, W)],
    B.Trans: [B.Trans(A)],
    B.Outer: [B.Outer(x, z)],
    B.Cat: [B.Cat(x, z), B.Cat(A, R)],
    B.Rows: [B.Rows(x, Integer(1), Integer(3)), B.Rows(W, S.Zero, Integer(2))],
    B.Cols: [B.Cols(W, Integer(1), Integer(3))],
    B.Pad: [B.Pad(z, Integer(1), Integer(4)), B.Pad(A, S.Zero, Integer(3))],
    B.Elementwise: [B.Elementwise(B.Str(f), x) for f in FUNCTIONS],
    B.Softmax: [B.Softmax(x)],
    B.CrossEntropy: [B.CrossEntropy(p, y)],
    B.SquaredError: [B.SquaredError(p, y)],
    B.Total: [B.Total(x), B.Total(A)],
    B.Inner: [B.Inner(x, y)],
    B.Broadcast: [B.Broadcast(s, (Integer(N),))],
    B.SumT: [B.SumT(x)],  # one step: the sum over time of one term is the term
    B.Last: [B.Last(x, S.Zero)],  # at its own step, the last (t = T - 1 in the loop's 0-based count)
    B.First: [B.First(x, Integer(3))],  # at its own step, the third (t = 2 in the loop's 0-based count)
}

SCALAR = {"tanh": np.tanh, "exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos, "tan": np.tan,
          "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
          "abs": np.abs, "sign": np.sign, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
          "softplus": lambda v: np.log(1 + np.exp(v)), "relu": lambda v: np.where(v > 0, v, 0.0),
          "Heaviside": lambda v: np.where(v > 0, 1.0, 0.0)}


def pad(g, a, n):
    out = np.zeros((n,) + g.shape[1:])
    out[a:a + g.shape[0]] = g
    return out


def softmax(v):
    e = np.exp(v - v.max())
    return e / e.sum()


MEANING = {
    B.Plus: lambda *xs: sum(xs), B.Neg: lambda v: -v, B.Hadamard: lambda *xs: np.prod(np.broadcast_arrays(*xs), 0),
    B.Divide: lambda a, b: a / b, B.Power: lambda v, q: v ** float(q), B.MatProd: lambda a, b: a @ b,
    B.Trans: lambda a: a.T, B.Outer: np.outer, B.Cat: lambda *xs: np.concatenate(xs),
    B.Rows: lambda v, a, b: v[int(a):int(b)], B.Cols: lambda v, a, b: v[:, int(a):int(b)],
    B.Pad: lambda g, a, n: pad(g, int(a), int(n)), B.Elementwise: lambda f, v: SCALAR[f.name](v),
    B.Softmax: softmax, B.CrossEntropy: lambda q, v: -np.sum(q * np.log(v)),
    B.SquaredError: lambda q, v: 0.5 * np.sum((v - q) ** 2), B.Total: np.sum,
    B.Inner: lambda a, b: np.sum(a * b), B.Broadcast: lambda c, shape: c * np.ones(tuple(int(d) for d in shape)),
    B.SumT: lambda v: v, B.Last: lambda v, k: v, B.First: lambda v, k: v,
}


def value(e, env):
    if isinstance(e, B.Var):
        return env[e.name]
    if not isinstance(e, Block):
        return float(e)
    return MEANING[type(e)](*(value(a, env) if isinstance(a, Block) or a.is_Number else a for a in e.args))


def draw(e):
    """Values of the variables of ``e`` in (0.2, 0.8): inside every function's domain, off every kink."""
    return {v.name: rng.uniform(0.2, 0.8, tuple(int(d) for d in v.shape)) for v in B.variables(e)}


def all_samples():
    return [pytest.param(e, id=f"{type(e).__name__}-{k}") for cls in OPS for k, e in enumerate(SAMPLES[cls])]


def test_every_operation_has_a_sample():
    assert set(SAMPLES) == set(OPS)


@pytest.mark.parametrize("node", all_samples())
def test_each_vjp_matches_central_differences(node):
    env = draw(node)
    G = rng.standard_normal(tuple(int(d) for d in node.shape))
    g = B.Var("g", node.shape)
    shares = {}
    for child, share in node.op.vjp(node, g):
        shares[child] = shares.get(child, 0) + value(share, {**env, "g": G})
    assert set(shares) == B.variables(node)
    eps = 1e-6
    for v, share in shares.items():
        D = rng.standard_normal(np.shape(env[v.name]))
        up = value(node, {**env, v.name: env[v.name] + eps * D})
        down = value(node, {**env, v.name: env[v.name] - eps * D})
        fd = np.sum(G * (up - down)) / (2 * eps)
        assert np.sum(np.broadcast_to(share, np.shape(D)) * D) == pytest.approx(fd, rel=1e-5, abs=1e-7), v.name


def printer_for(node):
    names = [v.name for v in B.variables(node)]
    system = SimpleNamespace(dims=[], declarations={n: SimpleNamespace(kind="param") for n in names},
                             equations={}, inits={})
    return Printer(system, Names(system, readable=True), {})


@pytest.mark.parametrize("node", [n for n in all_samples() if not isinstance(n.values[0], B.SumT)])
def test_each_numpy_template_computes_the_operation(node):
    namespace = {"numpy": np}
    exec(HELPERS, namespace)
    env = draw(node)
    got = eval(printer_for(node).code(node), namespace, {**env, "t": 2, "T": 3})  # the last step, for Last; the third, for First
    assert np.allclose(got, value(node, env))


# ----- the summed cases: an operation summed over the batch (and time) axes in one step -----------

def timed_var(name, *shape):
    return B.Var(name, tuple(Integer(d) for d in shape), (B.T_INDEX,))


P, Q, u, v = timed_var("P", 2, 3), timed_var("Q", 4, 3), timed_var("u", 3), timed_var("v", 2)
w = var("w", 4)
SUMMED = [B.Trans(P), B.Cat(P, Q), B.Outer(u, v), B.Outer(u, w), B.Outer(w, u)]


@pytest.mark.parametrize("stacked", [False, True], ids=["one step", "every step"])
@pytest.mark.parametrize("node", SUMMED, ids=lambda e: f"{type(e).__name__}-{e.args[0].name}")
def test_each_summed_case_is_the_sum_over_the_leading_axes(node, stacked):
    """``unbatch`` prints a node summed over its batch axis (and, stacked, its time axis) by the
    record's summed case; the meaning of the operation, sample by sample, summed, is the oracle."""
    T, batch, t = 3, 2, 1
    inputs = {a.name for a in B.variables(node) if a.time}
    system = SimpleNamespace(dims=[], equations={}, inits={}, declarations={
        a.name: SimpleNamespace(kind="input" if a.name in inputs else "param", timed=a.name in inputs)
        for a in B.variables(node)})
    printer = Printer(system, Names(system, readable=True), {}, stacked=stacked)
    code = unbatch(printer, "", node, 0)
    assert "numpy.sum(" + printer.code(node) not in code  # a case of its own, not the whole array summed
    arrays = {a.name: rng.uniform(0.2, 0.8, (T + 1, batch, *(int(d) for d in a.shape)) if a.name in inputs
                                   else tuple(int(d) for d in a.shape)) for a in B.variables(node)}
    got = eval(code, {"numpy": np}, {**arrays, "t": t, "T": T})
    steps = range(T) if stacked else [t]
    want = sum(value(node, {k: (a[s, b] if k in inputs else a) for k, a in arrays.items()})
               for s in steps for b in range(batch))
    assert got.shape == want.shape and np.allclose(got, want)
