"""Scalar systems over time and dimensions used as numbers, checked against HIPS autograd.

Werbos (1990) states backpropagation for econometric models: scalar parameters, scalar
data at every step, a scalar state fed back. Such a file declares no dimension and gives
no shape: every variable whose shape nothing else decides is a scalar. Layer
normalisation divides by the number of units, so a dimension may stand in an expression
as the whole number it is: symbolic in the formulas, the array's size in the program.
The forward passes below are written from the equations alone.
"""

import autograd.numpy as anp
import numpy
import pytest
from autograd import grad
from click.testing import CliRunner

import orderdiff
from orderdiff.cli import main

ECONOMETRIC = """\
param a
param b
param c
input x[t]
input obs[t]
init y[0] = 0
y[t] = a*y[t-1] + b*x[t] + c
C = sum_t((y[t] - obs[t])^2)
"""

# two steps back, a nonlinearity, a per-step weight and an initial value of its own
SECOND_ORDER = """\
param a1
param a2
param k
input u[t]
input w[t]
init y[0] = 0
init y[-1] = 0
y[t] = a1*y[t-1] + a2*y[t-2] + k*tanh(u[t])
C = sum_t(w[t] * y[t]^2) / 2
"""

LAYER_NORM = """\
dim n_x, n_h
input x[t]: n_x
param W: n_h, n_x + n_h
param g: n_h
init h[0] = 0
a[t] = W @ concat(x[t], h[t-1])
mu[t] = sum(a[t]) / n_h
d[t] = a[t] - mu[t]
v[t] = sum(d[t] * d[t]) / n_h
h[t] = tanh(g * d[t] / sqrt(v[t] + 0.001))
C = sum_t(sum(h[t]) * n_x) / (n_x * n_h)
"""


def econometric_loss(a, b, c, y0, x, obs):
    y, C = y0, 0.0
    for t in range(len(x)):
        y = a * y + b * x[t] + c
        C = C + (y - obs[t]) ** 2
    return anp.sum(C)


def second_order_loss(a1, a2, k, y0, ym1, u, w):
    back, y, C = ym1, y0, 0.0
    for t in range(len(u)):
        back, y = y, a1 * y + a2 * back + k * anp.tanh(u[t])
        C = C + w[t] * y ** 2
    return anp.sum(C) / 2


def layer_norm_loss(W, g, h0, x):
    n_x, n_h = x.shape[-1], W.shape[0]
    h, C = h0, 0.0
    for t in range(len(x)):
        a = anp.concatenate([x[t], h], axis=-1) @ W.T
        d = a - anp.sum(a, axis=-1, keepdims=True) / n_h
        v = anp.sum(d * d, axis=-1, keepdims=True) / n_h
        h = anp.tanh(g * d / anp.sqrt(v + 0.001))
        C = C + anp.sum(h, axis=-1) * n_x
    return anp.sum(C / (n_x * n_h))


def backprop(text):
    return orderdiff.derive(orderdiff.parse(text)).to_text(unicode=False).split("Backpropagation through time")[1]


def test_the_econometric_model_derives_its_recurrence_as_werbos_writes_it():
    shown = backprop(ECONOMETRIC)
    assert "\nd+C/dy[t] = 2*(y[t] - obs[t]) + a * d+C/dy[t+1]\n" in shown
    assert "\n  at t = T: d+C/dy[T] = 2*(y[T] - obs[T])\n" in shown
    assert "\nd+C/da = sum_t(y[t-1] * d+C/dy[t])\n" in shown
    assert "\nd+C/db = sum_t(x[t] * d+C/dy[t])\n" in shown
    assert "\nd+C/dc = sum_t(d+C/dy[t])\n" in shown


@pytest.mark.parametrize("T, B", [(3, 3), (5, 2)])
def test_the_econometric_model_agrees_with_autograd(T, B):
    rng = numpy.random.default_rng(T)
    a, b, c = rng.normal(0, 0.7, 3)
    y0, x, obs = rng.normal(0, 1, B), rng.normal(0, 1, (T, B)), rng.normal(0, 1, (T, B))
    f = orderdiff.derive(orderdiff.parse(ECONOMETRIC)).lambdify()
    loss, grads = f({"a": a, "b": b, "c": c}, {"x": x, "obs": obs}, {"y": y0})
    args = (a, b, c, y0, x, obs)
    assert loss == pytest.approx(econometric_loss(*args), rel=1e-12)
    for k, name in enumerate(["a", "b", "c", "y[0]"]):
        assert numpy.shape(grads[name]) == numpy.shape(args[k])
        numpy.testing.assert_allclose(grads[name], grad(econometric_loss, k)(*args), rtol=1e-10, atol=1e-12)


