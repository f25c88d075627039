"""`orderdiff check` on unusual block files: a clear message and exit status 1, or a check that works.

The sizes check draws must fit the file's slices and shapes (a slice ``[0:5]`` needs 5
rows), so the tests read the drawn dimensions back and test the file's own conditions on
them; the gradients at those sizes are compared with finite differences by check itself,
whose comparison tests/test_blocks.py checks against independent oracles.
"""

from __future__ import annotations

import re

import numpy
import pytest
import sympy
from click.testing import CliRunner

import orderdiff
from orderdiff.blocks import check as block_check
from orderdiff.cli import main

HEAD = "dim n\ninput x[t]: n\n"
RECURRENT = HEAD + "param W: n, n\ninit h[0] = 0\nh[t] = tanh(W @ h[t-1] + x[t])\n"
BIG = "9" * 900


def run(tmp_path, text, *options, name="f.eqs"):
    path = tmp_path / name
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path), "--points", "1", *options])
    assert "Traceback" not in result.output
    return result


def drawn(output):
    """The dimensions check reports, ``{'n': 5}``."""
    listed = re.search(r"\(dimensions ([^;]*);", output).group(1)
    return {k: int(v) for k, v in (item.split("=") for item in listed.split(", "))}


@pytest.mark.parametrize("text", [HEAD + "C = sum_t(sum(x[t] * x[t]))\n",
                                  "dim n\ninput s: n\nC = sum(s * s)\n"],
                         ids=["timed inputs", "a static input"])
def test_a_file_without_parameters_or_initial_values_is_refused(tmp_path, text):
    result = run(tmp_path, text)
    assert result.exit_code == 1
    assert result.output.startswith(f"{tmp_path / 'f.eqs'}: check compares the gradients of the parameters "
                                    "and initial values"), result.output
    assert "this file has neither" in result.output and "declare what it learns with 'param'" in result.output


def test_a_parameter_the_target_does_not_read_has_a_zero_gradient(tmp_path):
    text = HEAD + "param W: n, n\ny[t] = tanh(W @ x[t])\nC = sum_t(sum(x[t] * x[t]))\n"
    result = run(tmp_path, text, "--target", "C")
    assert result.exit_code == 0, result.output
    assert re.search(r"^W +0 +0\.00e\+00$", result.output, re.M) and "OK: all 1 gradients agree" in result.output


def test_a_negative_seed_is_refused_and_a_huge_one_works(tmp_path):
    result = run(tmp_path, RECURRENT + "C = sum_t(sum(h[t] * h[t]))\n", "--seed", "-1")
    assert result.exit_code == 2
    assert "Invalid value for '--seed': -1 is not in the range x>=0" in result.output
    result = run(tmp_path, RECURRENT + "C = sum_t(sum(h[t] * h[t]))\n", "--seed", "9" * 40)
    assert result.exit_code == 0 and "OK: all 2 gradients agree" in result.output, result.output


@pytest.mark.parametrize("line, fits", [
    ("C = sum_t(sum(h[t][0:5]))\n", lambda d: d["n"] >= 5),
    ("C = sum_t(sum(h[t][3:n]))\n", lambda d: d["n"] >= 4),
], ids=["[0:5]", "[3:n]"])
def test_sizes_are_drawn_to_fit_the_slices(tmp_path, line, fits):
    result = run(tmp_path, RECURRENT + line)
    assert result.exit_code == 0, result.output
    assert fits(drawn(result.output)) and "OK: all 2 gradients agree" in result.output


def test_sizes_are_drawn_to_fit_a_slice_between_dimensions(tmp_path):
    text = (RECURRENT.replace("dim n", "dim n, m") + "input u[t]: m\n"
            "C = sum_t(sum(h[t][m:2*m+3])) + sum_t(sum(u[t] * u[t]))\n")
    for seed in range(2):
        result = run(tmp_path, text, "--seed", str(seed))
        assert result.exit_code == 0, result.output
        dims = drawn(result.output)
        assert dims["m"] >= 2 and dims["n"] >= 2 * dims["m"] + 3, dims


