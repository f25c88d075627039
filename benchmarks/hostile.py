"""Time `orderdiff derive` on large block files, and how the time grows with their size.

    python benchmarks/hostile.py [--smoke] [--repeat N] [--sizes 1000,2000,4000,8000]
                                 [--cases chain,product,softmax,steps] [--formats text,json,latex]

Each case is written at every size, and each run is the whole command in a fresh
process (Python's start-up and imports included), with ``-o`` to a file:

- ``chain``: N equations ``h{k}[t] = tanh(h{k-1}[t])`` after one recurrent step; every
  adjoint is used once, so the closed form folds the chain as far as its size budget lets it;
- ``product``: N equations ``h{k}[t] = tanh(h{k-1}[t]) * sigmoid(h{k-1}[t])``, each node read
  twice by its one user;
- ``softmax``: N named softmaxes ``s{k}[t] = softmax(s{k-1}[t])``, each passing its adjoint
  back twice (written nested in one equation they double the derivative's size each
  time, and a file that does so is refused with a message saying to name them);
- ``steps``: examples/lstm.eqs unrolled over N / 8 steps (``--steps``, at most 1000).

For each case, format (text, json; latex without the picture, ``--no-figure``) and form
(closed and recursive; unrolled, recursive alone) the table gives the median and min-max
seconds of ``--repeat`` runs, and the ratio of each median to the one at the size before:
about 2 when the cost is linear and the sizes double.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LSTM = ROOT / "examples" / "lstm.eqs"
HEAD = "dim n\ninput x[t]: n\nparam W: n, n\ninit h[0] = 0\n"
CASES = ("chain", "product", "softmax", "steps")
FORMATS = ("text", "json", "latex")


def chain(n, body):
    """``n`` equations after the recurrent one, each ``body`` of the one before."""
    lines = [HEAD + "h0[t] = tanh(W @ h[t-1] + x[t])"]
    lines += [f"h{k}[t] = {body(f'h{k - 1}[t]')}" for k in range(1, n)]
    return "\n".join(lines + [f"h[t] = h{n - 1}[t]", "C = sum_t(sum(h[t] * h[t]))", ""])


def write_case(case, n, folder):
    """``(file, extra options)`` of ``case`` at size ``n``."""
    if case == "steps":
        return LSTM, ["--steps", str(max(1, min(1000, n // 8)))]
    if case == "chain":
        text = chain(n, lambda x: f"tanh({x})")
    elif case == "product":
        text = chain(n, lambda x: f"tanh({x}) * sigmoid({x})")
    else:
        text = chain(n, lambda x: f"softmax({x})")
    path = Path(folder) / f"{case}{n}.eqs"
    path.write_text(text)
    return path, []


def run_once(path, options, out):
    args = [sys.executable, "-m", "orderdiff", "derive", str(path), *options, "-o", out]
    t = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return seconds


def variants(case, formats):
    forms = ("recursive",) if case == "steps" else ("closed", "recursive")
    for fmt in formats:
        for form in forms:
            yield fmt, form, ["--format", fmt, "--form", form] + (["--no-figure"] if fmt == "latex" else [])


def run(sizes, cases=CASES, formats=FORMATS, repeat=3):
    """Rows ``{"case", "format", "form", "size", "median_s", "min_s", "max_s", "ratio"}``."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "out")
        for case in cases:
            for fmt, form, options in variants(case, formats):
                before = None
                for n in sizes:
                    path, extra = write_case(case, n, folder)
                    times = [run_once(path, extra + options, out) for _ in range(repeat)]
                    median = statistics.median(times)
                    rows.append({"case": case, "format": fmt, "form": form, "size": n, "median_s": median,
                                 "min_s": min(times), "max_s": max(times),
                                 "ratio": None if before is None else median / before})
                    before = median
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="sizes 50 and 100, one run each")
    parser.add_argument("--repeat", type=int, help="fresh-process runs per case (default 3)")
    parser.add_argument("--sizes", help="comma-separated sizes (default 1000,2000,4000,8000)")
    parser.add_argument("--cases", help=f"comma-separated, of {','.join(CASES)} (default all)")
    parser.add_argument("--formats", help=f"comma-separated, of {','.join(FORMATS)} (default all)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in (args.sizes or ("50,100" if args.smoke else "1000,2000,4000,8000")).split(",")]
    repeat = args.repeat or (1 if args.smoke else 3)
    cases = args.cases.split(",") if args.cases else CASES
    formats = args.formats.split(",") if args.formats else FORMATS
    print(f"{'case':<8} {'format':<6} {'form':<10} {'size':>6} {'median s':>9}  {'min-max s':>13} {'ratio':>6}")
    for r in run(sizes, cases, formats, repeat):
        ratio = "" if r["ratio"] is None else f"{r['ratio']:6.2f}"
        print(f"{r['case']:<8} {r['format']:<6} {r['form']:<10} {r['size']:>6} {r['median_s']:9.2f}  "
              f"{r['min_s']:6.2f}-{r['max_s']:<6.2f} {ratio:>6}", flush=True)


if __name__ == "__main__":
    main()