def test_a_scalar_state_two_steps_back_agrees_with_autograd():
    T, B = 6, 3
    rng = numpy.random.default_rng(1)
    a1, a2, k = rng.normal(0, 0.5, 3)
    y0, ym1 = rng.normal(0, 1, B), rng.normal(0, 1, B)
    u, w = rng.normal(0, 1, (T, B)), rng.uniform(0.5, 1.5, (T, B))
    f = orderdiff.derive(orderdiff.parse(SECOND_ORDER)).lambdify()
    loss, grads = f({"a1": a1, "a2": a2, "k": k}, {"u": u, "w": w}, {"y[0]": y0, "y[-1]": ym1})
    args = (a1, a2, k, y0, ym1, u, w)
    assert loss == pytest.approx(second_order_loss(*args), rel=1e-12)
    for j, name in enumerate(["a1", "a2", "k", "y[0]", "y[-1]"]):
        numpy.testing.assert_allclose(grads[name], grad(second_order_loss, j)(*args), rtol=1e-10, atol=1e-12)


def test_the_default_initial_value_of_a_scalar_state_is_its_fill():
    f = orderdiff.derive(orderdiff.parse(ECONOMETRIC.replace("init y[0] = 0", "init y[0] = 0.5"))).lambdify()
    rng = numpy.random.default_rng(2)
    x, obs = rng.normal(0, 1, (4, 2)), rng.normal(0, 1, (4, 2))
    loss, _ = f({"a": 0.3, "b": -0.2, "c": 0.1}, {"x": x, "obs": obs})
    assert loss == pytest.approx(econometric_loss(0.3, -0.2, 0.1, numpy.full(2, 0.5), x, obs), rel=1e-12)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_other_backends_run_the_econometric_model(backend):
    pytest.importorskip(backend)
    rng = numpy.random.default_rng(3)
    args = ({"a": 0.4, "b": 0.8, "c": -0.1}, {"x": rng.normal(0, 1, (4, 2)), "obs": rng.normal(0, 1, (4, 2))},
            {"y": rng.normal(0, 1, 2)})
    d = orderdiff.derive(orderdiff.parse(ECONOMETRIC))
    reference, theirs = d.lambdify()(*args), d.lambdify(backend=backend)(*args)
    assert float(theirs[0]) == pytest.approx(reference[0], rel=1e-10)
    for key, g in reference[1].items():
        numpy.testing.assert_allclose(numpy.asarray(theirs[1][key]), g, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sizes", [(3, 3, 3, 3), (4, 2, 3, 5)], ids=["equal-sizes", "distinct-sizes"])
def test_a_dimension_divides_as_the_number_it_is(sizes):
    T, B, n_x, n_h = sizes
    rng = numpy.random.default_rng(n_h)
    W, g = rng.normal(0, 0.5, (n_h, n_x + n_h)), rng.normal(1, 0.2, n_h)
    h0, x = rng.normal(0, 0.5, (B, n_h)), rng.normal(0, 1, (T, B, n_x))
    d = orderdiff.derive(orderdiff.parse(LAYER_NORM))
    loss, grads = d.lambdify()({"W": W, "g": g}, {"x": x}, {"h": h0})
    args = (W, g, h0, x)
    assert loss == pytest.approx(layer_norm_loss(*args), rel=1e-12)
    for k, name in enumerate(["W", "g", "h[0]"]):
        numpy.testing.assert_allclose(grads[name], grad(layer_norm_loss, k)(*args), rtol=1e-9, atol=1e-12)


def test_a_dimension_stays_symbolic_in_the_formulas():
    shown = backprop(LAYER_NORM)
    assert "/ n_h" in shown and "n_x" in shown and "(1/n_h)" not in shown.replace(" ", "")


@pytest.mark.parametrize("text", [ECONOMETRIC, SECOND_ORDER, LAYER_NORM], ids=["econometric", "lag-2", "layer-norm"])
def test_check_passes(text, tmp_path):
    path = tmp_path / "model.eqs"
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0 and "OK: all" in result.output, result.output


def test_a_file_without_dimensions_does_not_print_an_empty_list_of_them(tmp_path):
    path = tmp_path / "econometric.eqs"
    path.write_text(ECONOMETRIC)
    first = CliRunner().invoke(main, ["check", str(path)]).output.splitlines()[0]
    assert first == "target C, 3 random point(s) (T = 4, batch 2), tolerance 1e-05"


@pytest.mark.parametrize("text, column, words", [
    ("dim n\nparam w: n\ninput x[t]: n\nC = sum_t(sum(w * x[t]) * n[0])\n", 28,
     "'n' is a dimension, a whole number: it has no entries or steps to index"),
    ("dim n\nparam w: n\ninput x[t]: n\nC = sum_t(sum(w * x[t]) * m)\n", 27, "'m' is not declared or defined"),
])
def test_a_dimension_misused_is_refused_at_its_column(text, column, words, tmp_path):
    path = tmp_path / "bad.eqs"
    path.write_text(text)
    result = CliRunner().invoke(main, ["derive", str(path)])
    assert result.exit_code == 1 and f"bad.eqs:4:{column}: " in result.output and words in result.output, result.output
    assert "Traceback" not in result.output


def test_a_dimension_no_array_gives_is_refused_by_the_program_where_it_is_used(tmp_path):
    path = tmp_path / "count.eqs"
    path.write_text("dim n, k\nparam w: n\ninput x[t]: n\nC = sum_t(sum(w * x[t])) / k\n")
    assert CliRunner().invoke(main, ["derive", str(path)]).exit_code == 0
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1 and "count.eqs:4:" in result.output, result.output
    assert "the size of the dimension 'k'" in result.output and "Traceback" not in result.output
