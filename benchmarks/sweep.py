"""Time the stages of orderdiff on seeded random sparse systems, as the CLI runs them.

    python benchmarks/sweep.py --sizes 1000,10000 --repeat 3

For each size: a random nonlinear system (about 3 parents per variable, every known
function, products and quotients; tests/random_systems.py) is parsed, derived, its
NumPy program compiled and evaluated at a point, and printed as text in the
recursive form with numbers -- what `orderdiff derive FILE --form recursive --at ...`
does. Prints the median and min-max seconds of each stage over --repeat runs, each
run in a fresh process (sympy caches would otherwise flatter later runs).
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE_RUN = r"""
import json, sys, time
sys.path.insert(0, {tests!r})
from random_systems import random_system
import orderdiff
text = random_system({n}, seed=1)
times = {{}}
t = time.perf_counter(); system = orderdiff.parse(text); times["parse"] = time.perf_counter() - t
t = time.perf_counter(); d = orderdiff.derive(system); times["derive"] = time.perf_counter() - t
point = {{v.name: 0.3 for v in d.inputs}}
t = time.perf_counter(); d.evaluate(point); times["compile+evaluate"] = time.perf_counter() - t
t = time.perf_counter(); d.to_text(form="recursive", values=point); times["text"] = time.perf_counter() - t
times["total"] = sum(times.values())
print(json.dumps(times))
"""


def run_once(n):
    code = ONE_RUN.format(tests=str(ROOT / "tests"), n=n)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'variables':>10}  {'stage':<17} {'median s':>9}  {'min-max s':>15}")
    for n in map(int, args.sizes.split(",")):
        runs = [run_once(n) for _ in range(args.repeat)]
        for stage in runs[0]:
            values = [r[stage] for r in runs]
            print(f"{n:>10}  {stage:<17} {statistics.median(values):9.2f}  "
                  f"{min(values):7.2f}-{max(values):<7.2f}")


if __name__ == "__main__":
    main()
