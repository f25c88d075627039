"""examples/char_rnn.py: the Elman network learns from the gradients orderdiff derives.

A quick run must bring the smoothed loss well below that of a uniform guess
(ln(V) per character). Gradients of the wrong sign give NaNs, and none for W_ih
leaves the loss near 76 (here 66, the bar 71); a wrong recurrent term alone shows only
in longer runs, so the gradients' values are checked elsewhere, against oracles.
"""

import importlib.util
import math
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "char_rnn.py"


def load_script():
    spec = importlib.util.spec_from_file_location("char_rnn", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_brings_the_loss_down(capsys):
    result = load_script().main(["--quick"])
    losses = result["losses"]
    text = (SCRIPT.parent / "data" / "sonnets.txt").read_text(encoding="utf-8")
    assert result["uniform"] == pytest.approx(math.log(len(set(text))) * 25)
    assert all(math.isfinite(x) for x in losses)
    assert losses[0] > 0.95 * result["uniform"]
    assert losses[-1] < 0.7 * result["uniform"], losses
    assert losses[-1] < losses[len(losses) // 2] < losses[0]
    assert result["sample"] and set(result["sample"]) <= set(text)
    printed = capsys.readouterr().out
    assert f"sample: {result['sample']}" in printed
    assert printed.count("smoothed loss") == len(losses)


def test_runs_are_seeded():
    script = load_script()
    first = script.main(["--iterations", "20", "--hidden", "8", "--seed", "3"])
    again = script.main(["--iterations", "20", "--hidden", "8", "--seed", "3"])
    other = script.main(["--iterations", "20", "--hidden", "8", "--seed", "4"])
    assert first == again
    assert first["losses"] != other["losses"]
