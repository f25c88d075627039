"""States that read the next step, h[t+1], from a value past the last step: printed, planned, refused.

Their numbers are checked with the other recurrent files (tests/systems/rnn/backward.eqs,
bidirectional.eqs and lookahead2.eqs are in the oracle tests' MODELS: autograd, finite
differences, PyTorch, the scalar unrolling, every backend), and PyTorch's own
bidirectional modules in tests/test_torch_cells.py. Here: the formulas as printed, the
direction of each loop of the generated program, and what cannot be written.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
from click.testing import CliRunner

import orderdiff
from orderdiff.cli import main

RNN = Path(__file__).resolve().parent / "systems" / "rnn"


@functools.cache
def derived(name):
    return orderdiff.derive(orderdiff.load(str(RNN / f"{name}.eqs")))


def section(text, title, end="\n\n"):
    start = text.index(title)
    return text[start:text.index(end, start)]


# The bidirectional network: hf's adjoints run from T down with the output's share alone at
# t = T; hb's from 1 up (hb[t] feeds hb[t-1]), with the output's share alone at t = 1.
BIDIRECTIONAL_BPTT = """\
Backpropagation through time (ordered derivatives past T and before 1 are 0); a recurrence in
t+1 runs t = T, T-1, ..., 1, one in t-1 (of a state that reads the next step) t = 1, 2, ..., T:
∂⁺C/∂zo[t] = zo[t] - yhat[t]
∂⁺C/∂hb[t] = Wb[:, n_x:n_h + n_x]ᵀ (∂⁺C/∂hb[t-1] ⊙ (1 - hb[t-1] ⊙ hb[t-1])) + W_ho[:, n_h:2*n_h]ᵀ ∂⁺C/∂zo[t]
  at t = 1: ∂⁺C/∂hb[1] = W_ho[:, n_h:2*n_h]ᵀ ∂⁺C/∂zo[1]
