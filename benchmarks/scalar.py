"""Time orderdiff's scalar pipeline against CasADi on seeded sparse and dense systems.

    python benchmarks/scalar.py [--smoke] [--repeat N]
    python benchmarks/scalar.py --cli [--sizes 1000,10000] [--repeat N]

Systems (the same equation text for both tools):

- sparse: ``tests/random_systems.py``'s random DAG of n variables, about 3 parents each,
  every known function, products and quotients; target E.
- dense: z1 an input and ``z_i = 0.001*sin(z1) + ... + 0.001*sin(z_{i-1})`` for i = 2..n
  (every variable uses all earlier ones); target z_n.

orderdiff's job: parse the text, order the variables, derive (the structure of Eq. 1 for
every variable; its forms are built on first access), and the numeric ordered
derivative d+E/dv at a point for every variable (``Derivation.evaluate``). The row
``orderdiff+forms`` adds building the recursive form of every variable
(``d.core_form("recursive")[v]``, Eq. 1 in the users' ordered derivatives, as the symengine
expressions the text and JSON printers print; ``d.recursive[v]`` converts one to sympy).

CasADi's job: build the same system as SX expressions from the same equations (already
translated to a Python function: the translation is not timed, which favours CasADi), with
a perturbation symbol eps_v added to every variable's definition, take
``casadi.gradient(E, eps)`` (at eps = 0 the ordered derivatives d+E/dv of every variable),
wrap it in a Function and evaluate it at the same point.

With ``--cli``, whole processes instead, imports and all: ``orderdiff derive big.eqs --form
recursive --format json --at x0=0.3,...`` (the JSON of every variable's explicit derivative
and Eq. 1, with the numbers at the point) against a Python process that imports CasADi,
translates the same file, and computes and prints the same ordered derivatives as JSON. The
two alternate, and the table gives medians, min-max and the ratio; the peak memory (maximum
resident set) of each orderdiff process is read from ``resource.getrusage``.

Every run is a fresh process (sympy's caches would flatter repeats); imports (and a tiny
warm-up system that loads lazily imported modules) and text generation are untimed. The two tools' derivatives must agree for every variable to relative
1e-9 (absolute 1e-12 near zero). Prints a table: median and min-max seconds, edges, and the
ratio orderdiff/CasADi of the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"sparse": (1000, 3000, 10000), "dense": (30, 100, 300)}
SMOKE_SIZES = {"sparse": (40, 100), "dense": (10, 20)}
REL, ABS = 1e-9, 1e-12

SETUP = r"""
import json, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r})
from benchmarks.scalar import system_text
text, target = system_text({kind!r}, {n})
"""

ORDERDIFF = SETUP + r"""
import orderdiff
orderdiff.derive(orderdiff.parse("y = sin(x)\n")).evaluate({{"x": 0.5}})  # imports done before timing
t0 = time.perf_counter()
system = orderdiff.parse(text)
t1 = time.perf_counter()
d = orderdiff.derive(system, target)
steps = d.steps, d.recursive
t2 = time.perf_counter()
at = d.evaluate({{v.name: 0.3 for v in d.inputs}})
t3 = time.perf_counter()
t = time.perf_counter()
built = [d.core_form("recursive")[v] for v in d.order]
forms = time.perf_counter() - t
edges = sum(len(eq.free_symbols) for eq in system.equations.values())
total = {{v.name: at.total[v] for v in d.order}}
json.dump({{"seconds": t3 - t0, "stages": {{"parse": t1 - t0, "derive": t2 - t1, "evaluate": t3 - t2}},
           "forms_s": forms, "edges": edges, "total": total}}, open({out!r}, "w"))
