"""The recurrent examples and variants against oracles that share no code with the derivation.

Every file in MODELS (examples/elman.eqs, lstm.eqs, gru.eqs, jordan.eqs and the variants
in tests/systems/rnn/) goes through the same path, ``derive(load(path)).lambdify()``,
and its loss and gradients (every parameter and every initial value) must agree with:

- HIPS autograd on a forward pass written by hand from the equations (tests/rnn_reference.py);
- central finite differences, entry by entry, of that forward pass in plain NumPy;
- PyTorch's autograd on the same forward pass, where torch is installed;
- the core's scalar engine on the system unrolled entry by entry into scalar sympy
  equations (tests/scalarize.py), for n = 2 and T = 3.

Nothing is special-cased per network: the files differ, the machinery does not. The
derived formulas of the Elman network (Elman 1990) are also checked for
the structure textbook BPTT writes (Werbos 1990).
"""

from __future__ import annotations

import functools
import zlib

import numpy
import pytest
import sympy

import orderdiff
from orderdiff.blocks import expr as B
from rnn_reference import MODELS, NumpyOps, TorchOps, sample
from scalarize import Unrolled

NAMES = sorted(MODELS)
RTOL = 1e-9           # float64, the same arithmetic up to rounding
ATOL = 1e-12

# Open bugs in the generated NumPy program (orderdiff/blocks/program.py, codegen.py) that
# these oracles found; the derived formulas themselves agree with every oracle. Strict:
# once fixed, the XPASS fails, and the entry is to be removed.
LOOKAHEAD = ("the backward loop reads forward values one step ahead (f[t+1], x[t+1], ...) "
             "also at t = T, past the end of the arrays: IndexError")
SCALAR_PARAM = "a scalar parameter's gradient comes back shaped (1,), not ()"
KNOWN_BUGS = {}


def numeric(names):
    """``names`` for the tests that run the generated program, known bugs marked."""
    return [pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_BUGS[name], strict=True))
            if name in KNOWN_BUGS else name for name in names]


NUMERIC = numeric(NAMES)


@functools.cache
def derived(name):
    return orderdiff.derive(orderdiff.load(str(MODELS[name].path)))


@functools.cache
def block_function(name):
    return derived(name).lambdify()


def seed_of(name):
    return zlib.crc32(name.encode())


def run_case(name):
    model = MODELS[name]
    params, inputs, init = sample(model, seed_of(name))
    loss, grads = block_function(name)(params, inputs, init)
    return model, params, inputs, init, loss, grads


def assert_same_gradients(grads, expected, rtol=RTOL, atol=ATOL):
    assert set(grads) == set(expected)
    for key, g in expected.items():
        assert grads[key].shape == numpy.shape(g), key
        numpy.testing.assert_allclose(grads[key], g, rtol=rtol, atol=atol, err_msg=key)


# ----- a. HIPS autograd -------------------------------------------------------------------
@pytest.mark.parametrize("name", NUMERIC)
def test_autograd_agrees_on_loss_and_every_gradient(name):
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    model, params, inputs, init, loss, grads = run_case(name)
    ops = NumpyOps(anp)

    def objective(leaves):
        return model.loss(ops, leaves["params"], inputs, leaves["init"])

    leaves = {"params": params, "init": init}
    expected = autograd.grad(objective)(leaves)
    numpy.testing.assert_allclose(loss, objective(leaves), rtol=RTOL)
    assert_same_gradients(grads, {**expected["params"], **expected["init"]})


@pytest.mark.parametrize("name", numeric(["elman", "lstm", "elman_lag2", "static"]))
def test_autograd_agrees_with_the_declared_initial_values(name):
    """``init`` left out: the declared fill (0, or 1 in static.eqs) is the initial state."""
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    model, params, inputs, init, _, _ = run_case(name)
    declared = {k: numpy.full_like(v, model.fill) for k, v in init.items()}
    loss, grads = block_function(name)(params, inputs)

    def objective(leaves):
        return model.loss(NumpyOps(anp), leaves["params"], inputs, leaves["init"])

    expected = autograd.grad(objective)({"params": params, "init": declared})
    numpy.testing.assert_allclose(loss, objective({"params": params, "init": declared}), rtol=RTOL)
    assert_same_gradients(grads, {**expected["params"], **expected["init"]})


