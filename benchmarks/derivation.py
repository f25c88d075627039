"""Time deriving the recurrent networks' formulas: generic in t, and unrolled over T steps.

    python benchmarks/derivation.py [--smoke] [--repeat N]

For examples/elman.eqs (and the LSTM and GRU), each run in a fresh process (sympy's
caches would flatter later runs): ``derive`` plus the compact recurrences and gradients
(what the text view prints) in process, and the whole ``orderdiff derive FILE [--steps
T]`` command, Python start-up included. Prints median and min-max seconds.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

IN_PROCESS = r"""
import json, time
t0 = time.perf_counter()
import orderdiff, orderdiff.derive, orderdiff.parse  # the package loads its API lazily
t1 = time.perf_counter()
d = orderdiff.derive(orderdiff.load({path!r}), steps={steps})
forms = d.compact if d.steps_count is None else d.recursive
t2 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "derive": t2 - t1}}))
"""


def in_process(path, steps):
    code = IN_PROCESS.format(path=str(path), steps=steps)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout)["derive"]


def command(path, steps):
    args = [sys.executable, "-m", "orderdiff", "derive", str(path)] + (["--steps", str(steps)] if steps else [])
    t = time.perf_counter()
    subprocess.run(args, capture_output=True, check=True, cwd=ROOT)
    return time.perf_counter() - t


def cases(smoke):
    files = ["examples/elman.eqs"] if smoke else ["examples/elman.eqs", "examples/lstm.eqs", "examples/gru.eqs"]
    steps = [None, 3] if smoke else [None, 100]
    return [(f, s) for f in files for s in steps]


def run(smoke=False, repeat=None):
    """Rows ``{"benchmark": "derive", "size", "tool", "median_s", "min_s", "max_s", "status"}``."""
    repeat = repeat or (1 if smoke else 5)
    rows = []
    for path, steps in cases(smoke):
        size = f"{Path(path).stem} {'generic t' if steps is None else f'--steps {steps}'}"
        for tool, measure in (("orderdiff in process", in_process), ("orderdiff command", command)):
            times = [measure(ROOT / path, steps) for _ in range(repeat)]
            rows.append({"benchmark": "derive", "size": size, "tool": tool, "status": "ok",
                         "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the Elman network only, --steps 3, one run")
    parser.add_argument("--repeat", type=int, help="fresh-process runs per case (default 5)")
    args = parser.parse_args(argv)
    print(f"{'case':<28} {'tool':<22} {'median s':>9}  {'min-max s':>13}")
    for r in run(args.smoke, args.repeat):
        print(f"{r['size']:<28} {r['tool']:<22} {r['median_s']:9.3f}  {r['min_s']:6.3f}-{r['max_s']:<6.3f}")


if __name__ == "__main__":
    main()