"""

CASADI = SETUP + r"""
import casadi
from benchmarks.scalar import casadi_builder
build, names = casadi_builder(text)
w = casadi.SX.sym("w")
casadi.Function("g", [w], [casadi.gradient(casadi.sin(w), w)])(0.5)  # imports done before timing
t0 = time.perf_counter()
eps = casadi.SX.sym("eps", len(names))
x = casadi.SX.sym("x", len(names))
values = build(eps, x)
grad = casadi.gradient(values[target], eps)
f = casadi.Function("f", [x, eps], [grad])
out = f([0.3] * len(names), [0.0] * len(names))
t1 = time.perf_counter()
total = dict(zip(names, out.full().ravel().tolist()))
json.dump({{"seconds": t1 - t0, "total": total}}, open({out!r}, "w"))
"""


def system_text(kind, n):
    """``(equation text, target name)`` of the ``kind`` system with ``n`` variables."""
    if kind == "sparse":
        from random_systems import random_system

        return random_system(n, seed=1), "E"
    lines = [f"z{i} = " + " + ".join(f"0.001*sin(z{j})" for j in range(1, i)) for i in range(2, n + 1)]
    return "\n".join(lines) + "\n", f"z{n}"


CASADI_NAMES = {"abs": "casadi.fabs", "asin": "casadi.asin", "acos": "casadi.acos", "atan": "casadi.atan",
                "sigmoid": "sigmoid", "softplus": "softplus", "relu": "relu"}


def casadi_builder(text):
    """A Python function ``build(eps, x) -> {name: SX}`` for the equations of ``text``.

    Each variable is its definition plus its own ``eps`` entry (inputs: ``x`` plus ``eps``),
    so that the gradient with respect to ``eps`` is the ordered derivative of every variable.
    ``text`` is the seeded text from :func:`system_text`, never user input.
    """
    import re

    import casadi

    equations = [line.split("=", 1) for line in text.splitlines() if line.strip()]
    defined = [lhs.strip() for lhs, _ in equations]
    used = dict.fromkeys(re.findall(r"\b[A-Za-z_]\w*\b(?!\s*\()", text))
    names = [u for u in used if u not in defined] + defined
    slot = {name: k for k, name in enumerate(names)}
    body = [f"    {name} = x[{slot[name]}] + eps[{slot[name]}]" for name in names if name not in defined]
    for lhs, rhs in equations:
        rhs = re.sub(r"\b([a-z]+)\(", lambda m: CASADI_NAMES.get(m.group(1), "casadi." + m.group(1)) + "(", rhs)
        body.append(f"    {lhs.strip()} = {rhs.replace('^', '**').strip()} + eps[{slot[lhs.strip()]}]")
    body.append("    return {" + ", ".join(f"{n!r}: {n}" for n in names) + "}")
    source = "def build(eps, x):\n" + "\n".join(body) + "\n"
    namespace = {"casadi": casadi, "sigmoid": lambda v: 1 / (1 + casadi.exp(-v)),
                 "softplus": lambda v: casadi.log(1 + casadi.exp(v)), "relu": lambda v: casadi.fmax(v, 0)}
    exec(compile(source, "<casadi system>", "exec"), namespace)  # safe: built from seeded generated text
    return namespace["build"], names


def run_child(template, kind, n):
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out.json")
        code = template.format(root=str(ROOT), tests=str(ROOT / "tests"), kind=kind, n=n, out=out)
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        return json.load(open(out))


def have_casadi():
    try:
        import casadi  # noqa: F401
    except ImportError:
        return False
    return True


def disagreements(a, b):
    """The variables whose ordered derivatives differ beyond the tolerance."""
    return [v for v in a if abs(a[v] - b[v]) > max(REL * max(abs(a[v]), abs(b[v])), ABS)]


def run(smoke=False, repeat=3, log=None):
    """Time both tools; rows ``{"benchmark", "size", "edges", "tool", "median_s", "min_s", "max_s"}``.

    orderdiff rows also carry ``stages`` (median seconds of parse, derive, evaluate) and
    ``forms_s`` (median seconds of building every recursive form); the
    ``orderdiff+forms`` rows time the job with the forms. casadi rows carry ``agree``
    (whether every variable agreed). Raises ``AssertionError`` if the tools disagree.
    """
    sizes = SMOKE_SIZES if smoke else SIZES
    casadi_ok = have_casadi()
    rows = []
    for kind, ns in sizes.items():
        for n in ns:
            runs = [run_child(ORDERDIFF, kind, n) for _ in range(repeat)]
            edges = runs[0]["edges"]
            stages = {s: statistics.median(r["stages"][s] for r in runs) for s in runs[0]["stages"]}
            forms = statistics.median(r["forms_s"] for r in runs)
            rows.append(summary(kind, n, edges, "orderdiff", [r["seconds"] for r in runs],
                                stages=stages, forms_s=forms))
            rows.append(summary(kind, n, edges, "orderdiff+forms", [r["seconds"] + r["forms_s"] for r in runs]))
            if log:
                log(rows[-2])
                log(rows[-1])
            if not casadi_ok:
                continue
            peers = [run_child(CASADI, kind, n) for _ in range(repeat)]
            bad = disagreements(runs[0]["total"], peers[0]["total"])
            assert not bad, f"{kind} {n}: orderdiff and CasADi disagree at {bad[:5]}"
            rows.append(summary(kind, n, edges, "casadi", [r["seconds"] for r in peers], agree=True))
            if log:
                log(rows[-1])
    return rows


def summary(kind, n, edges, tool, seconds, **extra):
    return {"benchmark": kind, "size": n, "edges": edges, "tool": tool, "median_s": statistics.median(seconds),
            "min_s": min(seconds), "max_s": max(seconds), **extra}


def table(rows):
    head = (f"{'benchmark':<9} {'size':>6} {'edges':>7}  {'tool':<15} {'median s':>9} {'min-max s':>15}"
            f"  {'ratio':>6}  {'parse/derive/evaluate s':<24} {'+forms s':>14}")
    lines = [head]
    medians = {(r["benchmark"], r["size"], r["tool"]): r["median_s"] for r in rows}
    for r in rows:
        peer = medians.get((r["benchmark"], r["size"], "casadi"))
        ratio = f"{r['median_s'] / peer:6.2f}" if r["tool"].startswith("orderdiff") and peer else ""
        stages = "/".join(f"{s:.2f}" for s in r["stages"].values()) if "stages" in r else ""
        forms = f"{r['forms_s']:.2f}" if r.get("forms_s") is not None else ""
        lines.append(f"{r['benchmark']:<9} {r['size']:>6} {r['edges']:>7}  {r['tool']:<15} {r['median_s']:9.3f} "
                     f"{r['min_s']:7.3f}-{r['max_s']:<7.3f}  {ratio:>6}  {stages:<24} {forms:>14}")
    return "\n".join(lines)


CASADI_CLI = r"""
import json, sys
sys.path.insert(0, {root!r})
import casadi
from benchmarks.scalar import casadi_builder
text = open({path!r}).read()
build, names = casadi_builder(text)
eps = casadi.SX.sym("eps", len(names))
x = casadi.SX.sym("x", len(names))
values = build(eps, x)
f = casadi.Function("f", [x, eps], [casadi.gradient(values[{target!r}], eps)])
out = f([0.3] * len(names), [0.0] * len(names))
json.dump(dict(zip(names, out.full().ravel().tolist())), sys.stdout)
"""


def timed_process(argv, out_path):
    """Wall seconds and peak resident memory (bytes) of one child process, its output to ``out_path``."""
    import os
    import time

    with open(out_path, "w") as out:
        t0 = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - t0
    assert status == 0, f"{argv[:4]} failed with status {status}"
    return seconds, usage.ru_maxrss * 1024


def cli_rows(sizes, repeat=3, casadi=True):
    """Whole processes: ``orderdiff derive --form recursive --format json --at`` against CasADi."""
    if str(ROOT / "tests") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests"))
    rows = []
    for n in sizes:
        text, target = system_text("sparse", n)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "big.eqs"
            path.write_text(text)
            import re

            defined = {line.split("=", 1)[0].strip() for line in text.splitlines() if line.strip()}
            inputs = [u for u in dict.fromkeys(re.findall(r"\b[A-Za-z_]\w*\b(?!\s*\()", text)) if u not in defined]
            at = ",".join(f"{name}=0.3" for name in inputs)
            ours = [sys.executable, "-m", "orderdiff", "derive", str(path), "--form", "recursive",
                    "--format", "json", "--at", at]
            peer = [sys.executable, "-c", CASADI_CLI.format(root=str(ROOT), path=str(path), target=target)]
            times, peaks, peer_times = [], [], []
            for _ in range(repeat):
                s, peak = timed_process(ours, Path(tmp) / "ours.json")
                times.append(s)
                peaks.append(peak)
                if casadi:
                    peer_times.append(timed_process(peer, Path(tmp) / "peer.json")[0])
            doc = json.load(open(Path(tmp) / "ours.json"))
            edges = sum(len(set(re.findall(r"\b[A-Za-z_]\w*\b(?!\s*\()", line.split("=", 1)[1])))
                        for line in text.splitlines() if line.strip())
            if casadi:
                peer_total = json.load(open(Path(tmp) / "peer.json"))
                ours_total = {v: node["total_value"] for v, node in doc["nodes"].items()}
                bad = disagreements(ours_total, peer_total)
                assert not bad, f"cli {n}: orderdiff and CasADi disagree at {bad[:5]}"
        rows.append(summary("cli", n, edges, "orderdiff", times, peak_mb=max(peaks) / 2**20))
        if casadi:
            rows.append(summary("cli", n, edges, "casadi", peer_times, agree=True))
    return rows


def cli_table(rows):
    lines = [f"{'job':<4} {'size':>7}  {'tool':<10} {'median s':>9} {'min-max s':>15}  {'ratio':>6}  {'peak MB':>8}"]
    medians = {(r["size"], r["tool"]): r["median_s"] for r in rows}
    for r in rows:
        peer = medians.get((r["size"], "casadi"))
        ratio = f"{r['median_s'] / peer:6.2f}" if r["tool"] == "orderdiff" and peer else ""
        peak = f"{r['peak_mb']:8.0f}" if "peak_mb" in r else ""
        lines.append(f"{'cli':<4} {r['size']:>7}  {r['tool']:<10} {r['median_s']:9.3f} "
                     f"{r['min_s']:7.3f}-{r['max_s']:<7.3f}  {ratio:>6}  {peak:>8}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (sparse 40, 100; dense 10, 20)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per size and tool (default 3, smoke 1)")
    parser.add_argument("--cli", action="store_true",
                        help="whole processes: orderdiff derive --form recursive --format json --at, against CasADi")
    parser.add_argument("--sizes", default="1000,10000", help="with --cli: variables of the sparse systems")
    args = parser.parse_args(argv)
    if args.cli:
        rows = cli_rows([int(n) for n in args.sizes.split(",")], args.repeat or 3, casadi=have_casadi())
        print(cli_table(rows))
        return
    if not have_casadi():
        print("casadi is not installed: timing orderdiff only (pip install casadi to compare)")
    repeat = args.repeat or (1 if args.smoke else 3)
    rows = run(smoke=args.smoke, repeat=repeat)
    print(table(rows))
    if have_casadi():
        print(f"orderdiff and CasADi agree on every ordered derivative (relative {REL:g}, absolute {ABS:g})")


if __name__ == "__main__":
    main()
