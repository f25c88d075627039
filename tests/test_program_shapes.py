"""The generated program checks the shape of every array it computes, and the check can fail.

NumPy, PyTorch and JAX broadcast: a (B, 1) stored into a (B, n) slot fills it, and
(T, B) times (T, B, 1) is (T, T, B). So a slip in a rule or in the code generator
could give a loss and gradients with no error. Each test here puts such a slip in on
purpose -- a backward form summed to a scalar, the trailing axis of a batched scalar
input left out -- and asserts that the program refuses to run on, naming the array as
the file writes it, the shape found and the shape expected: through ``lambdify`` on
every backend, through ``orderdiff check``, and in the module of ``--emit-python`` run
in a fresh interpreter (with ``python -O`` too: the check is no assert). The first test
shows that each slip, without the checks, does give numbers.
The correct programs match their oracles in tests/test_backends.py,
tests/test_step_scalars.py and tests/test_rnn_oracles.py, all of which run the checks.
"""

import re
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
from click.testing import CliRunner

import orderdiff
from orderdiff.blocks import derivation
from orderdiff.blocks import expr as B
from orderdiff.blocks.nodes import NodeMap
from orderdiff.blocks.program import Program
from orderdiff.cli import main

EXAMPLES = Path(__file__).parent.parent / "examples"
BACKENDS = ["numpy", "torch", "jax"]

# tests/test_step_scalars.py's mask given at every step: (T, B) in, (T, B, 1) in the program
MASK = """dim n_x, n_h
input x[t]: n_x
param W: n_h, n_x + n_h
init h[0] = 0
input m[t]
h[t] = tanh(W @ concat(x[t], h[t-1]))
C = sum_t(m[t] * sum(h[t] * h[t]))
"""


def elman_point(T=3, batch=2, n_x=3, n_h=4, n_y=5, seed=0):
    rng = numpy.random.default_rng(seed)
    params = {"W_ih": rng.normal(0, 0.5, (n_h, n_x + n_h)), "b_ih": rng.normal(0, 0.5, n_h),
              "W_ho": rng.normal(0, 0.5, (n_y, n_h)), "b_ho": rng.normal(0, 0.5, n_y)}
    inputs = {"x": rng.normal(0, 1, (T, batch, n_x)), "yhat": rng.dirichlet(numpy.ones(n_y), (T, batch))}
    return params, inputs


def mask_point(T, batch, n_x, n_h, seed=0):
    rng = numpy.random.default_rng(seed)
    return {"W": rng.normal(0, 0.5, (n_h, n_x + n_h))}, {"x": rng.normal(0, 1, (T, batch, n_x)),
                                                          "m": rng.uniform(0.5, 1.5, (T, batch))}


def summed_backward_form():
    """examples/elman.eqs derived, with d+C/dzh[t] summed to one number per sample: a
    wrong rule's scalar where the derivation has a vector, (B, 1) against (B, n_h)."""
    d = orderdiff.derive(orderdiff.load(str(EXAMPLES / "elman.eqs")))
    zh = d.system.var("zh")
    forms = dict(d.compact.items())
    forms[zh] = B.Total(forms[zh])
    d._sweep.__dict__["compact"] = NodeMap(forms)  # the block sweep's cached forms, replaced: the mappings are read-only
    return d


def unchecked(d, params, inputs):
    """The program without its checks, run on NumPy: the loss it computes."""
    namespace = {"numpy": numpy}
    exec(compile(d.numpy_source(), "<unchecked>", "exec"), namespace)
    names = [*(p.name for p in d.system.params), *(i.name for i in d.system.inputs)]
    args = [{**params, **inputs}[n] for n in names] + [0.0] * sum(len(s) for s in d.system.inits.values())
    return namespace["gradients"](*args)[0]


def lifting_nothing(self):
    """Program.lift_scalar_inputs as it was before scalar inputs got their trailing axis."""


