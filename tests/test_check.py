"""`orderdiff check`: finite differences agree with correct derivatives and catch wrong ones."""

import importlib

import sympy
from click.testing import CliRunner

import orderdiff
from orderdiff import check
from orderdiff.cli import main
from conftest import WERBOS
from oracles import close, finite_difference
from random_systems import random_system


def test_finite_differences_match_the_independent_oracle():
    system = orderdiff.parse(random_system(40, seed=3))
    d = orderdiff.derive(system)
    point = {"x0": 0.3, "x1": -0.6}
    fd = check.finite_differences(d, point)
    for v in system.order:
        assert close(fd[v], finite_difference(system, d.target, v, point), 1e-6)


def test_compare_finds_a_wrong_partial():
    d = orderdiff.derive(orderdiff.parse(WERBOS))
    edge = (d.system.resolve("z3"), d.system.resolve("z2"))
    d.partials[edge] = sympy.Integer(4)  # the true dz3/dz2 is 3
    rows = check.compare(d, {"z1": 0.5}).rows
    assert rows[edge[1]][2] > 1e-3 and rows[d.system.resolve("z4")][2] < 1e-8


def test_cli_check_passes_and_fails(tmp_path, monkeypatch):
    path = tmp_path / "werbos.eqs"
    path.write_text(WERBOS)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0 and "OK: all 5 ordered derivatives agree" in result.output

    module = importlib.import_module("orderdiff.api")  # where the command takes derive from
    real = module.derive

    def tampered(*args, **kwargs):
        d = real(*args, **kwargs)
        d.partials[d.system.resolve("z3"), d.system.resolve("z2")] = sympy.Integer(4)
        return d

    monkeypatch.setattr(module, "derive", tampered)
    result = CliRunner().invoke(main, ["check", str(path), "--at", "z1=2"])
    assert result.exit_code == 1 and "FAILED" in result.output and "z2" in result.output
    assert "Traceback" not in result.output


def test_random_points_are_seeded_and_finite():
    d = orderdiff.derive(orderdiff.parse("E = log(x) + sqrt(u)"))
    a, b = check.random_points(d, 3, seed=5), check.random_points(d, 3, seed=5)
    assert a == b and all(p["x"] > 0 and p["u"] >= 0 for p in a)


def test_a_system_without_inputs_gets_numbers_with_an_empty_at(tmp_path):
    path = tmp_path / "const.eqs"
    path.write_text("a = 3\nE = a**2\n")
    result = CliRunner().invoke(main, ["derive", str(path), "--at", "", "--ascii"])
    assert result.exit_code == 0, result.output
    assert "a        | 3        | 3     | 6     | 6" in result.output
    result = CliRunner().invoke(main, ["check", str(path), "--at", ""])
    assert result.exit_code == 0 and "OK" in result.output
