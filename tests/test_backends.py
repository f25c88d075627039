"""The generated gradient on every backend, and the split of its work around the loop over t.

``lambdify(backend="torch"|"jax")`` runs the same derivation on PyTorch and JAX; each
must agree with HIPS autograd on a forward pass written by hand (tests/rnn_reference.py)
and with the NumPy backend, for every example and variant. The split (orderdiff/blocks/
split.py) is read off the graph: the tests check which nodes it leaves in the loops for
networks of different shapes, and that the program computes the rest for all t at once.
"""

from __future__ import annotations

import functools
import zlib

import numpy
import pytest

import orderdiff
from orderdiff.blocks.split import plan
from rnn_reference import MODELS, NumpyOps, sample

NAMES = sorted(MODELS)


@functools.cache
def derived(name):
    return orderdiff.derive(orderdiff.load(str(MODELS[name].path)))


def case(name):
    model = MODELS[name]
    params, inputs, init = sample(model, zlib.crc32(name.encode()))
    return model, params, inputs, init


@functools.cache
def expected(name):
    """Loss and gradients from HIPS autograd on the hand-written forward pass."""
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    model, params, inputs, init = case(name)

    def objective(leaves):
        return model.loss(NumpyOps(anp), leaves["params"], inputs, leaves["init"])

    leaves = {"params": params, "init": init}
    grads = autograd.grad(objective)(leaves)
    return float(objective(leaves)), {**grads["params"], **grads["init"]}


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
@pytest.mark.parametrize("name", NAMES)
def test_every_backend_agrees_with_autograd(name, backend):
    if backend != "numpy":
        pytest.importorskip(backend)
    _, params, inputs, init = case(name)
    loss, grads = derived(name).lambdify(backend=backend)(params, inputs, init)
    want_loss, want = expected(name)
    numpy.testing.assert_allclose(float(loss), want_loss, rtol=1e-10)
    assert set(grads) == set(want)
    for key, g in want.items():
        got = numpy.asarray(grads[key])
        assert got.shape == numpy.shape(g), key
        numpy.testing.assert_allclose(got, g, rtol=1e-9, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("name", ["elman", "lstm"])
def test_other_backends_match_numpy_to_1e_10(name, backend):
    pytest.importorskip(backend)
    _, params, inputs, init = case(name)
    loss, grads = derived(name).lambdify(backend=backend)(params, inputs, init)
    ref_loss, ref = derived(name).lambdify()(params, inputs, init)
    assert abs(float(loss) - ref_loss) <= 1e-10 * abs(ref_loss)
    for key in ref:
        assert numpy.max(numpy.abs(numpy.asarray(grads[key]) - ref[key])) <= 1e-10, key


def test_results_are_the_backends_arrays():
    torch = pytest.importorskip("torch")
    _, params, inputs, init = case("elman")
    loss, grads = derived("elman").lambdify(backend="torch")(params, inputs, init)
    assert all(torch.is_tensor(g) and g.dtype == torch.float64 for g in grads.values())


def test_jax_writes_each_loop_as_one_scan():
    source = derived("lstm").numpy_source(readable=False, backend="jax")
    assert source.count("lax.scan(") == 2 and "for t in" not in source
    assert ".at[" in source and "reverse=True" in source


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown backend 'tensorflow'; choose one of numpy, torch, jax"):
        derived("elman").lambdify(backend="tensorflow")


# ----- the split ---------------------------------------------------------------------------
def loops(name):
    p = plan(derived(name))
    return [v for h in p.forward for v, _ in h.loop], [v for h in p.backward for v, *_ in h.loop]


def test_elman_keeps_only_the_recurrence_in_its_loops():
    """zh[t] is written into h[t] (used once, read by nothing later); the input half
    of W_ih @ concat(x[t], h[t-1]) is hoisted; d+C/dzo[t] is computed for all t."""
    assert loops("elman") == (["h"], ["zh"])
    source = derived("elman").numpy_source()
    loop = source[source.index("for t in range(T):"):source.index("zo = ")]
    assert loop.count("\n") == 2 and "x[" not in loop and "W_ho" not in loop
    assert "d_zo[:T] = y[:T] - yhat[:T]" in source
    assert "tensordot" in source and "xc = " not in source


def test_the_split_follows_the_graph_of_each_network():
    assert loops("lstm") == (["z", "i", "f", "o", "g", "c", "h"], ["h", "c", "z"])
    assert loops("gru") == (["u", "r", "n", "h"], ["h", "n", "r", "u"])
    # Jordan feeds the output y[t-1] back: the output layer is on the recurrence
    # (zo[t] is written into y[t]), and so are d+C/dy (which the softmax's reads twice),
    # d+C/dzo and d+C/dzh
    assert loops("jordan") == (["h", "y"], ["y", "zo", "zh"])


def test_a_network_without_recurrence_has_no_loop():
    system = orderdiff.parse("dim n\ninput x[t]: n\nparam W: n, n\ny[t] = tanh(W @ x[t])\nC = sum_t(sum(y[t]))\n")
    d = orderdiff.derive(system)
    source = d.numpy_source()
    assert "for t in" not in source
    rng = numpy.random.default_rng(0)
    W, x = rng.standard_normal((3, 3)), rng.standard_normal((4, 2, 3))
    loss, grads = d.lambdify()({"W": W}, {"x": x})
    y = numpy.tanh(numpy.einsum("ij,tbj->tbi", W, x))
    numpy.testing.assert_allclose(loss, y.sum())
    numpy.testing.assert_allclose(grads["W"], numpy.einsum("tbi,tbj->ij", 1 - y * y, x))
