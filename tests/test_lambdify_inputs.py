"""The arrays a block derivation's ``lambdify()`` function is given: each checked, each refusal named.

Floating dtypes only; no complex array; an input declared ``distribution`` sums to 1 at
every step and sample (the derived gradient assumes it); initial values by known keys and
in shapes that broadcast to (B, n); inputs in (T, B, n), a mistake named on the input.
Every backend installed is checked the same way. The gradients are checked against
central finite differences of a forward pass of the Elman network written here in NumPy.
"""

from __future__ import annotations

import functools
import pathlib
import warnings

import numpy
import pytest

import orderdiff

ELMAN = (pathlib.Path(__file__).resolve().parents[1] / "examples" / "elman.eqs").read_text()
GENERAL = ELMAN.replace(" distribution", "")
T, B, N_X, N_H, N_Y = 3, 2, 2, 3, 3
BACKENDS = ["numpy", "torch", "jax"]


@functools.cache
def function(text, backend="numpy", dtype="float64"):
    if backend != "numpy":
        pytest.importorskip(backend)
    return orderdiff.derive(orderdiff.parse(text, file="elman.eqs")).lambdify(backend=backend, dtype=dtype)


def point(seed=0):
    rng = numpy.random.default_rng(seed)
    params = {"W_ih": rng.normal(0, 0.5, (N_H, N_X + N_H)), "b_ih": rng.normal(0, 0.5, N_H),
              "W_ho": rng.normal(0, 0.5, (N_Y, N_H)), "b_ho": rng.normal(0, 0.5, N_Y)}
    inputs = {"x": rng.normal(size=(T, B, N_X)), "yhat": rng.dirichlet(numpy.ones(N_Y), (T, B))}
    init = {"h": rng.normal(0, 0.5, (B, N_H))}
    return params, inputs, init


def elman_loss(params, inputs, init):
    """The Elman network's loss summed over the batch, written from its equations alone."""
    h, loss = init["h"], 0.0
    for t in range(inputs["x"].shape[0]):
        xc = numpy.concatenate([inputs["x"][t], h], axis=1)
        h = numpy.tanh(xc @ params["W_ih"].T + params["b_ih"])
        zo = h @ params["W_ho"].T + params["b_ho"]
        log_y = zo - numpy.log(numpy.sum(numpy.exp(zo), axis=1, keepdims=True))
        loss -= numpy.sum(inputs["yhat"][t] * log_y)
    return loss


def finite_differences(params, inputs, init, step=1e-6):
    grads = {}
    for name, value in params.items():
        g = numpy.zeros_like(value)
        for index in numpy.ndindex(value.shape):
            up, down = value.copy(), value.copy()
            up[index] += step
            down[index] -= step
            g[index] = (elman_loss({**params, name: up}, inputs, init)
                        - elman_loss({**params, name: down}, inputs, init)) / (2 * step)
        grads[name] = g
    return grads


def assert_gradients(grads, want):
    for name, g in want.items():
        numpy.testing.assert_allclose(numpy.asarray(grads[name]), g, rtol=1e-6, atol=1e-7, err_msg=name)


# ----- dtypes ------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["int8", "int64", "uint8", "bool", "complex128"])
def test_a_dtype_that_is_not_floating_is_refused(backend, dtype):
    if backend != "numpy":
        pytest.importorskip(backend)
    d = orderdiff.derive(orderdiff.parse(ELMAN))
    why = "the loss and its gradients are real" if dtype.startswith("complex") else \
        "parameters and inputs converted to it would be truncated"
    with pytest.raises(ValueError, match=rf"^lambdify needs a floating dtype such as 'float64' or 'float32', "
                                         rf"not '{dtype}': {why}$"):
        d.lambdify(backend=backend, dtype=dtype)


def test_an_unknown_dtype_is_refused_and_a_dtype_object_is_taken_by_name():
    d = orderdiff.derive(orderdiff.parse(ELMAN))
    with pytest.raises(ValueError, match="unknown dtype 'floot32' for numpy; choose a floating dtype"):
        d.lambdify(dtype="floot32")
    params, inputs, init = point()
    loss, grads = d.lambdify(dtype=numpy.float32)(params, inputs, init)
    named_loss, named = d.lambdify(dtype="float32")(params, inputs, init)
    assert loss == named_loss and all(numpy.array_equal(grads[k], named[k]) for k in grads)
    assert loss == pytest.approx(elman_loss(params, inputs, init), rel=1e-5)