def test_the_drawn_sizes_are_the_smallest_that_fit_plus_a_margin():
    system = orderdiff.parse("dim n, m\ninput x[t]: n\ninput u[t]: m\nparam W: n, n\n"
                             "C = sum_t(sum(W @ x[t])) + sum_t(sum(u[t][0:7])) + sum_t(sum(x[t][0:m-1]))\n")
    conds = block_check.conditions(system)
    seen = set()
    for seed in range(30):
        dims = block_check.fitted_dims(system, numpy.random.default_rng(seed))
        assert all(c.holds(dims) for c in conds)
        values = {str(k): int(v) for k, v in dims.items()}
        seen.add((values["n"], values["m"]))
        assert 7 <= values["m"] <= 9 and 6 <= values["n"] <= 8 and values["n"] >= values["m"] - 1, values
    assert len(seen) > 2  # the margin is random, not always the smallest fit


def test_a_file_whose_sizes_fit_keeps_its_draw():
    text = (RECURRENT + "C = sum_t(sum(h[t]))\n").replace("dim n", "dim n, m")
    system = orderdiff.parse(text)
    for seed in range(5):
        want = numpy.random.default_rng(seed).integers(2, 5, 2)
        got = block_check.fitted_dims(system, numpy.random.default_rng(seed))
        assert [int(v) for v in got.values()] == list(want)


def test_slices_that_no_sizes_fit_are_refused_at_their_line(tmp_path):
    text = ("dim n, m\ninput x[t]: n\ninput u[t]: m\nparam W: n, n\n"
            "C = sum_t(sum(W @ x[t])) + sum_t(sum(x[t][0:m-n])) + sum_t(sum(u[t][0:n-m]))\n")
    result = run(tmp_path, text)
    assert result.exit_code == 1
    assert ":5:1: check cannot choose dimensions for the slice [0:" in result.output
    assert "which no sizes from 2 to 10000 give together with the file's other slices and shapes" in result.output


@pytest.mark.parametrize("shape", ["0, n", "n - n - 1, n", "n - n, n"])
def test_a_shape_empty_at_every_size_is_refused_at_its_declaration(tmp_path, shape):
    text = HEAD + f"param W: {shape}\ny[t] = tanh(W @ x[t])\nC = sum_t(sum(y[t]))\n"
    result = run(tmp_path, text)
    assert result.exit_code == 1
    assert re.search(r":3:10: the dimension '[^']+' is -?\d: a shape needs at least 1 row and column", result.output), \
        result.output
    assert "    param W:" in result.output and "             ^" in result.output


def test_a_size_of_900_digits_is_refused_without_printing_it(tmp_path):
    result = run(tmp_path, HEAD + f"param W: {BIG}, n\ny[t] = tanh(W @ x[t])\nC = sum_t(sum(y[t]))\n")
    assert result.exit_code == 1
    assert ":3:10: a number of rows or columns is at most" in result.output
    assert BIG not in result.output.splitlines()[0]
    result = run(tmp_path, RECURRENT + f"C = sum_t(sum(h[t][0:{BIG}]))\n")
    assert result.exit_code == 1
    assert ":6:" in result.output.splitlines()[0]
    assert BIG not in result.output.splitlines()[0]


@pytest.mark.parametrize("tol", ["nan", "inf"])
def test_a_tolerance_that_is_not_finite_is_refused(tmp_path, tol):
    result = run(tmp_path, RECURRENT + "C = sum_t(sum(h[t] * h[t]))\n", "--tol", tol)
    assert result.exit_code == 2
    assert f"Invalid value for '--tol': {tol} is not a finite number" in result.output


def test_more_points_than_a_block_check_runs_are_refused(tmp_path):
    path = tmp_path / "f.eqs"
    path.write_text(RECURRENT + "C = sum_t(sum(h[t] * h[t]))\n")
    result = CliRunner().invoke(main, ["check", str(path), "--points", "9" * 30])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"--points {'9' * 30}: a block file's check is at most 1000 random points" in result.output


def test_a_fit_whose_last_round_mends_the_last_condition_is_taken(monkeypatch):
    monkeypatch.setattr(block_check, "FIT_ROUNDS", 2)
    system = orderdiff.parse("dim n, m\ninput x[t]: n\ninput u[t]: m\n"
                             "C = sum_t(sum(x[t][0:3])) + sum_t(sum(u[t][0:3]))\n")
    start = {sympy.Symbol(n, positive=True, integer=True): sympy.Integer(2) for n in ("n", "m")}
    dims = block_check.smallest(system, block_check.conditions(system), start)
    assert sorted(int(v) for v in dims.values()) == [3, 3]
