"""Run every benchmark, print one table and the machine, optionally plot and save the rows.

    python benchmarks/run.py [--smoke] [--repeat N] [--plot docs/performance.png] [--json out.json]

Runs benchmarks/scalar.py (orderdiff against CasADi on scalar systems, sparse and dense),
benchmarks/bptt.py (the Elman network's BPTT against hand-written NumPy, PyTorch and
JAX) and benchmarks/derivation.py (deriving the recurrent networks' formulas, generic
and unrolled); see benchmarks/README.md. The table gives each median and min-max in ms and the
median's ratio to hand-numpy, pytorch and casadi at the same benchmark and size.
--plot writes a log-log PNG: time against edges for the scalar sweep, and BPTT time
against T for each tool. --json writes {"machine": ..., "rows": [...]}.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")   # as in bptt.py; only effective before NumPy is imported

import argparse
import importlib.metadata
import json
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bptt  # noqa: E402
import derivation  # noqa: E402

REFERENCES = ("hand-numpy", "pytorch", "casadi")
PACKAGES = ("numpy", "torch", "jax", "jaxlib", "casadi", "sympy", "matplotlib")


def machine():
    """CPU model, core count and the versions of Python and of the tools compared."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}
    for name in PACKAGES:
        try:
            info[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            info[name] = "not installed"
    return info


def scalar_rows(smoke, repeat):
    """benchmarks/scalar.py's rows, or [] with a line saying why when it cannot be imported."""
    try:
        import scalar
    except ImportError as e:
        why = "is missing" if getattr(e, "name", None) == "scalar" else f"cannot be imported ({e})"
        print(f"benchmarks/scalar.py {why}: the scalar benchmark is skipped")
        return []
    return scalar.run(smoke=smoke) if repeat is None else scalar.run(smoke=smoke, repeat=repeat)


def plot(rows, path):
    """Log-log PNG: left, scalar time against edges; right, BPTT time against T."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    timed = [r for r in rows if r["median_s"] is not None]
    scalar = [r for r in timed if r["benchmark"] in ("sparse", "dense")]
    tools = sorted({r["tool"] for r in scalar})
    for benchmark, style in (("sparse", "o-"), ("dense", "s--")):
        for i, tool in enumerate(tools):
            pts = sorted((r["edges"], r["median_s"]) for r in scalar if (r["benchmark"], r["tool"]) == (benchmark, tool))
            if pts:
                left.plot(*zip(*pts), style, color=f"C{i}", label=f"{tool}, {benchmark}")
    anchor = sorted((r["edges"], r["median_s"]) for r in scalar if r["tool"] == "orderdiff")
    if len({e for e, _ in anchor}) > 1:  # a line of slope 1 through the smallest system: linear cost
        (e0, s0), e1 = anchor[0], anchor[-1][0]
        left.plot([e0, e1], [s0, s0 * e1 / e0], ":", color="gray", label="proportional to edges")
    if not scalar:
        left.text(0.5, 0.5, "scalar benchmark not run", ha="center", va="center", transform=left.transAxes)
    series = [r for r in timed if r["benchmark"] == "bptt-T"]
    for tool in dict.fromkeys(r["tool"] for r in series):
        pts = sorted((r["size"], r["median_s"]) for r in series if r["tool"] == tool)
        right.plot(*zip(*pts), "o-", label=tool)
    left.set(xlabel="edges of the system", ylabel="median seconds", title="scalar systems (benchmarks/scalar.py)")
    right.set(xlabel="T (time steps)", ylabel="median seconds", title="Elman BPTT, loss and gradients, float64")
    for ax in (left, right):
        if ax.lines:
            ax.set(xscale="log", yscale="log")
            ax.legend(fontsize="small")
        ax.grid(True, which="both", alpha=0.3)
    steps = sorted({r["size"] for r in series})
    if steps:  # the T values themselves, not powers of ten that crowd a short axis
        right.set_xticks(steps, [str(t) for t in steps])
        right.minorticks_off()
    fig.savefig(path, dpi=120)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, few repeats: checks that all runs")
    parser.add_argument("--repeat", type=int, help="timed calls per tool and size (default: each script's own)")
    parser.add_argument("--plot", metavar="PNG", help="write the log-log plot here")
    parser.add_argument("--json", metavar="FILE", help="write the machine and the rows here")
    args = parser.parse_args(argv)
    rows = (scalar_rows(args.smoke, args.repeat) + bptt.run(smoke=args.smoke, repeat=args.repeat)
            + derivation.run(smoke=args.smoke, repeat=args.repeat))
    info = machine()
    print()
    print(bptt.format_table(rows, REFERENCES))
    print()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    if args.plot:
        plot(rows, args.plot)
        print(f"wrote {args.plot}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "rows": rows}, indent=1) + "\n")
        print(f"wrote {args.json}")
    return 1 if any(r.get("status", "ok").startswith("disagrees") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