def test_without_the_checks_the_slips_give_numbers(monkeypatch):
    """The slips below are ones that broadcasting hides: the unchecked program computes a loss."""
    assert numpy.isfinite(unchecked(summed_backward_form(), *elman_point()))
    monkeypatch.setattr(Program, "lift_scalar_inputs", lifting_nothing)
    d = orderdiff.derive(orderdiff.parse(MASK))
    assert numpy.isfinite(unchecked(d, *mask_point(3, 3, 3, 3)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_store_of_a_broadcastable_wrong_shape_is_refused(backend):
    if backend != "numpy":
        pytest.importorskip(backend)
    f = summed_backward_form().lambdify(backend=backend)
    message = r"elman\.eqs: d\+C/dzh\[t\] has shape \(2, 1\) in the generated program; the derivation gives it \(2, 4\)$"
    for _ in range(2):  # a call that failed its checks proves nothing: the next one checks again
        with pytest.raises(orderdiff.ProgramShapeError, match=message):
            f(*elman_point(batch=2, n_h=4))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_scalar_without_its_trailing_axis_is_refused_when_T_equals_B(monkeypatch, backend):
    """(T, B) times (T, B, 1) broadcasts to (T, T, B) when T = B; the product is checked
    as it is computed, inside the sum over t."""
    if backend != "numpy":
        pytest.importorskip(backend)
    monkeypatch.setattr(Program, "lift_scalar_inputs", lifting_nothing)
    f = orderdiff.derive(orderdiff.parse(MASK, file="mask.eqs")).lambdify(backend=backend)
    message = (r"^mask\.eqs: m\[t\] \* sum\(h\[t\] \* h\[t\]\) \(in sum_t\(m\[t\] \* sum\(h\[t\] \* h\[t\]\)\)\) "
               r"has shape \(3, 3, 3\) in the generated program; the derivation gives it \(3, 3, 1\)$")
    with pytest.raises(orderdiff.ProgramShapeError, match=message):
        f(*mask_point(3, 3, 3, 3))


def test_the_returned_gradients_have_their_parameters_shapes():
    """A parameter no path reaches gets zeros of its own shape, not a number broadcast later."""
    text = ("dim n\ninput x[t]: n\nparam W: n, n\nparam V: n, 2\ninit h[0] = 0\n"
            "h[t] = tanh(W @ x[t] + h[t-1])\nC = sum_t(sum(h[t])) + 0 * sum(V)\n")
    d = orderdiff.derive(orderdiff.parse(text))
    rng = numpy.random.default_rng(1)
    params = {"W": rng.normal(size=(3, 3)), "V": rng.normal(size=(3, 2))}
    _, grads = d.lambdify()(params, {"x": rng.normal(size=(4, 2, 3))})
    assert {k: numpy.shape(g) for k, g in grads.items()} == {"W": (3, 3), "V": (3, 2), "h[0]": (2, 3)}
    assert not grads["V"].any()


def test_check_reports_the_refusal_cleanly(monkeypatch):
    """``orderdiff check`` derives the file itself: the slip goes into what it derives."""
    real = derivation.fold_adjoints

    def summed(*args):
        forms, resolved = real(*args)
        zh = next(v for v in forms if v.name == "zh")
        return {**forms, zh: B.Total(forms[zh])}, resolved

    monkeypatch.setattr(derivation, "fold_adjoints", summed)
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / "elman.eqs"), "--points", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.fullmatch(r".*elman\.eqs: d\+C/dzh\[t\] has shape \(2, 1\) in the generated program; the derivation "
                        r"gives it \(2, \d\)\n", result.output), result.output


DRIVER = """
import numpy, bptt
rng = numpy.random.default_rng(0)
T, B, n_x, n_h, n_y = 3, 2, 3, 4, 5
params = {"W_ih": rng.normal(0, 0.5, (n_h, n_x + n_h)), "b_ih": rng.normal(0, 0.5, n_h),
          "W_ho": rng.normal(0, 0.5, (n_y, n_h)), "b_ho": rng.normal(0, 0.5, n_y)}
inputs = {"x": rng.normal(0, 1, (T, B, n_x)), "yhat": rng.dirichlet(numpy.ones(n_y), (T, B))}
print(bptt.loss_and_gradients(params, inputs)[0])
"""


@pytest.mark.parametrize("flags", [[], ["-O"]], ids=["plain", "optimised"])
def test_the_emitted_module_refuses_the_slip_in_a_fresh_interpreter(tmp_path, flags):
    (tmp_path / "bptt.py").write_text(summed_backward_form().python_module(), encoding="utf-8")
    run = subprocess.run([sys.executable, *flags, "-c", DRIVER], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.splitlines()[-1] == ("ValueError: d+C/dzh[t] has shape (2, 1) in the generated program; "
                                           "the derivation gives it (2, 4)")



def test_an_initial_value_the_loss_does_not_read_gets_zeros_of_its_shape(tmp_path):
    """C reads x and w only, so d+C/dh[0] is exactly zero: (B, n) zeros from lambdify and from
    the emitted module, whose demo prints each gradient's shape."""
    text = ("dim n\ninput x[t]: n\nparam w: n\ninit h[0] = 0\n"
            "h[t] = tanh(w * h[t-1] + x[t])\nD = sum_t(sum(h[t]))\nC = sum_t(sum(w * x[t]))\n")
    d = orderdiff.derive(orderdiff.parse(text), "C")
    rng = numpy.random.default_rng(2)
    x = rng.normal(size=(4, 2, 3))
    _, grads = d.lambdify()({"w": rng.normal(size=3)}, {"x": x})
    assert numpy.shape(grads["h[0]"]) == (2, 3) and not numpy.any(grads["h[0]"])
    numpy.testing.assert_allclose(grads["w"], x.sum(axis=(0, 1)), rtol=1e-12)
    path = tmp_path / "bptt.py"
    path.write_text(d.python_module())
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "d loss / d h[0]: shape (" in run.stdout
