"""Every kind of bad input through the ``orderdiff`` command.

Each case checks the exit status (1 for bad input, 2 for click usage errors), the
``FILE:LINE:COL: message`` line, the offending source line with a caret under the
column, and that no traceback is shown. Inputs that could hang or exhaust the stack
run in a subprocess with a timeout.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from orderdiff.cli import main
from orderdiff.functions import FUNCTIONS

KNOWN = "  known functions: " + ", ".join(FUNCTIONS)
CYCLE_HINT = "  an equation may only use variables defined without it; break the cycle"


def write(tmp_path, content, name="eqs.txt"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def invoke(args, input=None):
    return CliRunner().invoke(main, args, input=input)


def assert_failed_cleanly(result, status=1):
    """Exit ``status`` through ``sys.exit``, not an exception escaping the command; no traceback."""
    assert result.exit_code == status, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


def assert_points_at(output, where, message, source, col, notes=()):
    """``where: message`` (message a regular expression), the source line, a caret at ``col``, the notes."""
    lines = output.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith(where + ": ")]
    assert heads, f"no line starts with {where!r}:\n{output}"
    i = heads[0]
    assert re.fullmatch(re.escape(where) + ": " + message, lines[i]), lines[i]
    assert lines[i + 1] == "    " + source
    assert lines[i + 2] == "    " + " " * (col - 1) + "^"
    for k, note in enumerate(notes):
        assert re.fullmatch(note, lines[i + 3 + k]), (note, lines[i + 3 + k])


# --- errors in the equation file -------------------------------------------------------------

FILE_ERRORS = [
    # id, file content, line, col, message (regular expression), source line (None: from the file), notes
    ("syntax", "y = 2*x\nE = y +* 3\n", 2, 8, r"expected an expression, found '\*'", None, ()),
    ("continued-line", "y = a + \\\n  b +* c\n", 2, 6, r"expected an expression, found '\*'", None, ()),
    ("non-utf8", b"y = 2*x\nE = s\xffin(y)\n", 2, 6, r"invalid UTF-8 byte 0xff \(the file must be UTF-8\)",
     "E = s\ufffdin(y)", ()),
    ("unknown-function", "h = sigmod(z)\nE = h**2\n", 1, 5,
     r"unknown function 'sigmod' \(did you mean 'sigmoid'\?\)", None, (re.escape(KNOWN),)),
    ("attribute", "y = a.b\n", 1, 6, r"attribute access is not supported", None, ()),
    ("subscript", "y = a[1]\n", 1, 6, r"brackets are not supported \(no subscripts, lists or comprehensions\)",
     None, ()),
    ("lambda", "y = lambda x: x\n", 1, 5, r"'lambda' is a Python keyword: lambdas are not supported", None, ()),
    ("list-comprehension", "y = [x for x in z]\n", 1, 5,
     r"brackets are not supported \(no subscripts, lists or comprehensions\)", None, ()),
    ("generator", "y = (x for x in z)\n", 1, 8,
     r"'for' is a Python keyword: comprehensions and loops are not supported", None, ()),
    ("single-quoted-string", "y = 'abc'\n", 1, 5, r"strings are not supported", None, ()),
    ("double-quoted-string", 'y = 2*x\nE = y + "abc"\n', 2, 9, r"strings are not supported", None, ()),
    ("keyword-argument", "y = sin(x=1)\n", 1, 9, r"keyword arguments are not supported", None, ()),
    ("walrus", "y = (a := 3)\n", 1, 8,
     r"assignment expressions \(:=\) are not supported; write one equation per line", None, ()),
    ("defined-twice", "y = 2*x\nz = y\ny = 3*x\n", 3, 1,
     r"'y' is defined twice \(first defined on line 1\); each variable is defined once", None, ()),
    ("self-reference", "a = 1\nx = x + 1\nE = x + a\n", 2, 1, r"'x' is defined in terms of itself \(x -> x\)", None,
     (r"  equations on the cycle:", r"    line 2: x = x \+ 1", re.escape(CYCLE_HINT))),
    ("cycle-of-three", "a = c + 1\nb = a*2\nc = b - u\nE = c\n", 1, 1,
     r"the equations form a cycle: c -> a -> b -> c", None,
     (r"  equations on the cycle:", r"    line 1: a = .*", r"    line 2: b = .*", r"    line 3: c = .*",
      re.escape(CYCLE_HINT))),
    ("division-by-zero", "y = 1/0\n", 1, 6, r"division by zero", None, ()),
    ("log-zero", "y = log(0)\n", 1, 5, r".*\blog\b.* is not a finite number.*", None, ()),
    ("function-as-variable", "exp = 3\n", 1, 1,
     r"'exp' is the name of a function; choose another variable name", None, ()),
    ("function-without-call", "y = exp\n", 1, 5, r"'exp' is a function; call it as exp\(\.\.\.\)", None, ()),
    ("missing-operator", "y = 2x\n", 1, 6, r"missing operator before 'x'", None, ()),
    ("unclosed-parenthesis", "y = (x + 1\n", 1, 11, r"expected '\)', found end of line", None, ()),
    ("unmatched-parenthesis", "y = x + 1)\n", 1, 10, r"unmatched '\)'", None, ()),
    ("unicode-name", "y = \u03b1\n", 1, 5,
     r"unexpected character '\u03b1'; names are ASCII letters, digits and underscores", None, ()),
    ("double-equals", "y == x\n", 1, 3,
     r"comparisons are not supported; '=' separates the variable from its expression", None, ()),
    ("tower-of-powers", "y = 2**10**10**10\n", 1, 10,
     r"the number 10\*\*10000000000 is too large \(about 1e\+10 digits; "
     r"orderdiff keeps exact numbers up to 4000 digits\)", None, ()),
]


@pytest.mark.parametrize("content, line, col, message, source, notes", [c[1:] for c in FILE_ERRORS],
                         ids=[c[0] for c in FILE_ERRORS])
def test_bad_file(tmp_path, content, line, col, message, source, notes):
    path = write(tmp_path, content)
    if source is None:
        source = content.split("\n")[line - 1]
    result = invoke(["derive", path])
    assert_failed_cleanly(result)
    assert result.stdout == ""
    assert_points_at(result.stderr, f"{path}:{line}:{col}", message, source, col, notes)


@pytest.mark.parametrize("content", ["", "# only a comment\n\n   # and another\n", "\n\n\n"],
                         ids=["empty", "only-comments", "only-blank-lines"])
def test_file_without_equations(tmp_path, content):
    path = write(tmp_path, content)
    result = invoke(["derive", path])
    assert_failed_cleanly(result)
    assert result.stderr.splitlines()[0] == (
        f"{path}:1:1: the file has no equations (expected lines of the form 'name = expression')")


def test_the_file_name_is_printed_as_given(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    write(tmp_path, "y = 2*x\nE = y +* 3\n", name="sub/eqs.txt")
    monkeypatch.chdir(tmp_path)
    result = invoke(["derive", "sub/eqs.txt"])
    assert_failed_cleanly(result)
    assert_points_at(result.stderr, "sub/eqs.txt:2:8", r"expected an expression, found '\*'", "E = y +* 3", 8)


def test_check_reports_bad_files_too(tmp_path):
    path = write(tmp_path, "y = sigmod(x)\n")
    result = invoke(["check", path])
    assert_failed_cleanly(result)
    assert_points_at(result.stderr, f"{path}:1:5", r"unknown function 'sigmod' \(did you mean 'sigmoid'\?\)",
                     "y = sigmod(x)", 5, (re.escape(KNOWN),))


@pytest.mark.parametrize("command", [["derive", "{path}", "--at", "x=1"], ["check", "{path}"]], ids=["derive", "check"])
@pytest.mark.parametrize("content", ["y = sqrt(-1)*x\n", "y = log(-1)*x\n"], ids=["sqrt", "log"])
def test_imaginary_constant_is_a_clean_error(tmp_path, content, command):
    path = write(tmp_path, content)
    result = invoke([a.format(path=path) for a in command])
    assert_failed_cleanly(result)
    assert re.match(re.escape(path) + r":1:\d+: ", result.stderr), result.stderr


@pytest.mark.parametrize("content, value", [
    ("y = exp(1)*x\n", "2.71828"),
    ("y = acos(-1)*x\n", "3.14159"),
    ("y = 4*atan(1)*x\n", "3.14159"),
], ids=["e", "pi", "pi-over-4"])
def test_constants_e_and_pi_evaluate(tmp_path, content, value):
    path = write(tmp_path, content)
    result = invoke(["derive", path, "--at", "x=1", "--ascii"])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert result.stdout.splitlines()[-1].endswith(" = " + value)
    result = invoke(["check", path])
    assert result.exit_code == 0 and result.exception is None, result.output


# --- errors in the options -------------------------------------------------------------------

RNN = "z2 = 2*z1\nE = z2**2\n"

AT_ERRORS = [
    # id, command, --at text, col, message
    ("not-a-number", "derive", "z1=abc", 4, r"expected a number after 'z1='"),
    ("no-name", "derive", "=3", 1, r"expected NAME=NUMBER, e.g\. z1=0\.5,x=2"),
    ("given-twice", "derive", "z1=1,z1=2", 6, r"'z1' is given twice"),
    ("empty", "derive", "", 1, r"no values given \(expected NAME=NUMBER, e\.g\. z1=0\.5,x=2\)"),
    ("second-not-a-number", "derive", "z1=1, x=", 9, r"expected a number after 'x='"),
    ("check-not-a-number", "check", "z1=abc", 4, r"expected a number after 'z1='"),
]


@pytest.mark.parametrize("command, at, col, message", [c[1:] for c in AT_ERRORS], ids=[c[0] for c in AT_ERRORS])
def test_malformed_at_points_into_the_at_text(tmp_path, command, at, col, message):
    path = write(tmp_path, RNN)
    result = invoke([command, path, "--at", at])
    assert_failed_cleanly(result)
    assert result.stdout == ""
    assert_points_at(result.stderr, f"--at:1:{col}", message, at, col)


@pytest.mark.parametrize("at", ["z1=0.5 x=2", "z1=0.5;x=2"], ids=["space", "semicolon"])
def test_at_values_without_a_comma(tmp_path, at):
    path = write(tmp_path, "z2 = 2*z1\nE = z2*x\n")
    result = invoke(["derive", path, "--at", at])
    assert_failed_cleanly(result)
    head = result.stderr.splitlines()[0]
    assert head.startswith("--at:1:7: ") and "','" in head and "expected a number" not in head, head


TWO_INPUTS = "y = 2*x*w\nE = y\n"

OPTION_ERRORS = [
    # id, file, options, message (regular expression)
    ("unknown-target", "y = 2*x\nloss = y + x\n", ["--target", "los"],
     r"unknown target 'los' \(did you mean 'loss'\?\); the variables are x, y, loss"),
    ("several-sinks", "y = 2*x\nE = y + x\nF = y\n", [],
     r"2 variables are used by no other equation: E, F; choose the target with --target"),
    ("missing-input", TWO_INPUTS, ["--at", "x=1"], r"missing value for w \(the inputs are x, w\)"),
    ("extra-input", TWO_INPUTS, ["--at", "x=1,w=2,q=3"], r"q is not an input \(the inputs are x, w\)"),
    ("extra-inputs", TWO_INPUTS, ["--at", "x=1,w=2,q=3,r=4"], r"q, r are not inputs \(the inputs are x, w\)"),
    ("unknown-wrt", TWO_INPUTS, ["--wrt", "x,yy"],
     r"unknown variable 'yy' \(did you mean 'y'\?\); the variables are x, w, y, E"),
]


@pytest.mark.parametrize("content, options, message", [c[1:] for c in OPTION_ERRORS],
                         ids=[c[0] for c in OPTION_ERRORS])
def test_bad_option_value(tmp_path, content, options, message):
    path = write(tmp_path, content)
    result = invoke(["derive", path, *options])
    assert_failed_cleanly(result)
    assert result.stdout == ""
    assert any(re.fullmatch(r".*: " + message, line) for line in result.stderr.splitlines()), result.stderr


LOCATED_OPTION_ERRORS = [
    # id, file, options, where (regular expression), source, col
    ("unknown-target", "y = 2*x\nloss = y + x\n", ["--target", "los"], r"--target:1:1", "los", 1),
    ("unknown-wrt", TWO_INPUTS, ["--wrt", "x,yy"], r"--wrt:1:3", "x,yy", 3),
    ("extra-input", TWO_INPUTS, ["--at", "x=1,w=2,q=3"], r"--at:1:9", "x=1,w=2,q=3", 9),
    # no single right column: the first use of w, or the end of the --at text
    ("missing-input", TWO_INPUTS, ["--at", "x=1"], r"(?:{path}|--at):1:\d+", None, None),
    ("several-sinks", "y = 2*x\nE = y + x\nF = y\n", [], r"{path}:\d+:\d+", None, None),
]


@pytest.mark.parametrize("content, options, where, source, col", [c[1:] for c in LOCATED_OPTION_ERRORS],
                         ids=[c[0] for c in LOCATED_OPTION_ERRORS])
def test_bad_option_value_is_located(tmp_path, content, options, where, source, col):
    path = write(tmp_path, content)
    result = invoke(["derive", path, *options])
    assert_failed_cleanly(result)
    lines = result.stderr.splitlines()
    assert re.match(where.format(path=re.escape(path)) + ": ", lines[0]), lines[0]
    assert lines[1].startswith("    ") and lines[2].strip() == "^"
    if source is not None:
        assert lines[1] == "    " + source
        assert lines[2] == "    " + " " * (col - 1) + "^"


# --- options of scalar files given a block file ---------------------------------------------

ELMAN = str(Path(__file__).resolve().parent.parent / "examples" / "elman.eqs")


def test_check_at_on_a_block_file_says_to_leave_it_out():
    result = invoke(["check", ELMAN, "--at", "x=1"])
    assert_failed_cleanly(result)
    assert result.stdout == ""
    head = result.stderr.splitlines()[0]
    assert head.startswith(f"{ELMAN}: --at applies to scalar equation files, not to block files; "), head
    assert "leave out --at" in head and "--points" in head and "--seed" in head, head
    assert "'orderdiff check'" not in head, head  # not the command that was just run


def test_derive_at_on_a_block_file_points_to_check():
    result = invoke(["derive", ELMAN, "--at", "x=1"])
    assert_failed_cleanly(result)
    assert "'orderdiff check'" in result.stderr.splitlines()[0]


def test_rnn_output_file_that_cannot_be_written(tmp_path):
    path = str(tmp_path / "missing" / "elman.eqs")
    result = invoke(["rnn", "--print-eqs", "-o", path])
    assert_failed_cleanly(result)
    assert result.stderr.startswith(f"{path}: cannot write the output: ")


# --- click usage errors: status 2 ------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["derive", "{path}", "--bogus"], "No such option"),
    (["derive"], "Missing argument 'FILE'"),
    (["check"], "Missing argument 'FILE'"),
    (["derive", "{path}", "--form", "wrong"], "Invalid value for '--form'"),
    (["derive", "{path}", "--budget", "0"], "Invalid value for '--budget'"),
    (["check", "{path}", "--tol", "0"], "Invalid value for '--tol'"),
    (["differentiate", "{path}"], "No such command 'differentiate'"),
    (["rnn", "--head", "linear"], "Invalid value for '--head'"),
], ids=["unknown-option", "missing-file-derive", "missing-file-check", "bad-form", "bad-budget", "bad-tol",
        "unknown-command", "bad-head"])
def test_usage_errors_exit_2(tmp_path, args, message):
    path = write(tmp_path, RNN)
    result = invoke([a.format(path=path) for a in args])
    assert_failed_cleanly(result, status=2)
    assert "Usage:" in result.output
    assert "Error: " + message in result.output


def test_missing_file_is_a_clean_error(tmp_path):
    path = str(tmp_path / "nowhere.eqs")
    result = invoke(["derive", path])
    assert result.exit_code in (1, 2)  # either a click usage error or a clean 'cannot read' message
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert path in result.output
    assert "Traceback" not in result.output


# --- correct input ---------------------------------------------------------------------------

WERBOS = "z2 = 2*z1\nz3 = 3*z2 + z1\nz4 = 4*z3 + 2*z2 + z1\nE  = 4*z4 + 2*z2\n"


def test_check_a_correct_file(tmp_path):
    result = invoke(["check", write(tmp_path, WERBOS)])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert re.fullmatch(r"OK: all 5 ordered derivatives agree \(worst error \S+\)", result.stdout.splitlines()[-1])


def test_rnn_writes_the_chosen_head_to_its_output_file(tmp_path):
    path = tmp_path / "elman.eqs"
    result = invoke(["rnn", "--head", "linear-mse", "--print-eqs", "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    text = path.read_text(encoding="utf-8")
    assert "y[t]  = zo[t]\n" in text and "squared_error(yhat[t], y[t])" in text and "softmax" not in text


def test_dash_reads_standard_input():
    result = invoke(["derive", "-", "--at", "z1=1", "--ascii"], input=WERBOS)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("target: E\n")
    assert "d+E/dz1 = " in result.stdout


def test_check_dash_reads_standard_input():
    result = invoke(["check", "-"], input=WERBOS)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("OK: all 5 ordered derivatives agree")


def test_errors_on_standard_input_are_located_as_dash():
    result = invoke(["derive", "-"], input="y = 2*x\nE = y +* 3\n")
    assert_failed_cleanly(result)
    assert_points_at(result.stderr, "-:2:8", r"expected an expression, found '\*'", "E = y +* 3", 8)


# --- nothing in the file is executed ---------------------------------------------------------

PAYLOADS = [
    # id, equation (with {marker}), col, message
    ("import", "y = __import__('os').system('touch {marker}')", 16, r"strings are not supported"),
    ("eval", "y = eval(\"__import__('os').system('touch {marker}')\")", 10, r"strings are not supported"),
    ("lambda", "y = (lambda: __import__('os').system('touch {marker}'))()", 6,
     r"'lambda' is a Python keyword: lambdas are not supported"),
    ("dunder", "y = ().__class__.__base__.__subclasses__()", 7, r"attribute access is not supported"),
    ("function", "y = system(x)", 5, r"unknown function 'system'.*"),
    ("statement", "import os", 1, r"'import' is a Python keyword: Python keywords are not supported"),
]


@pytest.mark.parametrize("equation, col, message", [p[1:] for p in PAYLOADS], ids=[p[0] for p in PAYLOADS])
def test_nothing_is_executed(tmp_path, monkeypatch, equation, col, message):
    monkeypatch.chdir(tmp_path)  # a payload that ran would create the marker here
    marker = tmp_path / "PWNED_orderdiff"
    line = equation.format(marker=marker.name)
    path = write(tmp_path, f"z = 1\n{line}\n")
    result = invoke(["derive", path])
    assert_failed_cleanly(result)
    assert_points_at(result.stderr, f"{path}:2:{col}", message, line, col)
    assert not marker.exists()


# --- inputs that could hang or overflow the stack: in a subprocess with a timeout -------------


def run_orderdiff(path, timeout):
    return subprocess.run([sys.executable, "-m", "orderdiff", "derive", path],
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def test_tower_of_powers_fails_fast(tmp_path):
    path = write(tmp_path, "y = 2**10**10**10\n")
    proc = run_orderdiff(path, timeout=20)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert_points_at(proc.stderr, f"{path}:1:10", r"the number 10\*\*10000000000 is too large \(.*\)",
                     "y = 2**10**10**10", 10)


def test_deeply_nested_parentheses_are_refused_without_recursion_error(tmp_path):
    path = write(tmp_path, "y = " + "(" * 10_000 + "x" + ")" * 10_000 + "\n")
    proc = run_orderdiff(path, timeout=20)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "RecursionError" not in proc.stderr
    head, shown, caret = proc.stderr.splitlines()[:3]
    assert head == f"{path}:1:55: expression nested too deeply (more than 50 levels)"
    # the long line is cut to a window around the column; the caret sits under the 51st "("
    assert shown.startswith("    ...") and shown.endswith("...") and len(shown) < 120
    assert caret.strip() == "^" and shown[caret.index("^")] == "("
    assert shown[4:caret.index("^") + 1] == "..." + "(" * (caret.index("^") - 6)


def test_a_hundred_thousand_linear_equations(tmp_path):
    lines = [f"z{i} = 2*z{i - 1} + 1" for i in range(1, 100_001)] + ["E = z100000"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    proc = run_orderdiff(path, timeout=300)
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 1)
    if proc.returncode == 0:
        assert proc.stdout.startswith("target: E\n")
    else:
        assert proc.stderr.startswith(f"{path}:")


@pytest.mark.parametrize("command", ["derive", "check"])
def test_an_input_named_like_a_constant_gets_a_note(tmp_path, command):
    path = write(tmp_path, "y = sin(pi*x)\nE = y^2 + e*x\n")
    result = CliRunner().invoke(main, [command, path])
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert f"{path}: note: 'pi' is an input variable, not the constant π" in result.stderr
    assert "write 3.141592653589793 instead" in result.stderr and "write exp(1) instead" in result.stderr
    assert "note:" not in result.stdout


def test_no_note_where_the_file_defines_the_name(tmp_path):
    path = write(tmp_path, "pi = 3.141592653589793\ny = sin(pi*x)\nE = y^2\n")
    result = CliRunner().invoke(main, ["derive", path])
    assert result.exit_code == 0 and result.stderr == ""
