"""A corpus of hostile and unusual block files, each run through the command line with a
time and memory limit.

Each file in ``tests/hostile/`` says on its first line what must happen:

- ``# expect: checks``: ``orderdiff derive`` prints the derivation and ``orderdiff check``
  finds every gradient within its tolerance (both exit 0);
- ``# expect: refused at LINE``: ``orderdiff derive`` exits 1 with one located message
  (``FILE:LINE:COL: ...``, the source line, a caret) and nothing else;
- ``# expect: derives, check refused at LINE``: the derivation prints, but the file asks
  for what the generated program cannot compute, and ``orderdiff check`` says so there.

No run may show a traceback, outlast its time limit or outgrow its memory limit, and no
payload written into a file may run (each would create ``PWNED`` in the working
directory). The large inputs (10,000 equations, a 1 MB line, 1,000 unrolled steps) are
written by the tests here rather than kept as files.
"""

import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = sorted((Path(__file__).parent / "hostile").glob("*.eqs"))
EXAMPLES = Path(__file__).parent.parent / "examples"
TIME_LIMIT_S = 60  # a guard against hangs, not a speed target (those are in benchmarks/)
MEMORY_LIMIT = 3 << 30
LOCATED = re.compile(r"(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)")


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def orderdiff(*args, cwd):
    """``orderdiff ARGS`` in a subprocess under the time and memory limits."""
    proc = subprocess.run([sys.executable, "-m", "orderdiff", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", timeout=TIME_LIMIT_S,
                          preexec_fn=_limit_memory)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert not (Path(cwd) / "PWNED").exists()
    return proc


def expectation(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# expect: (checks|refused|derives, check refused)(?: at (\d+))?", first)
    assert match and (match[1] != "checks") == bool(match[2]), f"{path.name}: the first line must say what to expect"
    return match[1], int(match[2] or 0)


def assert_refused_at(proc, line):
    """Exit 1 with one message located at ``line``: the message, the source line, a caret."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    head = LOCATED.fullmatch(lines[0])
    assert head, lines[0]
    assert int(head["line"]) == line, lines[0]
    assert len(head["message"]) < 300, "a message of one line"
    assert re.fullmatch(r" +\^", lines[2]), lines[2]
    assert len(proc.stderr) < 2000, "one message, not a listing"


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_each_hostile_file_derives_and_checks_or_is_refused_at_its_line(path, tmp_path):
    kind, line = expectation(path)
    derived = orderdiff("derive", path, cwd=tmp_path)
    if kind == "refused":
        assert_refused_at(derived, line)
        return
    assert derived.returncode == 0, derived.stderr
    checked = orderdiff("check", path, cwd=tmp_path)
    if kind == "derives, check refused":
        assert_refused_at(checked, line)
        return
    assert checked.returncode == 0, checked.stdout + checked.stderr


def chain(k):
    """``k`` equations, each the tanh of the one before, on one recurrence."""
    lines = ["dim n", "input x[t]: n", "param W: n, n", "init h[0] = 0",
             "h0[t] = tanh(W @ h[t-1] + x[t])"]
    lines += [f"h{i}[t] = tanh(h{i - 1}[t])" for i in range(1, k)]
    lines += [f"h[t] = h{k - 1}[t]", "C = sum_t(sum(h[t] * h[t]))"]
    return "\n".join(lines) + "\n"


def long_line(terms):
    """One equation of ``terms`` terms: a line of about 7 bytes a term."""
    return ("dim n\ninput x[t]: n\nparam W: n, n\ninit h[0] = 0\n"
            "h[t] = tanh(W @ h[t-1] + " + " + ".join(["x[t]"] * terms) + ")\n"
            "C = sum_t(sum(h[t] * h[t]))\n")


@pytest.mark.parametrize("text", [chain(10_000), long_line(150_000)], ids=["10000_equations", "1MB_line"])
def test_large_files_answer_within_the_limits(text, tmp_path):
    path = tmp_path / "large.eqs"
    path.write_text(text, encoding="utf-8")
    proc = orderdiff("derive", path, cwd=tmp_path)
    assert proc.returncode == 0 or LOCATED.fullmatch(proc.stderr.splitlines()[0]), proc.stderr[:2000]


def test_a_thousand_unrolled_steps_answer_within_the_limits(tmp_path):
    proc = orderdiff("derive", EXAMPLES / "lstm.eqs", "--steps", "1000", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
