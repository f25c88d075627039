"""The benchmark script runs (smoke mode: a tiny size, one repeat); timings are not tested."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_sweep_benchmark_smoke():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "sweep.py"), "--sizes", "40", "--repeat", "1"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    stages = [line.split()[1] for line in out.splitlines()[1:]]
    assert stages == ["parse", "derive", "compile+evaluate", "text", "total"]