# ----- b. central finite differences ------------------------------------------------------
def central_differences(f, arrays, eps=1e-5):
    """d f / d entry for every entry of every array in ``arrays`` (a dict, perturbed in place)."""
    out = {}
    for key, a in arrays.items():
        g = numpy.zeros_like(a)
        for index in numpy.ndindex(a.shape):
            keep = a[index]
            a[index] = keep + eps
            up = f()
            a[index] = keep - eps
            down = f()
            a[index] = keep
            g[index] = (up - down) / (2 * eps)
        out[key] = g
    return out


@pytest.mark.parametrize("name", NUMERIC)
def test_finite_differences_agree_on_every_entry(name):
    model, params, inputs, init, loss, grads = run_case(name)
    ops = NumpyOps(numpy)

    def f():
        return model.loss(ops, params, inputs, init)

    numpy.testing.assert_allclose(loss, f(), rtol=1e-12)
    expected = {**central_differences(f, params), **central_differences(f, init)}
    assert_same_gradients(grads, expected, rtol=1e-6, atol=1e-8)


# ----- c. PyTorch, where installed ---------------------------------------------------------
@pytest.mark.parametrize("name", NUMERIC)
def test_pytorch_agrees_on_loss_and_every_gradient(name):
    torch = pytest.importorskip("torch")
    model, params, inputs, init, loss, grads = run_case(name)
    tensor = functools.partial(torch.tensor, dtype=torch.float64)
    p = {k: tensor(v, requires_grad=True) for k, v in params.items()}
    i = {k: tensor(v, requires_grad=True) for k, v in init.items()}
    out = model.loss(TorchOps(torch), p, {k: tensor(v) for k, v in inputs.items()}, i)
    out.backward()
    numpy.testing.assert_allclose(loss, out.item(), rtol=RTOL)
    assert_same_gradients(grads, {k: v.grad.numpy() for k, v in {**p, **i}.items()})


# ----- d. scalar unrolling through the core's scalar engine -------------------------------
@pytest.mark.parametrize("name", NUMERIC)
def test_scalar_unrolling_agrees_with_the_block_gradients(name):
    model = MODELS[name]
    agree_with_scalar_unrolling(orderdiff.load(str(model.path)), model.targets, seed_of(name))


def agree_with_scalar_unrolling(system, targets, seed, T=3, n=2):
    """The core's scalar engine on every entry vs the block gradients, at one random point."""
    unrolled = Unrolled(system, T=T, n=n)
    scalar = orderdiff.System(unrolled.equations)
    d = orderdiff.derive(scalar, unrolled.target)

    rng = numpy.random.default_rng(seed)
    number = {}
    for key, syms in unrolled.leaves.items():
        if isinstance(key, tuple) and key[0] == "yhat":
            draw = draw_targets(rng, targets, syms.shape[0])
        else:
            draw = (1.0 if isinstance(key, tuple) else 0.5) * rng.standard_normal(syms.shape)
        number[key] = numpy.asarray(draw, dtype=float)
    values = {s: float(v) for key, syms in unrolled.leaves.items()
              for s, v in zip(syms.ravel(), number[key].ravel())}
    evaluation = d.evaluate({s: values[s] for s in scalar.inputs})

    params = {dcl.name: number[dcl.name] for dcl in system.params}
    inputs = {dcl.name: numpy.stack([number[dcl.name, s] for s in range(1, T + 1)])[:, None, :]
              if dcl.timed else number[dcl.name][None, :] for dcl in system.inputs}
    init = {key: number[key][None, :] for key in unrolled.leaves if isinstance(key, str) and "[" in key}
    loss, grads = orderdiff.derive(system).lambdify()(params, inputs, init)

    numpy.testing.assert_allclose(loss, evaluation.values[unrolled.target], rtol=RTOL)
    total = evaluation.total
    expected = {dcl.name: scalar_gradient(unrolled.leaves[dcl.name], total) for dcl in system.params}
    expected.update({key: scalar_gradient(unrolled.leaves[key], total)[None, :] for key in init})
    assert_same_gradients(grads, expected)


def draw_targets(rng, targets, size):
    if targets == "distribution":
        return rng.dirichlet(numpy.ones(size))
    return rng.uniform(0.1, 1.0, size) if targets == "positive" else rng.standard_normal(size)