∂⁺C/∂hf[t] = W_ho[:, 0:n_h]ᵀ ∂⁺C/∂zo[t] + Wf[:, n_x:n_h + n_x]ᵀ (∂⁺C/∂hf[t+1] ⊙ (1 - hf[t+1] ⊙ hf[t+1]))
  at t = T: ∂⁺C/∂hf[T] = W_ho[:, 0:n_h]ᵀ ∂⁺C/∂zo[T]"""


def test_the_bidirectional_recurrences_print_as_people_write_them():
    text = derived("bidirectional").to_text()
    assert section(text, "Backpropagation through time") == BIDIRECTIONAL_BPTT
    assert "∂⁺C/∂Wb = Σₜ (∂⁺C/∂hb[t] ⊙ (1 - hb[t] ⊙ hb[t])) concat(x[t], hb[t+1])ᵀ\n" in text
    assert ("one step, t = 1..T: hf[t], hb[t], zo[t]; hb[t] reads the next step: computed from t = T down to 1; "
            "after the loop: C\n") in text


def test_two_steps_ahead_have_two_boundary_forms_at_the_first_steps():
    bptt = section(derived("lookahead2").to_text(), "Backpropagation through time")
    text = section(bptt, "∂⁺C/∂h[t] = ", "\nassuming")
    assert text.count("\n  at t = ") == 2
    assert "\n  at t = 1: ∂⁺C/∂h[1] = U[:, 0:n_h]ᵀ (∂⁺C/∂g[1] ⊙ (1 - g[1] ⊙ g[1]))\n" in text
    assert "∂⁺C/∂h[t-2]" in text.split("\n")[0] and "∂⁺C/∂h[0]" not in text and "∂⁺C/∂h[-1]" not in text


def test_the_latex_says_which_recurrences_run_forward():
    body = derived("bidirectional").to_latex(body_only=True)
    assert "runs for $t = 1, 2, \\dots, T$, with every ordered derivative before step 1 zero." in body


@pytest.mark.parametrize("name, forward, backward", [
    # (direction, nodes) of each loop in order: T down to 1 is "down"
    ("backward", [("down", ["h"])], [("up", ["h"])]),
    ("bidirectional", [("up", ["hf"]), ("down", ["hb"])], [("up", ["hb"]), ("down", ["hf"])]),
    ("lookahead2", [("down", ["h"]), ("up", ["g"])], [("down", ["g"]), ("up", ["h"])]),
])
def test_each_loop_of_the_program_runs_its_own_direction(name, forward, backward):
    """Forward, a state that reads t+1 runs from T down to 1; backward, its adjoints from 1 up."""
    p, system = derived(name).plan, derived(name).system
    states = system.leads.keys() | system.lags.keys()

    def loops(halves):
        return [("down" if h.reverse else "up", sorted({str(v) for v, *_ in h.loop} & states)) for h in halves]

    assert loops(p.forward) == forward
    assert loops(p.backward) == backward


def test_the_generated_module_runs_the_backward_state_from_its_value_past_the_end(tmp_path):
    out = tmp_path / "program.py"
    result = CliRunner().invoke(main, ["derive", str(RNN / "backward.eqs"), "--emit-python", str(out)])
    assert result.exit_code == 0, result.output
    source = out.read_text()
    assert "    h[T] = 0.5\n" in source and source.count("for t in reversed(range(T)):") == 1
    assert "h_init" not in source  # a value past the end is a number, not an argument


def test_a_sequence_too_short_for_the_fixed_steps_is_refused():
    """h[T-1] of a state that runs backward: two steps at least, said before anything runs."""
    text = ("dim n\ninput x[t]: n\nparam W: n, n\ninit h[T+1] = 0.5\nh[t] = tanh(W @ h[t+1] + x[t])\n"
            "C = sum_t(sum(h[t] * h[t])) + sum(h[T-1])\n")
    f = orderdiff.derive(orderdiff.parse(text)).lambdify()
    with pytest.raises(orderdiff.ValueInputError, match=r"^the time-indexed inputs have 1 step\(s\); the generated "
                                                        r"program needs at least T = 2, so that the fixed steps"):
        f({"W": numpy.eye(2)}, {"x": numpy.zeros((1, 3, 2))})
    loss, grads = f({"W": numpy.eye(2)}, {"x": numpy.zeros((2, 3, 2))})
    # W h[T+1] with h[T+1] = 0.5: h[2] = tanh(0.5), h[1] = tanh(tanh(0.5)) in every entry
    h2, h1 = numpy.tanh(0.5), numpy.tanh(numpy.tanh(0.5))
    numpy.testing.assert_allclose(loss, 3 * 2 * (h1 ** 2 + h2 ** 2) + 3 * 2 * h1, rtol=1e-14)


@pytest.mark.parametrize("name", ["backward", "bidirectional", "lookahead2", "lookahead_reads"])
def test_every_length_of_sequence_agrees_with_autograd(name):
    """The forms at the first and the last steps overlap in short sequences: T from the
    fewest the file allows to five, against HIPS autograd on the hand-written forward pass."""
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    from rnn_reference import MODELS, NumpyOps, sample

    model, d = MODELS[name], derived(name)
    f = d.lambdify()
    for T in range(d.min_steps, 6):
        params, inputs, init = sample(model, seed=T, T=T)
        loss, grads = f(params, inputs, init)
        leaves = {"params": params, "init": init}
        expected = autograd.grad(lambda p: model.loss(NumpyOps(anp), p["params"], inputs, p["init"]))(leaves)
        numpy.testing.assert_allclose(loss, model.loss(NumpyOps(numpy), params, inputs, init), rtol=1e-12)
        for key, g in {**expected["params"], **expected["init"]}.items():
            numpy.testing.assert_allclose(grads[key], g, rtol=1e-9, atol=1e-12, err_msg=f"{key}, T = {T}")


def test_the_generated_program_and_text_are_the_same_from_run_to_run(tmp_path):
    """Loops that do not depend on each other run in the order of the file, not of a hash,
    and the names listed come in the order of the step."""
    outputs = []
    for seed in ("1", "4", "6"):
        out = tmp_path / f"program{seed}.py"
        run = functools.partial(subprocess.run, capture_output=True, text=True, check=True, timeout=120,
                                env={**os.environ, "PYTHONHASHSEED": seed})
        run([sys.executable, "-m", "orderdiff", "derive", str(RNN / "bidirectional.eqs"), "--emit-python", str(out)])
        text = run([sys.executable, "-m", "orderdiff", "derive", str(RNN / "lookahead_reads.eqs")]).stdout
        outputs.append((out.read_text(), text))
    assert outputs[0] == outputs[1] == outputs[2]
    assert "; h[t] reads the next step: computed from t = T down to 1;" in outputs[0][1]  # v[t] is read, not run
