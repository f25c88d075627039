"""A loss at the last steps: a sequence classifier reading h[T] after the loop, reads of
h[T-k], and the same loss written as every step's weighted by an input that is 1 at t = T
(the form for padded sequences of different lengths). Each is checked against a forward
pass written from the equations alone, differentiated by HIPS autograd.
"""

from pathlib import Path

import autograd.numpy as anp
import numpy
import pytest
from autograd import grad
from click.testing import CliRunner

import orderdiff
from orderdiff.cli import main

from block_runs import check_and_run_module

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
CLASSIFIER = EXAMPLES / "seq_classifier.eqs"
WEIGHTED = EXAMPLES / "seq_classifier_weighted.eqs"

# the last two steps, a sum over every step and a non-recurrent node read at T and T-2
LAST_TWO = """\
dim n_x, n_h
input x[t]: n_x
param W: n_h, n_x + n_h
param U: n_h, n_x
param b: n_h
init h[0] = 0
zh[t] = W @ concat(x[t], h[t-1]) + b
h[t] = tanh(zh[t])
y[t] = tanh(U @ x[t])
C = sum(h[T] * h[T-1]) + sum_t(sum(h[t])) / 10 + sum(y[T] * y[T-2])
"""

# Werbos's scalar model fitted to its last value only, from a learned initial value
FINAL_VALUE = """\
param a
param b
param y0
input x[t]
input final
init y[0] = y0
y[t] = a*y[t-1] + b*x[t]
C = (y[T] - final)^2
"""


# early steps read after the loop, h[1] and h[2], with a last one, y[T], and a non-recurrent y read
# at its first step: each an Iverson share [t = k] · g of the generic recurrence
EARLY = """\
dim n_x, n_h
input x[t]: n_x
param W: n_h, n_x + n_h
param U: n_h, n_x
param V: n_h, n_h
param b: n_h
init h[0] = 0
h[t] = tanh(W @ concat(x[t], h[t-1]) + b)
y[t] = tanh(U @ x[t])
C = sum_t(sum(h[t] * h[t])) / 10 + sum(V @ h[1]) + sum(h[2] * y[T]) + sum(y[1] * h[T])
"""


def early_loss(W, U, V, b, h0, x):
    h, hs, C = h0, [], 0.0
    for t in range(len(x)):
        h = anp.tanh(anp.concatenate([x[t], h], axis=-1) @ W.T + b)
        hs.append(h)
        C = C + anp.sum(h * h, axis=-1) / 10
    y = [anp.tanh(x[t] @ U.T) for t in range(len(x))]
    return anp.sum(C + anp.sum(hs[0] @ V.T, axis=-1) + anp.sum(hs[1] * y[-1], axis=-1)
                   + anp.sum(y[0] * hs[-1], axis=-1))


def elman_last(W, b, h0, x):
    h = h0
    for t in range(len(x)):
        h = anp.tanh(anp.concatenate([x[t], h], axis=-1) @ W.T + b)
    return h


def classifier_loss(W, b, V, c, h0, x, yhat):
    z = elman_last(W, b, h0, x) @ V.T + c
    log_y = z - anp.log(anp.sum(anp.exp(z), axis=-1, keepdims=True))
    return -anp.sum(yhat * log_y)


def last_two_loss(W, U, b, h0, x):
    h, hs, C = h0, [], 0.0
    for t in range(len(x)):
        h = anp.tanh(anp.concatenate([x[t], h], axis=-1) @ W.T + b)
        hs.append(h)
        C = C + anp.sum(h, axis=-1) / 10
    y = [anp.tanh(x[t] @ U.T) for t in range(len(x))]
    return anp.sum(C + anp.sum(hs[-1] * hs[-2], axis=-1) + anp.sum(y[-1] * y[-3], axis=-1))


def final_value_loss(a, b, y0, x, final):
    y = y0 * anp.ones(x.shape[1])
    for t in range(len(x)):
        y = a * y + b * x[t]
    return anp.sum((y - final) ** 2)


