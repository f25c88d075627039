"""Time one forward and backward pass of the Elman network (loss and every gradient) per tool.

    python benchmarks/bptt.py [--smoke] [--repeat N]

The network is examples/elman.eqs (Elman 1990), float64, on 2 CPU threads.
Tools (benchmarks/peers.py): hand-numpy (min-char-rnn's loops, batched), pytorch (eager
autograd), jax (jit of value_and_grad over lax.scan), and orderdiff-numpy/-jax/-torch
(``derive(...).lambdify(backend=...)``). Before timing, every tool must agree with
hand-numpy to 1e-8 (relative and absolute) at a tiny size and at the timed size, and
hand-numpy itself must agree with central differences of its own forward pass; a tool
that disagrees is reported with the discrepancy and not timed.

Benchmarks: bptt-small (min-char-rnn: vocabulary 65, hidden 100, T 25, batch 1),
bptt-large (vocabulary 65, hidden 512, T 100, batch 64), and bptt-T (hidden 100,
batch 1, T from 25 to 400) for the scaling plot. Each timing is a warm-up call, then
--repeat calls (default: as many as fill one second, at least 5); the table gives the
median, the min-max and the median's ratio to hand-numpy's and to pytorch's.
"""

import os

THREADS = 2
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(THREADS))   # effective only before NumPy is first imported

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import orderdiff  # noqa: E402
import peers  # noqa: E402

ELMAN = HERE.parent / "examples" / "elman.eqs"
TINY = (5, 4, 3, 2)   # vocabulary, hidden, T, batch
SIZES = {"bptt-small": (65, 100, 25, 1), "bptt-large": (65, 512, 100, 64)}
SMOKE_SIZES = {"bptt-small": (5, 4, 3, 1), "bptt-large": (5, 6, 4, 2)}
SERIES_T = (25, 50, 100, 200, 400)
SMOKE_SERIES_T = (3, 6)
REFERENCES = ("hand-numpy", "pytorch")


def describe(size):
    vocab, hidden, steps, batch = size
    return f"V{vocab} H{hidden} T{steps} B{batch}"


def timings(step, repeat=None, min_repeat=5, min_total=1.0):
    """Seconds per call of ``step`` after one warm-up: ``repeat`` calls, or by default as
    many as fill ``min_total`` seconds and at least ``min_repeat``; the GC is off meanwhile."""
    step()
    out = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        while len(out) < (repeat or min_repeat) or (repeat is None and sum(out) < min_total):
            start = time.perf_counter()
            step()
            out.append(time.perf_counter() - start)
    finally:
        if enabled:
            gc.enable()
    return out


def checked(prepare, size):
    """One tool prepared at ``size``, and the lines where it disagrees there with hand-numpy."""
    data = peers.problem(*size)
    step = prepare(*data)
    return step, peers.discrepancies(peers.hand_numpy(*data), step())


def row(benchmark, size, tool, status, times=()):
    stats = dict(median_s=statistics.median(times), min_s=min(times), max_s=max(times)) if times else \
        dict(median_s=None, min_s=None, max_s=None)
    return {"benchmark": benchmark, "size": size, "tool": tool, **stats, "status": status}


def measure(tools, benchmark, size, label, repeat, log):
    """Rows of every tool at one size: checked against hand-numpy first, then timed."""
    rows = []
    for tool, prepare in tools.items():
        try:
            step, bad = checked(prepare, size)
        except peers.Unavailable as e:
            log(f"{benchmark} {tool}: {e}")
            rows.append(row(benchmark, label, tool, str(e)))
            continue
        if bad:
            log(f"{benchmark} {tool} DISAGREES with hand-numpy at {describe(size)}:\n    " + "\n    ".join(bad))
            rows.append(row(benchmark, label, tool, "disagrees: " + "; ".join(bad)))
            continue
        rows.append(row(benchmark, label, tool, "ok", timings(step, repeat)))
    return rows


def checked_tools(log):
    """The tools that pass the tiny-size checks (hand-numpy against finite differences, the
    rest against hand-numpy), and rows for those that cannot run or disagree."""
    peers.enable_jax_float64()   # every tool computes in float64; JAX must know before any array
    tools = peers.peers(orderdiff.derive(orderdiff.load(ELMAN)))
    fd = peers.finite_difference_errors(*peers.problem(*TINY))
    if fd:
        raise AssertionError("hand-numpy disagrees with central differences:\n" + "\n".join(fd))
    log(f"hand-numpy agrees with central differences at {describe(TINY)}")
    good, skipped = {}, {}
    for tool, prepare in tools.items():
        try:
            bad = checked(prepare, TINY)[1] if tool != "hand-numpy" else []
        except peers.Unavailable as e:
            skipped[tool] = str(e)
            log(f"{tool}: {e}")
            continue
        if bad:
            skipped[tool] = "disagrees: " + "; ".join(bad)
            log(f"{tool} DISAGREES with hand-numpy at {describe(TINY)}:\n    " + "\n    ".join(bad))
        else:
            good[tool] = prepare
            if tool != "hand-numpy":
                log(f"{tool} agrees with hand-numpy at {describe(TINY)}")
    return good, skipped


def run(smoke=False, repeat=None, log=print):
    """Rows ``{"benchmark", "size", "tool", "median_s", "min_s", "max_s", "status"}``.

    ``status`` is ``"ok"`` for a timed tool; otherwise why it was not timed ("not
    installed", "not available ...", "disagrees: ...") and the times are None.
    """
    if smoke and repeat is None:
        repeat = 2
    tools, skipped = checked_tools(log)
    sizes = SMOKE_SIZES if smoke else SIZES
    rows = []
    for benchmark, size in sizes.items():
        rows += measure(tools, benchmark, size, describe(size), repeat, log)
        rows += [row(benchmark, describe(size), tool, why) for tool, why in skipped.items()]
    vocab, hidden, _, batch = sizes["bptt-small"]
    for steps in SMOKE_SERIES_T if smoke else SERIES_T:
        rows += measure(tools, "bptt-T", (vocab, hidden, steps, batch), steps, repeat, log)
    return rows


def format_table(rows, references=REFERENCES):
    """The rows as a text table: median and min-max in ms, the median's ratio to each
    reference tool of the same benchmark and size (blank where that one was not timed)."""
    head = f"{'benchmark':<11} {'size':<24} {'tool':<16} {'median ms':>10} {'min-max ms':>19}"
    head += "".join(f" {'/ ' + r:>13}" for r in references)
    lines = [head]
    medians = {(r["benchmark"], r["size"], r["tool"]): r["median_s"] for r in rows}
    for r in rows:
        size = f"{r['size']}" + (f" ({r['edges']} edges)" if r.get("edges") is not None else "")
        line = f"{r['benchmark']:<11} {size:<24} {r['tool']:<16} "
        if r["median_s"] is None:
            lines.append(line + r.get("status", "not timed")[:100])
            continue
        line += f"{1e3 * r['median_s']:10.3f} {1e3 * r['min_s']:9.3f}-{1e3 * r['max_s']:<9.3f}"
        for ref in references:
            base = medians.get((r["benchmark"], r["size"], ref))
            line += f" {r['median_s'] / base:13.2f}" if base else f" {'':13}"
        lines.append(line.rstrip())
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, 2 repeats: checks that all runs and agrees")
    parser.add_argument("--repeat", type=int, help="timed calls per tool (default: >= 1 s and >= 5)")
    args = parser.parse_args(argv)
    rows = run(smoke=args.smoke, repeat=args.repeat)
    print()
    print(format_table(rows))
    return 1 if any(r["status"].startswith("disagrees") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
