"""A loss at the last step only (a sequence classifier), written as every step's loss
weighted by an input that is 1 at t = T, checked against a forward pass that reads out
the last step alone, differentiated by HIPS autograd; and the message that a fixed step
h[T] gets, which names that form.
"""

from pathlib import Path

import autograd.numpy as anp
import numpy
import pytest
from autograd import grad
from click.testing import CliRunner

import orderdiff
from orderdiff.cli import main

CLASSIFIER = Path(__file__).resolve().parent.parent / "docs" / "examples" / "seq_classifier.eqs"


def last_step_loss(W, b, V, c, h0, x, yhat):
    h = h0
    for t in range(len(x)):
        h = anp.tanh(anp.concatenate([x[t], h], axis=-1) @ W.T + b)
    z = h @ V.T + c
    log_y = z - anp.log(anp.sum(anp.exp(z), axis=-1, keepdims=True))
    return -anp.sum(yhat * log_y)


@pytest.mark.parametrize("T, B, n_x, n_h, n_y", [(3, 3, 3, 3, 3), (5, 2, 3, 4, 6)])
def test_the_last_steps_loss_agrees_with_a_read_out_of_the_last_step(T, B, n_x, n_h, n_y):
    rng = numpy.random.default_rng(T)
    W, b = rng.normal(0, 0.5, (n_h, n_x + n_h)), rng.normal(0, 0.5, n_h)
    V, c = rng.normal(0, 0.5, (n_y, n_h)), rng.normal(0, 0.5, n_y)
    h0, x, yhat = rng.normal(0, 0.5, (B, n_h)), rng.normal(0, 1, (T, B, n_x)), rng.dirichlet(numpy.ones(n_y), B)
    last = numpy.zeros((T, B))
    last[-1] = 1.0
    f = orderdiff.derive(orderdiff.load(str(CLASSIFIER))).lambdify()
    loss, grads = f({"W": W, "b": b, "V": V, "c": c}, {"x": x, "last": last, "yhat": yhat}, {"h": h0})
    args = (W, b, V, c, h0, x, yhat)
    assert loss == pytest.approx(last_step_loss(*args), rel=1e-12)
    for k, name in enumerate(["W", "b", "V", "c", "h[0]"]):
        numpy.testing.assert_allclose(grads[name], grad(last_step_loss, k)(*args), rtol=1e-10, atol=1e-12)


def test_the_read_outs_share_is_weighted_by_the_last_step_input():
    text = orderdiff.derive(orderdiff.load(str(CLASSIFIER))).to_text(unicode=False)
    assert "\nd+C/dzo[t] = last[t] * y[t] - last[t] * yhat\n" in text


@pytest.mark.parametrize("index", ["T", "T-1", "1", "3"])
def test_a_fixed_step_is_refused_naming_the_weighted_form(index, tmp_path):
    path = tmp_path / "classifier.eqs"
    path.write_text(CLASSIFIER.read_text().replace("C = sum_t(last[t] * cross_entropy(yhat, y[t]))",
                                                   f"C = cross_entropy(yhat, softmax(V @ h[{index}] + c))"))
    result = CliRunner().invoke(main, ["derive", str(path)])
    assert result.exit_code == 1 and "classifier.eqs:16:39: one step of 'h' alone cannot be written yet" in result.output
    assert "C = sum_t(m[t] * ...)" in result.output and "Traceback" not in result.output