def test_tensors_are_converted_to_the_dtype():
    torch = pytest.importorskip("torch")
    params, inputs, init = point()
    params = {k: torch.tensor(v, dtype=torch.float32) for k, v in params.items()}
    loss, grads = function(ELMAN, "torch")(params, inputs, init)
    assert str(grads["W_ih"].dtype).endswith("float64")
    assert float(loss) == pytest.approx(elman_loss({k: numpy.asarray(v, dtype=float) for k, v in params.items()},
                                                   inputs, init), rel=1e-6)


# ----- complex arrays ----------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("where", ["params['b_ih']", "inputs['x']", "init['h']"])
def test_a_complex_array_is_refused_by_name(backend, where):
    f = function(ELMAN, backend)
    params, inputs, init = point()
    group, name = where.rstrip("']").split("['")
    args = {"params": params, "inputs": inputs, "init": init}
    args[group] = {**args[group], name: args[group][name] + 0.5j}
    with pytest.raises(orderdiff.ValueInputError, match=rf"{group}\['{name}'\] is complex \(complex128\); "
                                                        r"lambdify computes in the real dtype float64 and would drop"):
        f(**args)


def test_a_complex_torch_tensor_is_refused():
    torch = pytest.importorskip("torch")
    params, inputs, init = point()
    x = torch.tensor(inputs["x"], dtype=torch.complex128)
    with pytest.raises(orderdiff.ValueInputError, match=r"inputs\['x'\] is complex \(complex128\)"):
        function(ELMAN, "torch")(params, {**inputs, "x": x}, init)


