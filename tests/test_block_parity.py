"""Block files get what scalar files have: the target chosen among several losses, target
errors located, ``--wrt`` and ``--form``, the JSON's top-level keys, and the keyword
arguments and name-keyed mappings of :class:`~orderdiff.Derivation`.

Numbers are checked against oracles that share no code with the derivation: HIPS
autograd on forward passes written here by hand from the equations, and central finite
differences of those passes.
"""

import json
import re
from pathlib import Path

import numpy
import pytest
from click.testing import CliRunner

import orderdiff
from orderdiff.cli import main
from orderdiff.errors import TargetError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ELMAN = str(EXAMPLES / "elman.eqs")

# h[t] feeds two losses: C sums h, D sums h*h; either may be the target.
TWO_LOSSES = """dim n
param w: n
input x[t]: n
init h[0] = 0
h[t] = tanh(w * h[t-1] + x[t])
C = sum_t(sum(h[t]))
D = sum_t(sum(h[t] * h[t]))
"""


def invoke(args):
    return CliRunner().invoke(main, args)


def write(tmp_path, text, name="net.eqs"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def assert_failed_cleanly(result):
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


def two_losses_forward(np, w, x, which):
    """C or D of TWO_LOSSES, summed over the batch, written from the equations."""
    h = np.zeros(x.shape[1:])
    total = 0.0
    for t in range(x.shape[0]):
        h = np.tanh(w * h + x[t])
        total = total + (np.sum(h) if which == "C" else np.sum(h * h))
    return total


# ----- the target among several losses ----------------------------------------------------------

@pytest.mark.parametrize("target", ["C", "D"])
def test_the_other_loss_passes_back_nothing(target):
    """d+C/dD is 0: the sweep keeps only what the target depends on, and the program runs."""
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    d = orderdiff.derive(orderdiff.parse(TWO_LOSSES), target)
    other = "D" if target == "C" else "C"
    assert other not in {v.name for v in d.order}
    assert f"d+{target}/d{other}" not in d.to_text(unicode=False)
    rng = numpy.random.default_rng(3)
    w, x = rng.normal(size=3), rng.normal(size=(4, 2, 3))
    loss, grads = d.lambdify()({"w": w}, {"x": x})
    numpy.testing.assert_allclose(loss, two_losses_forward(numpy, w, x, target), rtol=1e-12)
    expected = autograd.grad(lambda w: two_losses_forward(anp, w, x, target))(w)
    numpy.testing.assert_allclose(grads["w"], expected, rtol=1e-9, atol=1e-12)


def test_check_chooses_one_of_two_losses(tmp_path):
    path = write(tmp_path, TWO_LOSSES)
    for target in ("C", "D"):
        result = invoke(["check", path, "--target", target])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"target {target}, ") and "OK: all 2 gradients agree" in result.output


# ----- target errors, located ---------------------------------------------------------------------

ONE_STEP = "dim n\nparam w: n\ninput x[t]: n\ninit h[0] = 0\nh[t] = tanh(w * h[t-1] + x[t])\n"

TARGET_ERRORS = [
    # id, file, options, line, col, message (regular expression)
    ("several-losses", TWO_LOSSES, [], 6, 1,
     r"2 variables are used by no other equation: C, D; choose the target with --target"),
    ("no-loss", ONE_STEP, [], 5, 1, r"every variable is used by another equation, so none is the loss; add one"),
    ("no-equations", "dim n\nparam w: n\ninput x[t]: n\n", [], 3, 1, r"the file has no equations"),
    ("declared-target", TWO_LOSSES, ["--target", "x"], 3, 7,
     r"the target must be a scalar defined without \[t\] .*'x' is declared, not defined by an equation"),
    ("timed-target", TWO_LOSSES, ["--target", "h"], 5, 1, r"'h' is indexed by time"),
]


@pytest.mark.parametrize("text, options, line, col, message", [c[1:] for c in TARGET_ERRORS],
                         ids=[c[0] for c in TARGET_ERRORS])
def test_target_errors_are_located(tmp_path, text, options, line, col, message):
    path = write(tmp_path, text)
    for command in ("derive", "check"):
        result = invoke([command, path, *options])
        assert_failed_cleanly(result)
        lines = result.output.splitlines()
        assert lines[0].startswith(f"{path}:{line}:{col}: "), lines[0]
        assert re.search(message, lines[0]), lines[0]
        assert lines[1] == "    " + text.splitlines()[line - 1]
        assert lines[2] == "    " + " " * (col - 1) + "^"
    with pytest.raises(TargetError) as info:
        orderdiff.derive(orderdiff.load(path), options[1] if options else None)
    assert (info.value.file, info.value.line, info.value.col) == (path, line, col)


@pytest.mark.parametrize("command", ["derive", "check", "graph"])
def test_an_unknown_target_is_located_in_the_option(tmp_path, command):
    extra = ["-o", str(tmp_path / "net.svg")] if command == "graph" else []
    result = invoke([command, ELMAN, "--target", "c", *extra])
    assert_failed_cleanly(result)
    lines = result.output.splitlines()
    assert lines[0].startswith("--target:1:1: unknown target 'c' (did you mean 'C'"), lines[0]
    assert lines[1:3] == ["    c", "    ^"]
