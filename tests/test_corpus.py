"""Every system in tests/systems/: derived, checked against independent finite
differences, and printed in every format without error."""

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

import orderdiff
from orderdiff.cli import main
from oracles import close, finite_difference

SYSTEMS = sorted((Path(__file__).parent / "systems").glob("*.eqs"))
POINT_RANGE = {"pendulum.eqs": (0.05, 0.5)}


@pytest.mark.parametrize("path", SYSTEMS, ids=lambda p: p.stem)
def test_ordered_derivatives_match_finite_differences(path):
    system = orderdiff.load(path)
    d = orderdiff.derive(system)
    rng = random.Random(path.stem)
    low, high = POINT_RANGE.get(path.name, (0.1, 0.6))
    point = {str(x): rng.uniform(low, high) for x in system.inputs}
    at = d.evaluate(point)
    for v in system.order:
        assert close(at.total[v], finite_difference(system, d.target, v, point), 1e-6), v


@pytest.mark.parametrize("path", SYSTEMS, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["text", "latex", "json"])
@pytest.mark.parametrize("form", ["recursive", "closed", "inputs"])
def test_cli_prints_every_format(path, fmt, form):
    result = CliRunner().invoke(main, ["derive", str(path), "--format", fmt, "--form", form])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.output)["form"] == form


@pytest.mark.parametrize("path", SYSTEMS, ids=lambda p: p.stem)
def test_cli_check(path):
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
