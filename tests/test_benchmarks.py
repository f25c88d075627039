"""The scalar benchmark script runs (smoke mode: tiny sizes, one repeat); timings are not tested."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_smoke():
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scalar.py"), "--smoke"],
                          capture_output=True, text=True, timeout=600, check=True).stdout


def test_scalar_benchmark_smoke_times_every_size():
    out = run_smoke()
    rows = [line.split() for line in out.splitlines() if line.startswith(("sparse", "dense"))]
    orderdiff_rows = [(r[0], int(r[1])) for r in rows if r[3] == "orderdiff"]
    assert orderdiff_rows == [("sparse", 40), ("sparse", 100), ("dense", 10), ("dense", 20)]
    assert all(int(r[2]) > 0 for r in rows)  # edges counted


def test_scalar_benchmark_agrees_with_casadi():
    pytest.importorskip("casadi")
    out = run_smoke()
    assert "orderdiff and CasADi agree on every ordered derivative" in out
    assert sum(line.split()[3] == "casadi" for line in out.splitlines() if line.startswith(("sparse", "dense"))) == 4


def test_scalar_run_rows_have_the_documented_keys():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import scalar
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    text, target = scalar.system_text("dense", 4)
    assert text == ("z2 = 0.001*sin(z1)\nz3 = 0.001*sin(z1) + 0.001*sin(z2)\n"
                    "z4 = 0.001*sin(z1) + 0.001*sin(z2) + 0.001*sin(z3)\n") and target == "z4"
    row = scalar.summary("dense", 4, 6, "orderdiff", [0.3, 0.1, 0.2])
    assert {k: row[k] for k in ("benchmark", "size", "edges", "tool")} == {
        "benchmark": "dense", "size": 4, "edges": 6, "tool": "orderdiff"}
    assert (row["median_s"], row["min_s"], row["max_s"]) == (0.2, 0.1, 0.3)
