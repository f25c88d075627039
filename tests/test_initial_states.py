"""Initial states from a parameter (learned, shared by every sequence) or from an input given
once per sequence, checked against HIPS autograd.

``init h[0] = h0`` makes h[0] the parameter h0 at every sequence of the batch, so its
gradient is d+C/dh[0] summed over the batch; ``init h[0] = s`` takes each sequence's own
s. The forward passes below are written from the equations alone.
"""


import autograd.numpy as anp
import numpy
import pytest
from autograd import grad
from click.testing import CliRunner

import orderdiff
from orderdiff.cli import main

from block_runs import check_and_run_module

HEAD = "dim n_x, n_h\ninput x[t]: n_x\nparam W: n_h, n_x + n_h\n"

LEARNED = HEAD + """param h0: n_h
init h[0] = h0
h[t] = tanh(W @ concat(x[t], h[t-1]))
C = sum_t(sum(h[t] * h[t]))
"""

PER_SEQUENCE = HEAD + """input s: n_h
init h[0] = s
h[t] = tanh(W @ concat(x[t], h[t-1]))
C = sum_t(sum(h[t] * h[t]))
"""

# two learned states back, beside a filled one of another variable
TWO_BACK = HEAD + """param p0: n_h
param p1: n_h
init h[0] = p0
init h[-1] = p1
init c[0] = 0.5
c[t] = c[t-1] + h[t-1]
h[t] = tanh(W @ concat(x[t], h[t-2]) + c[t-1])
C = sum_t(sum(h[t] * c[t]))
"""

SCALAR = """param a
param y0
input x[t]
init y[0] = y0
y[t] = a*y[t-1] + x[t]
C = sum_t(y[t]^2)
"""


def step(W, x, h):
    return anp.concatenate([x, h], axis=-1) @ W.T


def elman_loss(W, h, x):
    C = 0.0
    for t in range(len(x)):
        h = anp.tanh(step(W, x[t], h))
        C = C + anp.sum(h * h, axis=-1)
    return anp.sum(C)


def learned_loss(W, h0, x):
    return elman_loss(W, h0 * anp.ones((x.shape[1], 1)), x)  # every sequence starts at h0


def two_back_loss(W, p0, p1, c0, x):
    B = x.shape[1]
    back, h, c, C = p1 * anp.ones((B, 1)), p0 * anp.ones((B, 1)), c0, 0.0
    for t in range(len(x)):
        c_new = c + h
        back, h = h, anp.tanh(step(W, x[t], back) + c)
        c = c_new
        C = C + anp.sum(h * c, axis=-1)
    return anp.sum(C)


def scalar_loss(a, y0, x):
    y, C = y0, 0.0
    for t in range(len(x)):
        y = a * y + x[t]
        C = C + y ** 2
    return anp.sum(C)


def sample(T=4, B=3, n_x=2, n_h=3, seed=0):
    rng = numpy.random.default_rng(seed)
    return rng, rng.normal(0, 0.5, (n_h, n_x + n_h)), rng.normal(0, 1, (T, B, n_x))