def classifier_point(T, B, n_x, n_h, n_y, seed=0):
    rng = numpy.random.default_rng(seed)
    params = {"W": rng.normal(0, 0.5, (n_h, n_x + n_h)), "b": rng.normal(0, 0.5, n_h),
              "V": rng.normal(0, 0.5, (n_y, n_h)), "c": rng.normal(0, 0.5, n_y)}
    return params, rng.normal(0, 0.5, (B, n_h)), rng.normal(0, 1, (T, B, n_x)), rng.dirichlet(numpy.ones(n_y), B)


SIZES = [(3, 3, 3, 3, 3), (5, 2, 3, 4, 6)]  # (T, B, n_x, n_h, n_y): all equal, where broadcasting would hide a slip


@pytest.mark.parametrize("sizes", SIZES, ids=["equal-sizes", "distinct-sizes"])
def test_a_sequence_classifier_reading_h_T_agrees_with_autograd(sizes):
    params, h0, x, yhat = classifier_point(*sizes)
    loss, grads = orderdiff.derive(orderdiff.load(str(CLASSIFIER))).lambdify()(params, {"x": x, "yhat": yhat}, {"h": h0})
    args = (params["W"], params["b"], params["V"], params["c"], h0, x, yhat)
    assert loss == pytest.approx(classifier_loss(*args), rel=1e-12)
    for k, name in enumerate(["W", "b", "V", "c", "h[0]"]):
        numpy.testing.assert_allclose(grads[name], grad(classifier_loss, k)(*args), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sizes", SIZES, ids=["equal-sizes", "distinct-sizes"])
def test_the_weighted_form_gives_the_same_gradients(sizes):
    params, h0, x, yhat = classifier_point(*sizes)
    last = numpy.zeros(x.shape[:2])
    last[-1] = 1.0
    direct = orderdiff.derive(orderdiff.load(str(CLASSIFIER))).lambdify()(params, {"x": x, "yhat": yhat}, {"h": h0})
    weighted = orderdiff.derive(orderdiff.load(str(WEIGHTED))).lambdify()(
        params, {"x": x, "yhat": yhat, "last": last}, {"h": h0})
    assert weighted[0] == pytest.approx(direct[0], rel=1e-12)
    for name, g in direct[1].items():
        numpy.testing.assert_allclose(weighted[1][name], g, rtol=1e-10, atol=1e-13)


def test_reads_of_several_last_steps_agree_with_autograd():
    rng = numpy.random.default_rng(3)
    T, B, n_x, n_h = 5, 2, 3, 4
    W, U, b = rng.normal(0, 0.5, (n_h, n_x + n_h)), rng.normal(0, 0.5, (n_h, n_x)), rng.normal(0, 0.5, n_h)
    h0, x = rng.normal(0, 0.5, (B, n_h)), rng.normal(0, 1, (T, B, n_x))
    loss, grads = orderdiff.derive(orderdiff.parse(LAST_TWO)).lambdify()({"W": W, "U": U, "b": b}, {"x": x}, {"h": h0})
    args = (W, U, b, h0, x)
    assert loss == pytest.approx(last_two_loss(*args), rel=1e-12)
    for k, name in enumerate(["W", "U", "b", "h[0]"]):
        numpy.testing.assert_allclose(grads[name], grad(last_two_loss, k)(*args), rtol=1e-10, atol=1e-12)


def test_reads_of_early_steps_agree_with_autograd_for_every_length():
    """h[1] and h[2] after the loop; T from the fewest that keep the forms of the first and the
    last steps apart (three: t = 1, 2 and T) to six."""
    d = orderdiff.derive(orderdiff.parse(EARLY))
    f = d.lambdify()
    assert d.min_steps == 3
    for T in range(3, 7):
        rng = numpy.random.default_rng(T)
        B, n_x, n_h = 2, 3, 4
        W, U, V = rng.normal(0, 0.5, (n_h, n_x + n_h)), rng.normal(0, 0.5, (n_h, n_x)), rng.normal(0, 0.5, (n_h, n_h))
        b, h0, x = rng.normal(0, 0.5, n_h), rng.normal(0, 0.5, (B, n_h)), rng.normal(0, 1, (T, B, n_x))
        loss, grads = f({"W": W, "U": U, "V": V, "b": b}, {"x": x}, {"h": h0})
        args = (W, U, V, b, h0, x)
        assert loss == pytest.approx(early_loss(*args), rel=1e-12)
        for k, name in enumerate(["W", "U", "V", "b", "h[0]"]):
            numpy.testing.assert_allclose(grads[name], grad(early_loss, k)(*args), rtol=1e-10, atol=1e-12,
                                          err_msg=f"{name}, T = {T}")


def test_early_steps_print_as_shares_of_their_step():
    text = orderdiff.derive(orderdiff.parse(EARLY)).to_text()
    bptt = text[text.index("Backpropagation through time"):text.index("Parameter gradients")]
    assert "∂⁺C/∂h[t] = [t = 1] · (Vᵀ 1) + [t = 2] · y[T] + [t = T] · y[1] + (1/5)·h[t]" in bptt
    assert "\n  at t = 1: ∂⁺C/∂h[1] = Vᵀ 1 + (1/5)·h[1] + " in bptt
    assert "\n  at t = 2: ∂⁺C/∂h[2] = y[T] + (1/5)·h[2] + " in bptt
    unrolled = orderdiff.derive(orderdiff.parse(EARLY), steps=3).to_text()
    assert "\n  C <- V, h[1], y[1], h[2], h[3], y[3]\n" in unrolled and "[t = " not in unrolled


def test_too_few_steps_for_an_early_step_are_refused():
    with pytest.raises(orderdiff.OrderdiffError, match=r"this equation reads the step 2, so it needs at least 2 "
                                                       r"steps; unrolled over 1, step 2 comes after T"):
        orderdiff.derive(orderdiff.parse(EARLY), steps=1)


def test_a_scalar_model_fitted_to_its_last_value():
    rng = numpy.random.default_rng(4)
    x, final = rng.normal(0, 1, (6, 3)), rng.normal(0, 1, 3)
    loss, grads = orderdiff.derive(orderdiff.parse(FINAL_VALUE)).lambdify()({"a": 0.8, "b": 0.5, "y0": 0.2},
                                                                            {"x": x, "final": final})
    args = (0.8, 0.5, 0.2, x, final)
    assert loss == pytest.approx(final_value_loss(*args), rel=1e-12)
    for k, name in enumerate(["a", "b", "y0"]):
        assert grads[name] == pytest.approx(grad(final_value_loss, k)(*args), rel=1e-10)


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("text", [CLASSIFIER.read_text(), LAST_TWO, FINAL_VALUE, EARLY],
                         ids=["classifier", "last-two", "final", "early"])
def test_other_backends_agree_with_numpy(text, backend):
    pytest.importorskip(backend)
    from orderdiff.blocks.check import random_point

    d = orderdiff.derive(orderdiff.parse(text))
    _, params, inputs, init = random_point(d.system, numpy.random.default_rng(5), steps=4)
    reference, theirs = d.lambdify()(params, inputs, init), d.lambdify(backend=backend)(params, inputs, init)
    assert float(theirs[0]) == pytest.approx(reference[0], rel=1e-10)
    for key, g in reference[1].items():
        numpy.testing.assert_allclose(numpy.asarray(theirs[1][key]), g, rtol=1e-10, atol=1e-12)


def test_the_recurrence_holds_the_read_outs_share_at_the_last_step_alone():
    text = orderdiff.derive(orderdiff.load(str(CLASSIFIER))).to_text(unicode=False)
    bptt = text.split("Backpropagation through time")[1]
    assert "\nd+C/dh[t] = [t = T]*(V^T @ d+C/dzo) + W[:, n_x:n_h + n_x]^T @ (d+C/dh[t+1] * " in bptt
    assert "\n  at t = T: d+C/dh[T] = V^T @ d+C/dzo\n" in bptt
    assert "\n  zo <- V, c, h[T]\n" in text


def test_each_last_step_read_gets_its_own_boundary_form():
    text = orderdiff.derive(orderdiff.parse(LAST_TWO)).to_text(unicode=False)
    assert "\n  C <- h[T], h[T-1], h[t], y[T], y[T-2]\n" in text
    assert "\n  at t = T-1: d+C/dh[T-1] = h[T] + (1/10)*1 + W[:, n_x:n_h + n_x]^T @ d+C/dzh[T]\n" in text
    assert "\n  at t = T-2: d+C/dy[T-2] = y[T]\n" in text


@pytest.mark.parametrize("text", [CLASSIFIER.read_text(), LAST_TWO, FINAL_VALUE, EARLY],
                         ids=["classifier", "last-two", "final", "early"])
def test_check_latex_and_the_emitted_module(text, tmp_path):
    path = tmp_path / "model.eqs"
    path.write_text(text)
    check_and_run_module(path)
    latex = CliRunner().invoke(main, ["derive", str(path), "--format", "latex"])
    assert latex.exit_code == 0 and "[t = T" in latex.output


def test_check_runs_enough_steps_for_the_furthest_read(tmp_path):
    path = tmp_path / "far.eqs"
    path.write_text("dim n\ninput x[t]: n\nparam w: n\ny[t] = tanh(w * x[t])\nC = sum(y[T] * y[T-5])\n")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0 and "T = 6, batch 2" in result.output, result.output


def test_the_unrolled_derivation_reads_the_last_steps_themselves():
    d = orderdiff.derive(orderdiff.parse(LAST_TWO), steps=3)
    text = d.to_text(unicode=False)
    assert "\n  C <- h[1], y[1], h[2], h[3], y[3]\n" in text and "[t = T" not in text


@pytest.mark.parametrize("text, line, column, words", [
    (LAST_TWO.replace("zh[t] = W @ concat(x[t], h[t-1]) + b", "zh[t] = W @ concat(x[t], h[t-1]) + b + h[T]"), 7, 42,
     "h[T] is one step of h, read after the loop: use it in an equation without [t] and outside sum_t(...)"),
    (LAST_TWO.replace("sum_t(sum(h[t]))", "sum_t(sum(h[T]))"), 10, 38, "h[T] is one step of h, read after the loop"),
    (LAST_TWO.replace("h[T-1]", "h[0]"), 10, 18, "an early step is h[K] for a whole number K from 1 (the first "
     "step) to 1000; an initial value is not read after the loop (read its parameter instead)"),
    (LAST_TWO.replace("h[T-1]", "h[1001]"), 10, 18, "h[...] is more than 1000 steps from the first"),
    (LAST_TWO.replace("h[T-1]", "h[1.5]"), 10, 18, "an early step is h[K] for a whole number K"),
    (LAST_TWO.replace("sum_t(sum(h[t]))", "sum_t(sum(h[1]))"), 10, 38, "h[1] is one step of h, read after the loop"),
    (LAST_TWO.replace("h[T-1]", "h[T-1000]"), 10, 20, "h[T-...] reaches back more than 999 steps from the last"),
    (LAST_TWO.replace("h[T-1]", "h[T+1]"), 10, 19, "h[T+...] is past the last step T"),
])
def test_a_step_that_cannot_be_read_is_refused_at_its_column(text, line, column, words, tmp_path):
    path = tmp_path / "bad.eqs"
    path.write_text(text)
    result = CliRunner().invoke(main, ["derive", str(path)])
    assert result.exit_code == 1 and f"bad.eqs:{line}:{column}: " in result.output and words in result.output, \
        result.output
    assert "Traceback" not in result.output


def test_too_few_unrolled_steps_are_refused_at_the_equation(tmp_path):
    path = tmp_path / "far.eqs"
    path.write_text(LAST_TWO)
    result = CliRunner().invoke(main, ["derive", str(path), "--steps", "2"])
    assert result.exit_code == 1 and "far.eqs:10:1: this equation reads the step T-2, so it needs at least 3 steps" \
        in result.output, result.output


def test_the_form_at_a_last_step_collects_its_terms_there():
    """2·h[t] from the sum over steps and 2·h[T-1] from the read-out are one term at t = T-1."""
    text = ("dim n_x, n_h\ninput x[t]: n_x\nparam W: n_h, n_h\nparam U: n_h, n_x\ninit h[0] = 0\n"
            "h[t] = tanh(W @ h[t-1] + U @ x[t])\nC = sum_t(sum(h[t] * h[t])) + sum(h[T-1] * h[T-1])\n")
    shown = orderdiff.derive(orderdiff.parse(text)).to_text()
    assert "  at t = T-1: ∂⁺C/∂h[T-1] = 4·h[T-1] + Wᵀ (∂⁺C/∂h[T] ⊙ (1 - h[T] ⊙ h[T]))\n" in shown