def test_a_tensor_that_requires_its_gradient_is_checked_without_a_warning():
    torch = pytest.importorskip("torch")
    params, inputs, init = point()
    yhat = torch.tensor(inputs["yhat"] * 0.5, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(orderdiff.ValueInputError, match=r"inputs\['yhat'\] is declared 'distribution'"):
            function(ELMAN, "torch")(params, {**inputs, "yhat": yhat}, init)


def test_an_array_of_text_is_refused_by_name():
    params, inputs, init = point()
    with pytest.raises(orderdiff.ValueInputError, match=r"params\['b_ho'\] cannot be converted to an array "
                                                        r"of float64: could not convert string"):
        function(ELMAN)({**params, "b_ho": numpy.array(["a", "b", "c"])}, inputs, init)


# ----- inputs declared distribution ------------------------------------------------------
def test_the_gradient_agrees_with_finite_differences_where_the_distribution_sums_to_1():
    params, inputs, init = point(1)
    _, grads = function(ELMAN)(params, inputs, init)
    assert_gradients(grads, finite_differences(params, inputs, init))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_distribution_that_does_not_sum_to_1_is_refused(backend):
    params, inputs, init = point(1)
    yhat = inputs["yhat"].copy()
    yhat[1, 1] = 0.2  # step t = 2, sample 1: 0.2 + 0.2 + 0.2 = 0.6000000000000001
    with pytest.raises(orderdiff.ValueInputError) as e:
        function(ELMAN, backend)(params, {**inputs, "yhat": yhat}, init)
    assert e.value.message.startswith(
        "inputs['yhat'] is declared 'distribution' (line 5), but its entries at step t = 2, sample 1 sum to "
        "0.60000000000000009, not 1 to within 2.4e-15")
    assert "(1 of 6 vectors miss it): the derivation simplified sum(yhat) to 1, so its gradient would be " \
        "wrong here" in e.value.message
    assert "remove 'distribution' from its declaration for the general form" in e.value.message
    assert str(e.value).startswith("elman.eqs: inputs['yhat']")


def test_the_general_form_agrees_with_finite_differences_where_the_declared_one_refuses():
    params, inputs, init = point(2)
    yhat = numpy.random.default_rng(3).uniform(0.1, 1.0, (T, B, N_Y))  # sums anywhere in 0.3..3
    inputs = {**inputs, "yhat": yhat}
    want = finite_differences(params, inputs, init)
    _, grads = function(GENERAL)(params, inputs, init)
    assert_gradients(grads, want)
    assert numpy.max(numpy.abs(want["b_ho"])) > 0.1  # the assumption would change this gradient
    with pytest.raises(orderdiff.ValueInputError, match=r"inputs\['yhat'\] is declared 'distribution'"):
        function(ELMAN)(params, inputs, init)


def test_the_sum_is_checked_to_a_tolerance_of_the_dtype():
    params, inputs, init = point(4)
    yhat = inputs["yhat"].copy()
    yhat[..., 0] += 7e-7  # about 6 float32 ulps of 1, 3000 float64 ones
    with pytest.raises(orderdiff.ValueInputError, match=r"sum to 1\.0000007.* not 1 to within 2\.4e-15"):
        function(ELMAN)(params, {**inputs, "yhat": yhat}, init)
    function(ELMAN, dtype="float32")(params, {**inputs, "yhat": yhat}, init)
    e = numpy.exp(numpy.random.default_rng(5).normal(size=(T, B, N_Y))).astype(numpy.float32)
    function(ELMAN, dtype="float32")(params, {**inputs, "yhat": e / e.sum(-1, keepdims=True)}, init)


def test_a_static_distribution_is_checked_per_sample():
    text = ("dim n\ninput p: n distribution\ninput x[t]: n\nparam W: n, n\ninit h[0] = 0\n"
            "h[t] = tanh(W @ x[t] + h[t-1])\nC = sum_t(cross_entropy(p, softmax(h[t])))\n")
    f = function(text)
    p = numpy.array([[0.5, 0.5], [0.5, 0.6]])
    with pytest.raises(orderdiff.ValueInputError, match=r"inputs\['p'\] is declared 'distribution' \(line 2\), "
                                                        r"but its entries at sample 1 sum to 1\.1"):
        f({"W": numpy.eye(2)}, {"p": p, "x": numpy.zeros((2, 2, 2))})


# ----- initial values ----------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_an_unknown_init_key_is_refused_naming_the_known_ones(backend):
    params, inputs, init = point()
    with pytest.raises(orderdiff.ValueInputError, match=r"unknown init: 'h0' \(the initial values are "
                                                        r"'h\[0\]', 'h'\)"):
        function(ELMAN, backend)(params, inputs, {"h0": init["h"]})


def test_an_initial_value_given_twice_is_refused():
    params, inputs, init = point()
    with pytest.raises(orderdiff.ValueInputError, match=r"init gives h\[0\] twice, as 'h' and 'h\[0\]'"):
        function(ELMAN)(params, inputs, {"h": init["h"], "h[0]": init["h"]})


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", [(B, N_H + 1), (B + 1, N_H), (1, B, N_H), (N_H, B)])
def test_an_initial_value_of_the_wrong_shape_is_refused(backend, shape):
    params, inputs, _ = point()
    with pytest.raises(orderdiff.ValueInputError, match=rf"init\['h'\] has shape \({shape[0]}, .*; expected "
                                                        rf"\(B, n_h\) = \({B}, {N_H}\), with B = {B} from "
                                                        r"inputs\['x'\] of shape \(3, 2, 2\), or a shape that "
                                                        r"broadcasts to it"):
        function(ELMAN, backend)(params, inputs, {"h": numpy.zeros(shape)})


def test_an_initial_value_that_broadcasts_is_taken():
    params, inputs, init = point()
    for h in (0.3, numpy.full(N_H, 0.3), numpy.full((1, N_H), 0.3), numpy.full((B, 1), 0.3)):
        loss, grads = function(ELMAN)(params, inputs, {"h[0]": h})
        assert loss == pytest.approx(elman_loss(params, inputs, {"h": numpy.full((B, N_H), 0.3)}), rel=1e-12)
        assert grads["h[0]"].shape == (B, N_H)


def test_a_time_major_mistake_is_hinted_at_from_the_initial_value():
    text = "dim n\ninput x[t]: n\nparam W: n, n\ninit h[0] = 0\nh[t] = tanh(W @ h[t-1] + x[t])\nC = sum_t(sum(h[t]))\n"
    x = numpy.zeros((2, 5, 3))  # (B, T, n) for B = 2, T = 5
    with pytest.raises(orderdiff.ValueInputError, match=r"init\['h'\] has shape \(2, 3\); expected \(B, n\) = "
                                                        r"\(5, 3\), with B = 5 from inputs\['x'\] of shape "
                                                        r"\(2, 5, 3\), .*; inputs\['x'\] of shape \(2, 5, 3\) "
                                                        r"may be \(B, T, \.\.\.\)"):
        function(text)({"W": numpy.eye(3)}, {"x": x}, {"h": numpy.zeros((2, 3))})


def test_init_that_is_not_a_dict_is_refused():
    params, inputs, init = point()
    with pytest.raises(orderdiff.ValueInputError, match=r"init must be a dict of arrays by name \('h' or "
                                                        r"'h\[0\]'\), not ndarray"):
        function(ELMAN)(params, inputs, init["h"])


# ----- inputs in (T, B, n) -----------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_an_input_in_batch_major_order_is_named_with_the_swap(backend):
    params, inputs, init = point()
    x = numpy.swapaxes(inputs["x"], 0, 1)
    with pytest.raises(orderdiff.ValueInputError) as e:
        function(ELMAN, backend)(params, {**inputs, "x": x}, init)
    assert e.value.message == (
        "inputs['yhat'] has shape (3, 2, 3); expected (T, B, n_y) = (2, 3, 3), with T = 2 and B = 3 from "
        "inputs['x'] of shape (2, 3, 2); n_y = 3 from params['W_ho'] of shape (3, 3); the T and B axes of "
        "inputs['yhat'] or of inputs['x'] look swapped; a time-indexed input is (T, B, ...): time first, "
        "then the batch")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", [(T, B, 1, N_X), (T, B, N_X, 1), (B, N_X)])
def test_an_input_with_an_axis_too_many_or_too_few_is_named(backend, shape):
    params, inputs, init = point()
    with pytest.raises(orderdiff.ValueInputError, match=rf"inputs\['x'\] has shape \({shape[0]}, .*\), "
                                                        rf"{len(shape)} axes; expected 3: \(T, B, n_x\); a "
                                                        r"time-indexed input is \(T, B, \.\.\.\)"):
        function(ELMAN, backend)(params, {**inputs, "x": numpy.zeros(shape)}, init)


def test_an_input_whose_axes_are_permuted_is_named_with_the_order_it_looks_like():
    text = "dim n, m\ninput x[t]: n\nparam W: m, n\nparam V: m, m\ny[t] = tanh(W @ x[t])\nC = sum_t(sum(V @ y[t]))\n"
    f = function(text)
    params = {"W": numpy.zeros((2, 4)), "V": numpy.zeros((2, 2))}
    with pytest.raises(orderdiff.ValueInputError) as e:
        f(params, {"x": numpy.zeros((4, 5, 3))})  # (n, T, B) for T = 5, B = 3
    assert e.value.message == (
        "inputs['x'] has shape (4, 5, 3); expected (T, B, n) = (?, ?, 4), with n = 4 from params['W'] of shape "
        "(2, 4); it looks like (n, T, B): transpose it to (T, B, n); a time-indexed input is (T, B, ...): time "
        "first, then the batch")
    with pytest.raises(orderdiff.ValueInputError, match=r"inputs\['x'\] has shape \(5, 4, 3\); expected "
                                                        r"\(T, B, n\) = \(\?, \?, 4\), .*; it looks like "
                                                        r"\(T, n, B\)"):
        f(params, {"x": numpy.zeros((5, 4, 3))})
    loss, _ = f(params, {"x": numpy.zeros((5, 3, 4))})
    assert loss == 0.0


def test_a_parameter_of_the_wrong_shape_names_where_its_dimensions_came_from():
    params, inputs, init = point()
    with pytest.raises(orderdiff.ValueInputError) as e:
        function(ELMAN)({**params, "W_ih": numpy.zeros((N_H, N_X + N_H + 1))}, inputs, init)
    assert e.value.message == (
        "params['W_ih'] has shape (3, 6); expected (n_h, n_h + n_x) = (3, 5), with n_h = 3 from params['W_ih'] "
        "of shape (3, 6); n_x = 2 from inputs['x'] of shape (3, 2, 2)")
    with pytest.raises(orderdiff.ValueInputError) as e:
        function(ELMAN)({**params, "W_ho": numpy.zeros((N_Y, N_H + 1))}, inputs, init)
    assert e.value.message == (
        "params['W_ho'] has shape (3, 4); expected (n_y, n_h) = (3, 3), with n_h = 3 from params['W_ih'] of "
        "shape (3, 5); n_y = 3 from params['W_ho'] of shape (3, 4)")


def test_params_that_are_not_a_dict_are_refused():
    params, inputs, init = point()
    with pytest.raises(orderdiff.ValueInputError, match="params must be a dict of arrays by name, not list"):
        function(ELMAN)(list(params.values()), inputs, init)