def scalar_gradient(syms, total):
    """d+C/d(each entry), 0 for an entry that does not reach the target."""
    return numpy.vectorize(lambda s: total[s] if s in total else 0.0, otypes=[float])(syms)


# ----- the derived formulas have the textbook structure -------------------------------------
def canon(e):
    """``e`` as nested tuples, the terms of sums and factors of products in a fixed order."""
    if isinstance(e, B.Var) or not isinstance(e, sympy.Basic) or not e.args:
        return e
    args = [canon(a) for a in e.args]
    if isinstance(e, (B.Plus, B.Hadamard)):
        args.sort(key=repr)
    return (type(e).__name__, *args)


def assert_form(expr, expected):
    assert canon(expr) == canon(expected), f"\n got      {expr}\n expected {expected}"


class Elman:
    """The Elman network's variables (examples/elman.eqs), written out by hand."""

    def __init__(self, system):
        n_x, n_h, n_y = (system.dims[k] for k in ("n_x", "n_h", "n_y"))
        t = B.T_INDEX
        self.n_x, self.n_h = n_x, n_h
        self.W_ih, self.b_ih = B.Var("W_ih", (n_h, n_x + n_h)), B.Var("b_ih", (n_h,))
        self.W_ho, self.b_ho = B.Var("W_ho", (n_y, n_h)), B.Var("b_ho", (n_y,))
        self.xc = B.Var("xc", (n_x + n_h,), (t,))
        self.zh, self.h = B.Var("zh", (n_h,), (t,)), B.Var("h", (n_h,), (t,))
        self.zo, self.y = B.Var("zo", (n_y,), (t,)), B.Var("y", (n_y,), (t,))
        self.yhat = B.Var("yhat", (n_y,), (t,))
        self.h0 = B.Var("h", (n_h,), (0,))
        self.W_hh = B.Cols(self.W_ih, n_x, n_x + n_h)   # the block of W_ih acting on h[t-1]


def test_elman_recurrences_are_the_textbook_ones():
    d = derived("elman")
    s = Elman(d.system)
    t = B.T_INDEX
    assert set(d.compact) == {s.zh, s.zo, s.W_ih, s.b_ih, s.W_ho, s.b_ho, s.h0}
    assert_form(d.compact[s.zo], B.Plus(s.y, B.Neg(s.yhat)))   # y - yhat
    assert_form(d.compact[s.zh], B.Hadamard(
        B.Plus(B.MatProd(B.Trans(s.W_ho), B.Adj(s.zo)),
               B.MatProd(B.Trans(s.W_hh), B.Adj(s.zh.at(t + 1)))),
        B.Plus(1, B.Neg(B.Hadamard(s.h, s.h)))))                 # (.) (1 - h (.) h)
    assert any("yhat" in a for a in d.assumptions)


def test_elman_gradients_are_sums_of_outer_products_over_time():
    d = derived("elman")
    s = Elman(d.system)
    assert_form(d.compact[s.W_ih], B.SumT(B.Outer(B.Adj(s.zh), s.xc)))
    assert_form(d.compact[s.b_ih], B.SumT(B.Adj(s.zh)))
    assert_form(d.compact[s.W_ho], B.SumT(B.Outer(B.Adj(s.zo), s.h)))
    assert_form(d.compact[s.b_ho], B.SumT(B.Adj(s.zo)))
    assert_form(d.compact[s.h0], B.MatProd(B.Trans(s.W_hh), B.Adj(s.zh.at(1))))


def test_elman_recurrences_and_gradients_split_the_compact_forms():
    """Initial values are gradients (of leaves), not backward recurrences."""
    d = derived("elman")
    s = Elman(d.system)
    assert set(d.recurrences) == {s.zh, s.zo}
    assert set(d.gradients) == {s.W_ih, s.b_ih, s.W_ho, s.b_ho, s.h0}


def test_elman_boundary_at_T_drops_the_future_adjoint():
    d = derived("elman")
    s = Elman(d.system)
    [(step, last)] = d.boundary(d.compact[s.zh])
    assert step == B.T_LAST
    assert_form(last, B.Hadamard(B.MatProd(B.Trans(s.W_ho), B.Adj(s.zo)),
                                 B.Plus(1, B.Neg(B.Hadamard(s.h, s.h)))))


