"""The BPTT benchmark in smoke mode: every installed peer agrees with hand-written NumPy
(itself checked by finite differences), and run.py writes its plot. Timings are not tested."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bptt  # noqa: E402
import peers  # noqa: E402

NEEDS = {"pytorch": "torch", "jax": "jax", "orderdiff-torch": "torch", "orderdiff-jax": "jax"}


@pytest.fixture(scope="module")
def smoke_rows():
    return bptt.run(smoke=True, log=lambda line: None)


def test_hand_numpy_matches_central_differences():
    assert peers.finite_difference_errors(*peers.problem(*bptt.TINY), entries=6) == []


def test_discrepancies_name_a_wrong_gradient():
    right = peers.hand_numpy(*peers.problem(*bptt.TINY))
    wrong = (right[0], {**right[1], "b_ih": right[1]["b_ih"] * 1.01})
    assert [line.split(":")[0] for line in peers.discrepancies(right, wrong)] == ["b_ih"]


@pytest.mark.parametrize("tool", ["pytorch", "jax", "orderdiff-numpy"])
def test_peer_agrees_with_hand_numpy(tool):
    if tool in NEEDS:
        pytest.importorskip(NEEDS[tool])
    peers.enable_jax_float64()
    prepare = peers.peers(bptt.orderdiff.derive(bptt.orderdiff.load(bptt.ELMAN)))[tool]
    for size in (bptt.TINY, (7, 5, 6, 3)):
        data = peers.problem(*size, seed=3)
        assert peers.discrepancies(peers.hand_numpy(*data), prepare(*data)()) == []


def test_smoke_rows_cover_every_benchmark_and_tool(smoke_rows):
    seen = {(r["benchmark"], r["tool"]) for r in smoke_rows}
    for benchmark in ("bptt-small", "bptt-large", "bptt-T"):
        assert {(benchmark, "hand-numpy"), (benchmark, "orderdiff-numpy")} <= seen
    assert {r["size"] for r in smoke_rows if r["benchmark"] == "bptt-T"} == set(bptt.SMOKE_SERIES_T)


@pytest.mark.parametrize("tool", ["hand-numpy", "orderdiff-numpy", "pytorch", "jax"])
def test_installed_tools_agree_and_are_timed(smoke_rows, tool):
    if tool in NEEDS:
        pytest.importorskip(NEEDS[tool])
    rows = [r for r in smoke_rows if r["tool"] == tool]
    assert rows and all(r["status"] == "ok" for r in rows), [r["status"] for r in rows]
    assert all(0 < r["min_s"] <= r["median_s"] <= r["max_s"] for r in rows)


def test_orderdiff_backends_are_timed_or_said_unavailable(smoke_rows):
    for r in smoke_rows:
        if r["tool"] in ("orderdiff-jax", "orderdiff-torch"):
            assert r["status"] == "ok" or r["status"].startswith(("not available", "not installed")), r["status"]


def test_table_has_ratios_to_both_references(smoke_rows):
    table = bptt.format_table(smoke_rows).splitlines()
    assert table[0].split()[-4:] == ["/", "hand-numpy", "/", "pytorch"]
    hand = next(line for line in table if line.startswith("bptt-small") and "hand-numpy" in line)
    assert "1.00" in hand.split()[-2:]


def test_run_script_smoke_writes_a_png_plot(tmp_path):
    from matplotlib.image import imread

    png, out = tmp_path / "perf.png", tmp_path / "rows.json"
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke",
                             "--plot", str(png), "--json", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "machine: cpu" in result.stdout and "Traceback" not in result.stderr
    image = imread(png)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 600 and image.shape[2] in (3, 4)
    assert '"bptt-T"' in out.read_text()


def test_missing_peers_are_reported_not_crashed():
    code = ("import sys; sys.modules.update(torch=None, jax=None); sys.path.insert(0, 'benchmarks'); "
            "import bptt; sys.exit(bptt.main(['--smoke']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for tool in ("pytorch", "jax", "orderdiff-jax", "orderdiff-torch"):
        assert f"{tool}: not installed" in result.stdout
    assert "orderdiff-numpy agrees with hand-numpy" in result.stdout