@pytest.mark.parametrize("sizes", [(3, 3, 3, 3), (4, 2, 3, 5)], ids=["equal-sizes", "distinct-sizes"])
def test_a_learned_initial_state_gets_the_gradient_summed_over_the_batch(sizes):
    T, B, n_x, n_h = sizes
    rng, W, x = sample(T, B, n_x, n_h)
    h0 = rng.normal(0, 0.5, n_h)
    loss, grads = orderdiff.derive(orderdiff.parse(LEARNED)).lambdify()({"W": W, "h0": h0}, {"x": x})
    assert sorted(grads) == ["W", "h0"]
    assert loss == pytest.approx(learned_loss(W, h0, x), rel=1e-12)
    numpy.testing.assert_allclose(grads["W"], grad(learned_loss, 0)(W, h0, x), rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(grads["h0"], grad(learned_loss, 1)(W, h0, x), rtol=1e-10, atol=1e-12)


def test_an_initial_state_given_per_sequence_is_each_sequences_own():
    rng, W, x = sample()
    s = rng.normal(0, 0.5, (3, 3))
    loss, grads = orderdiff.derive(orderdiff.parse(PER_SEQUENCE)).lambdify()({"W": W}, {"x": x, "s": s})
    assert sorted(grads) == ["W"]
    assert loss == pytest.approx(elman_loss(W, s, x), rel=1e-12)
    numpy.testing.assert_allclose(grads["W"], grad(elman_loss, 0)(W, s, x), rtol=1e-10, atol=1e-12)


def test_learned_states_two_steps_back_beside_a_filled_one():
    rng, W, x = sample(T=5)
    p0, p1, c0 = rng.normal(0, 0.5, 3), rng.normal(0, 0.5, 3), rng.normal(0, 0.5, (3, 3))
    loss, grads = orderdiff.derive(orderdiff.parse(TWO_BACK)).lambdify()({"W": W, "p0": p0, "p1": p1}, {"x": x},
                                                                         {"c": c0})
    args = (W, p0, p1, c0, x)
    assert sorted(grads) == ["W", "c[0]", "p0", "p1"]
    assert loss == pytest.approx(two_back_loss(*args), rel=1e-12)
    for k, name in enumerate(["W", "p0", "p1", "c[0]"]):
        numpy.testing.assert_allclose(grads[name], grad(two_back_loss, k)(*args), rtol=1e-10, atol=1e-12)


def test_a_scalar_learned_initial_value():
    rng = numpy.random.default_rng(4)
    x = rng.normal(0, 1, (5, 3))
    loss, grads = orderdiff.derive(orderdiff.parse(SCALAR)).lambdify()({"a": 0.7, "y0": -0.4}, {"x": x})
    assert loss == pytest.approx(scalar_loss(0.7, -0.4, x), rel=1e-12)
    assert grads["y0"] == pytest.approx(grad(scalar_loss, 1)(0.7, -0.4, x), rel=1e-10)
    assert grads["a"] == pytest.approx(grad(scalar_loss, 0)(0.7, -0.4, x), rel=1e-10)


def test_the_derivation_shows_the_leaf_taking_the_initial_values_adjoint():
    text = orderdiff.derive(orderdiff.parse(LEARNED)).to_text(unicode=False)
    assert "\n  h[0] <- h0\n" in text
    gradients = text.split("Parameter gradients:")[1]
    assert "\nd+C/dh0 = d+C/dh[0]\n" in gradients and "\nd+C/dh[0] = W[:, n_x:n_h + n_x]^T @ " in gradients


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("text", [LEARNED, TWO_BACK, SCALAR], ids=["learned", "two-back", "scalar"])
def test_other_backends_agree_with_numpy(text, backend):
    pytest.importorskip(backend)
    d = orderdiff.derive(orderdiff.parse(text))
    rng = numpy.random.default_rng(5)
    if text is SCALAR:
        args = ({"a": 0.6, "y0": 0.3}, {"x": rng.normal(0, 1, (4, 2))}, None)
    else:
        sizes = {d.system.dims["n_x"]: 2, d.system.dims["n_h"]: 3}
        params = {p.name: rng.normal(0, 0.5, tuple(int(n.xreplace(sizes)) for n in p.shape)) for p in d.system.params}
        args = (params, {"x": rng.normal(0, 1, (4, 2, 2))}, None)
    reference, theirs = d.lambdify()(*args), d.lambdify(backend=backend)(*args)
    assert float(theirs[0]) == pytest.approx(reference[0], rel=1e-10)
    for key, g in reference[1].items():
        numpy.testing.assert_allclose(numpy.asarray(theirs[1][key]), g, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("text", [LEARNED, PER_SEQUENCE, TWO_BACK, SCALAR],
                         ids=["learned", "per-sequence", "two-back", "scalar"])
def test_check_latex_and_the_emitted_module(text, tmp_path):
    path = tmp_path / "model.eqs"
    path.write_text(text)
    check_and_run_module(path)
    latex = CliRunner().invoke(main, ["derive", str(path), "--format", "latex"]).output
    assert "initial value, $" in latex or "initial value, every entry" in latex


def test_an_init_key_for_a_state_the_file_sets_is_refused_naming_the_leaf():
    rng, W, x = sample()
    f = orderdiff.derive(orderdiff.parse(LEARNED)).lambdify()
    with pytest.raises(orderdiff.ValueInputError, match=r"init\['h'\] is not taken: the file sets it to the "
                                                        r"parameter 'h0' \(line 4\); give params\['h0'\] instead"):
        f({"W": W, "h0": numpy.zeros(3)}, {"x": x}, {"h": numpy.zeros((3, 3))})


@pytest.mark.parametrize("value, column, words", [
    ("x", 13, "an initial value is a number, a parameter or an input given once per sequence; 'x' is given "
              "at every step"),
    ("q", 13, "'q' is not declared"),
    ("g", 13, "'g' is defined by an equation"),
    ("b", 13, "h[0] has the shape of h, (n_h), but 'b' has shape (n_x)"),
])
def test_an_initial_value_that_cannot_be_taken_is_refused_at_its_column(value, column, words, tmp_path):
    path = tmp_path / "bad.eqs"
    path.write_text(HEAD + f"param b: n_x\ninit h[0] = {value}\nh[t] = tanh(W @ concat(x[t], h[t-1]))\n"
                    "g = sum(b)\nC = sum_t(sum(h[t])) + g\n")
    result = CliRunner().invoke(main, ["derive", str(path)])
    assert result.exit_code == 1 and f"bad.eqs:5:{column}: " in result.output and words in result.output, result.output
    assert "Traceback" not in result.output


STATE = "dim n\ninput x[t]: n\nparam W: n, n\n"


@pytest.mark.parametrize("inits, equations, note", [
    ("init h[0] = 0\ninit g[0] = 0\n", "h[t] = tanh(W @ h[t-1] + x[t])\ng[t] = h[t]\nC = sum_t(sum(g[t]))\n",
     "line 5: the initial value g[0] is never read: no equation reads g at an earlier step (g[t-1])"),
    ("init h[T+1] = 0\ninit h[0] = 0\n", "h[t] = tanh(W @ h[t+1] + x[t])\nC = sum_t(sum(h[t]))\n",
     "line 5: the initial value h[0] is never read: h[t] reads h[t+1], so it runs from T down, from h[T+1]"),
    ("init h[0] = 0\ninit h[-1] = 0\n", "h[t] = tanh(W @ h[t-1] + x[t])\nC = sum_t(sum(h[t]))\n",
     "line 5: the initial value h[-1] is never read: the furthest back a step reads is h[t-1], which reaches h[0]"),
    ("init h[0] = 0\ninit h[T+1] = 0\n", "h[t] = tanh(W @ h[t-1] + x[t])\nC = sum_t(sum(h[t]))\n",
     "line 5: the initial value h[T+1] is never read: h[t] reads h[t-1], so it runs from step 1 up, from h[0]"),
    ("init h[T+1] = 0\ninit h[T+2] = 0\n", "h[t] = tanh(W @ h[t+1] + x[t])\nC = sum_t(sum(h[t]))\n",
     "line 5: the initial value h[T+2] is never read: the furthest ahead a step reads is h[t+1], which reaches "
     "h[T+1]"),
], ids=["never-lagged", "runs-backward", "past-the-lag", "past-the-end", "past-the-lead"])
def test_an_initial_value_no_step_reads_is_noted_and_changes_nothing(inits, equations, note, tmp_path):
    path = tmp_path / "model.eqs"
    path.write_text(STATE + inits + equations)
    result = CliRunner().invoke(main, ["derive", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: note: {note}; it changes nothing" in result.stderr
    assert "note:" not in result.stdout
    unread = note.split("initial value ")[1].split(" is never read")[0]  # h[0], as written after init
    kept = STATE + "".join(line + "\n" for line in inits.splitlines() if not line.startswith(f"init {unread} "))
    assert kept.count("init ") == 1
    kept += equations
    rng = numpy.random.default_rng(0)
    W, x = rng.normal(0, 0.5, (3, 3)), rng.normal(0, 1, (4, 2, 3))
    runs = [orderdiff.derive(orderdiff.parse(text)).lambdify()({"W": W}, {"x": x})
            for text in (STATE + inits + equations, kept)]
    assert runs[0][0] == pytest.approx(runs[1][0], rel=1e-14)
    numpy.testing.assert_allclose(runs[0][1]["W"], runs[1][1]["W"], rtol=1e-14)


def test_the_shipped_files_hold_no_initial_value_that_no_step_reads():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    files = [*root.glob("examples/*.eqs"), *root.glob("tests/systems/rnn/*.eqs")]
    assert files
    for path in files:
        assert [n for n in orderdiff.load(path).notes if "initial value" in n] == [], path