def test_variants_change_only_what_their_files_change():
    t = B.T_INDEX
    s = Elman(derived("elman").system)
    general = derived("elman_general_xent")
    assert general.assumptions == ()
    assert_form(general.compact[s.zo], B.Plus(B.Hadamard(B.Total(s.yhat), s.y), B.Neg(s.yhat)))
    assert_form(derived("elman_linear_mse").compact[s.zo], B.Plus(s.zo, B.Neg(s.yhat)))
    assert derived("elman_relu").compact[s.zh].has(B.Elementwise(sympy.core.symbol.Str("Heaviside"), s.zh))
    sigmoid = derived("elman_sigmoid").compact[s.zh]
    assert canon(B.Plus(1, B.Neg(s.h))) in canon(sigmoid) and canon(s.h) in canon(sigmoid)
    assert set(derived("elman_nobias").compact) == {s.W_ih, s.W_ho, s.h0, s.zh, s.zo}

    lag2 = derived("elman_lag2")
    n_x, n_h = s.n_x, s.n_h
    W_ih = B.Var("W_ih", (n_h, n_x + 2 * n_h))
    zh = derived("elman_lag2").compact[s.zh]
    assert zh.has(B.MatProd(B.Trans(B.Cols(W_ih, n_x + n_h, n_x + 2 * n_h)), B.Adj(s.zh.at(t + 2))))
    assert zh.has(B.MatProd(B.Trans(B.Cols(W_ih, n_x, n_x + n_h)), B.Adj(s.zh.at(t + 1))))
    assert {B.Var("h", (n_h,), (0,)), B.Var("h", (n_h,), (-1,))} <= set(lag2.compact)


def test_gated_and_jordan_recurrences_look_one_step_ahead_through_their_own_state():
    t = B.T_INDEX
    lstm = derived("lstm")
    n_h = lstm.system.dims["n_h"]
    c, f = B.Var("c", (n_h,), (t,)), B.Var("f", (n_h,), (t,))
    assert lstm.compact[c].has(B.Hadamard(B.Adj(c.at(t + 1)), f.at(t + 1)))   # f[t+1] (.) d+C/dc[t+1]

    jordan = derived("jordan")
    n_x, n_h, n_y = (jordan.system.dims[k] for k in ("n_x", "n_h", "n_y"))
    y, zo, zh = B.Var("y", (n_y,), (t,)), B.Var("zo", (n_y,), (t,)), B.Var("zh", (n_h,), (t,))
    W_yh = B.Cols(B.Var("W_ih", (n_h, n_x + n_y)), n_x, n_x + n_y)
    # the output fed back keeps its adjoint, which the softmax's reads twice: W_yh^T d+C/dzh[t+1] is in it once
    assert jordan.compact[y].has(B.MatProd(B.Trans(W_yh), B.Adj(zh.at(t + 1))))
    assert jordan.compact[zo].has(B.Adj(y)) and not jordan.compact[zo].has(B.Adj(zh.at(t + 1)))
    assert B.Var("y", (n_y,), (0,)) in jordan.compact


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_and_initial_value_gets_a_derived_gradient(name):
    d = derived(name)
    leaves = {p.name for p in d.system.params}
    leaves |= {f"{k}[{s}]" for k, slots in d.system.inits.items() for s in B.early(slots)}  # h[T+1] is a number
    fixed = {v for v in d.compact if v.name not in d.system.equations
             or v.time and not v.time[0].has(B.T_INDEX)}
    assert {v.name if not v.time else f"{v.name}[{v.time[0]}]" for v in fixed} == leaves
    assert all(isinstance(e, sympy.Basic) for e in d.compact.values())


def test_sum_t_keeps_its_time_index_after_a_nested_call():
    """sum_t(f(a[t]) + b[t]): the call to f does not end the scope of sum_t."""
    system = orderdiff.parse("dim n\ninput x[t]: n\nparam w: n\ninit h[0] = 0\n"
                             "h[t] = tanh(w * x[t] + h[t-1])\n"
                             "C = sum_t(dot(h[t], h[t]) + sum(x[t] * h[t]))\n")
    assert system.equations["C"].expr.has(B.SumT)
