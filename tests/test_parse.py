"""Tests of orderdiff.parse / orderdiff.load, System built from sympy objects, and the errors.

Every error class is raised with its message, file, line and column checked; valid
syntax is checked against expressions built directly with sympy (an independent oracle).
"""

import io
import itertools
import math
import re
import sys
import types

import pytest
import sympy
from sympy import Rational

import orderdiff
from orderdiff import (CycleError, DefinitionError, LimitError, OrderdiffError, ParseError, System,
                       TargetError, UnknownFunctionError, UnsupportedExpressionError, ValueInputError,
                       derive, load, parse)

x, y, w = sympy.symbols("x y w")


def rhs(text):
    """The right side of the one equation in ``text``."""
    (eq,) = parse(text).equations.values()
    return eq.expr


def names(symbols):
    return [str(s) for s in symbols]


# --- the hierarchy ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [ParseError, UnknownFunctionError, LimitError, DefinitionError, CycleError,
                                 TargetError, ValueInputError, UnsupportedExpressionError])
def test_every_error_is_an_orderdiff_error(cls):
    assert issubclass(cls, OrderdiffError)
    assert issubclass(OrderdiffError, Exception)
    assert getattr(orderdiff, cls.__name__) is cls


@pytest.mark.parametrize("cls", [UnknownFunctionError, LimitError])
def test_unknown_function_and_limit_errors_are_parse_errors(cls):
    assert issubclass(cls, ParseError)


@pytest.mark.parametrize("cls", [DefinitionError, CycleError, TargetError, ValueInputError,
                                 UnsupportedExpressionError])
def test_other_errors_are_not_parse_errors(cls):
    assert not issubclass(cls, ParseError)


def test_format_prints_location_message_source_caret_and_notes():
    e = ParseError("bad thing", file="eqs.txt", line=3, col=7, source="y = a +* b", notes=["note one"])
    assert e.format() == "eqs.txt:3:7: bad thing\n    y = a +* b\n          ^\nnote one"
    assert str(e) == e.format()
    assert e.message == "bad thing"
    assert (e.file, e.line, e.col, e.source, e.notes) == ("eqs.txt", 3, 7, "y = a +* b", ["note one"])


def test_format_without_location_is_the_message():
    assert OrderdiffError("just this").format() == "just this"
    assert OrderdiffError("m", file="f.eqs").format() == "f.eqs: m"


def test_located_fills_in_only_a_missing_file():
    assert OrderdiffError("m").located("a.eqs").file == "a.eqs"
    assert OrderdiffError("m", file="b.eqs").located("a.eqs").file == "b.eqs"


def test_format_cuts_a_long_line_around_the_column():
    source = "y = " + "a + " * 100 + "$"
    col = len(source)
    shown, caret = OrderdiffError("m", file="f", line=1, col=col, source=source).format().splitlines()[1:3]
    assert shown.startswith("    ...") and shown.endswith("$")
    assert caret.index("^") == shown.index("$")


def test_format_expands_tabs_so_the_caret_lines_up():
    e = ParseError("m", file="f", line=1, col=7, source="y =\tq $")
    shown, caret = e.format().splitlines()[1:3]
    assert shown == "    y = q $" and caret.index("^") == shown.index("$")


# --- parse errors: class, message, line, column ----------------------------------------------

PARSE_ERRORS = [
    # id, text, class, line, col, message (a regular expression)
    ("syntax", "y = 2*x\nE = y +* 3\n", ParseError, 2, 8, r"expected an expression, found '\*'"),
    ("empty", "", ParseError, 1, 1, r"the file has no equations \(expected lines of the form 'name = expression'\)"),
    ("only-comments", "# a\n\n   # b\n", ParseError, 1, 1, r"the file has no equations.*"),
    ("unknown-function", "y = sigmod(x)\n", UnknownFunctionError, 1, 5,
     r"unknown function 'sigmod' \(did you mean 'sigmoid'\?\)"),
    ("attribute", "y = a.b\n", ParseError, 1, 6, r"attribute access is not supported"),
    ("subscript", "y = a[1]\n", ParseError, 1, 6, r"brackets are not supported.*"),
    ("lambda", "y = lambda x: x\n", ParseError, 1, 5, r"'lambda' is a Python keyword: lambdas are not supported"),
    ("comprehension", "y = [x for x in z]\n", ParseError, 1, 5, r"brackets are not supported.*"),
    ("generator", "y = (x for x in z)\n", ParseError, 1, 8,
     r"'for' is a Python keyword: comprehensions and loops are not supported"),
    ("string", "y = 'abc'\n", ParseError, 1, 5, r"strings are not supported"),
    ("keyword-argument", "y = sin(x=1)\n", ParseError, 1, 9, r"keyword arguments are not supported"),
    ("walrus", "y = (a := 3)\n", ParseError, 1, 8, r"assignment expressions \(:=\) are not supported.*"),
    ("comparison", "y == x\n", ParseError, 1, 3, r"comparisons are not supported.*"),
    ("missing-operator", "y = 2x\n", ParseError, 1, 6, r"missing operator before 'x'"),
    ("unclosed", "y = (x + 1\n", ParseError, 1, 11, r"expected '\)', found end of line"),
    ("unmatched", "y = x + 1)\n", ParseError, 1, 10, r"unmatched '\)'"),
    ("unicode-name", "y = \u03b1\n", ParseError, 1, 5,
     r"unexpected character '\u03b1'; names are ASCII letters, digits and underscores"),
    ("function-as-variable", "exp = 3\n", ParseError, 1, 1, r"'exp' is the name of a function; choose another.*"),
    ("function-without-call", "y = exp\n", ParseError, 1, 5, r"'exp' is a function; call it as exp\(\.\.\.\)"),
    ("wrong-arity", "y = sin(x, x)\n", ParseError, 1, 5, r"sin\(\) takes exactly one argument \(2 given\)"),
    ("division-by-zero", "y = 1/0\n", ParseError, 1, 6, r"division by zero"),
    ("division-by-zero-expr", "y = x/(a - a)\n", ParseError, 1, 6, r"division by zero"),
    ("zero-negative-power", "y = 0**-1\n", ParseError, 1, 6, r"division by zero \(0 to a negative power\)"),
    ("log-zero", "y = log(0)\n", ParseError, 1, 5, r".*\blog\b.* is not a finite number.*"),
    ("tower", "y = 2**10**10**10\n", LimitError, 1, 10, r"the number 10\*\*10000000000 is too large.*"),
    ("long-literal", "y = 1e5000\n", LimitError, 1, 5, r"number too large, too small or too long \(orderdiff reads numbers exactly, up to 1000 digits\)"),
    ("nested-parentheses", "y = " + "(" * 10_000 + "x" + ")" * 10_000 + "\n", LimitError, 1, 55,
     r"expression nested too deeply \(more than 50 levels\)"),
    ("nested-minus", "y = " + "-" * 60 + "x\n", LimitError, 1, 55, r"expression nested too deeply.*"),
    # the caret is under the "(" of the 51st call
    ("nested-calls", "y = " + "sin(" * 60 + "x" + ")" * 60 + "\n", LimitError, 1, 5 + 4 * 50 + 3,
     r"expression nested too deeply.*"),
    ("defined-twice", "y = 2*x\nz = y\ny = 3*x\n", DefinitionError, 3, 1,
     r"'y' is defined twice \(first defined on line 1\); each variable is defined once"),
    ("self-reference", "a = 1\nx = x + 1\n", CycleError, 2, 1, r"'x' is defined in terms of itself \(x -> x\)"),
    ("cycle", "a = c + 1\nb = a*2\nc = b - u\nE = c\n", CycleError, 1, 1,
     r"the equations form a cycle: c -> a -> b -> c"),
]


@pytest.mark.parametrize("text, cls, line, col, message", [p[1:] for p in PARSE_ERRORS],
                         ids=[p[0] for p in PARSE_ERRORS])
def test_parse_error_class_line_col_and_message(text, cls, line, col, message):
    with pytest.raises(cls, match=message) as info:
        parse(text, file="eqs.txt")
    e = info.value
    assert re.fullmatch(message, e.message)
    assert (e.file, e.line, e.col) == ("eqs.txt", line, col)
    physical = text.split("\n")
    if e.source is not None:
        assert e.source == physical[line - 1]


def test_unknown_function_lists_the_known_functions():
    with pytest.raises(UnknownFunctionError) as info:
        parse("y = sigmod(x)")
    assert info.value.notes == ["  known functions: " + ", ".join(orderdiff.functions.FUNCTIONS)]


def test_cycle_notes_list_each_equation_with_its_line():
    with pytest.raises(CycleError) as info:
        parse("a = c + 1\nb = a*2\nc = b - u\nE = c\n")
    notes = info.value.notes
    assert notes[0] == "  equations on the cycle:"
    assert [re.match(r"    line (\d+): (\w+) = ", n).groups() for n in notes[1:4]] == [
        ("1", "a"), ("2", "b"), ("3", "c")]
    assert notes[4] == "  an equation may only use variables defined without it; break the cycle"
    assert len(notes) == 5


def test_cycle_notes_show_the_equations_as_written():
    with pytest.raises(CycleError) as info:
        parse("a = c + 1\nb = a*2\nc = b - u\nE = c\n")
    assert info.value.notes[1:4] == ["    line 1: a = c + 1", "    line 2: b = a*2", "    line 3: c = b - u"]


@pytest.mark.parametrize("text, line, col, source", [
    ("y = a + \\\n  b +* c\n", 2, 6, "  b +* c"),
    ("y = a + \\\n  b + \\\n    c $\n", 3, 7, "    c $"),
    ("# header\n\ny = 1 + \\\n  (x # open\n", 4, 5, "  (x # open"),
    ("y = 1 + \\\n# a comment line ends the equation\nE = y\n", 1, 8, "y = 1 + \\"),
    ("y = a + \\\n\n", 1, 8, "y = a + \\"),
    ("y = x\r\nE = y +\r\n", 2, 8, "E = y +"),
], ids=["second-line", "third-line", "after-comments", "comment-line-ends-it", "nothing-follows", "crlf"])
def test_error_on_a_continued_line_points_at_the_physical_line(text, line, col, source):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert (info.value.line, info.value.col, info.value.source) == (line, col, source)


# ----- line ends and the byte-order mark: one rule for files, load() and parse(text) -----

LF_TEXT = "z2 = 2*z1\nz3 = 3*z2 + z1\n# the target\nE = 4*z3 + \\\n  2*z2\n"


@pytest.mark.parametrize("end", ["\r\n", "\r", "mixed"])
def test_every_line_end_reads_as_the_unix_file(end):
    lines = LF_TEXT.split("\n")
    text = ("\r\n".join(lines[:2]) + "\r" + "\n".join(lines[2:])) if end == "mixed" else end.join(lines)
    reference, system = parse(LF_TEXT), parse(text)
    assert system.order == reference.order
    z1, z2, z3 = sympy.symbols("z1 z2 z3")
    assert [(e.line, e.expr) for e in system.equations.values()] == [
        (1, 2 * z1), (2, 3 * z2 + z1), (4, 4 * z3 + 2 * z2)]
    # Werbos's chain rule by hand: E = 4*z3 + 2*z2, z3 = 3*z2 + z1, z2 = 2*z1.
    assert derive(system).total[sympy.Symbol("z1")] == 4 * (3 * 2 + 1) + 2 * 2


def test_a_block_file_with_cr_line_ends_derives_as_with_lf():
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "examples" / "elman.eqs").read_text()
    reference, mac = derive(parse(text)), derive(parse("\ufeff" + text.replace("\n", "\r")))
    assert mac.to_text() == reference.to_text()


def test_a_lone_cr_separates_lines_in_error_locations():
    with pytest.raises(UnknownFunctionError) as info:
        parse("z2 = 2*z1\rE = z2 + sigmod(z1)\r")
    assert (info.value.line, info.value.col, info.value.source) == (2, 10, "E = z2 + sigmod(z1)")


@pytest.mark.parametrize("read", ["parse", "load", "stdin"])
def test_a_leading_byte_order_mark_is_ignored_by_every_reader(read, tmp_path, monkeypatch):
    text = "\ufeff" + LF_TEXT
    if read == "parse":
        system = parse(text)
    elif read == "load":
        path = tmp_path / "bom.eqs"
        path.write_bytes(text.encode("utf-8"))
        system = load(path)
    else:
        monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(text.encode("utf-8"))))
        system = load("-")
    assert system.order == parse(LF_TEXT).order
    assert [e.source for e in system.equations.values()][0] == "z2 = 2*z1"


def test_a_byte_order_mark_inside_the_file_is_refused_at_its_column():
    with pytest.raises(ParseError, match=r"unexpected character '\\ufeff'") as info:
        parse("z2 = 2*z1\nE = \ufeffz2\n")
    assert (info.value.line, info.value.col) == (2, 5)


def test_invalid_utf8_after_cr_line_ends_is_located_on_its_line(tmp_path):
    path = tmp_path / "cr.eqs"
    path.write_bytes(b"\xef\xbb\xbfz2 = 2*z1\rE = z2 + q\xff\r")
    with pytest.raises(ParseError, match="invalid UTF-8 byte 0xff") as info:
        load(path)
    assert (info.value.line, info.value.col) == (2, 11)


@pytest.mark.parametrize("text, line, col, source", [
    ("y = a +\\\n$ b\n", 2, 1, "$ b"),
    ("y = a\\\nsigmod(x)\n", 2, 1, "sigmod(x)"),
], ids=["bad-character", "missing-operator"])
def test_error_at_the_start_of_a_continuation_line(text, line, col, source):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert (info.value.line, info.value.col, info.value.source) == (line, col, source)


def test_the_default_file_name_is_string():
    with pytest.raises(ParseError) as info:
        parse("y = $")
    assert info.value.file == "<string>"
    assert str(info.value).startswith("<string>:1:5: unexpected character '$'")


# --- errors of the other classes at the library level ----------------------------------------


def test_unknown_target_is_a_target_error_with_a_suggestion():
    message = r"unknown target 'y2' \(did you mean 'y'\?\); the variables are x, y, E"
    with pytest.raises(TargetError, match=message) as info:
        derive(parse("y = 2*x\nE = y + x", file="eqs.txt"), "y2")
    assert re.fullmatch(message, info.value.message)
    assert (info.value.file, info.value.line, info.value.col) == ("eqs.txt", None, None)


def test_several_sinks_is_a_target_error_naming_them():
    message = r"2 variables are used by no other equation: E, F; choose the target with --target"
    with pytest.raises(TargetError, match=message) as info:
        derive(parse("y = 2*x\nE = y + x\nF = y"))
    assert re.fullmatch(message, info.value.message)


@pytest.mark.parametrize("values, message", [
    ({"x": 1.0}, r"missing input value for w \(the inputs are x, w\)"),
    ({"x": 1.0, "w": 2.0, "q": 3.0}, r"q is not an input \(the inputs are x, w\)"),
    ({"x": 1.0, "w": 2.0, "q": 3.0, "r": 4.0}, r"q, r are not inputs \(the inputs are x, w\)"),
], ids=["missing", "extra", "two-extra"])
def test_bad_values_are_value_input_errors(values, message):
    d = derive(parse("y = 2*x*w\nE = y"))
    with pytest.raises(ValueInputError, match=message) as info:
        d.evaluate(values)
    assert re.fullmatch(message, info.value.message)
    assert (info.value.line, info.value.col) == (None, None)


# --- valid syntax ----------------------------------------------------------------------------


def test_comments_and_blank_lines_are_ignored_but_counted():
    system = parse("# the model\n\ny = 2*x   # double\n\n  # more\nE = y**2\n")
    assert names(system.order) == ["x", "y", "E"]
    eqs = system.equations
    assert [(eq.line, eq.col, eq.source) for eq in eqs.values()] == [
        (3, 1, "y = 2*x   # double"), (6, 1, "E = y**2")]
    assert eqs[y].expr == 2 * x


def test_backslash_continues_an_equation():
    system = parse("y = 1 + \\\n    x*\\\n  2\nE = y\n")
    assert system.equations[y].expr == 1 + 2 * x
    assert system.equations[y].line == 1
    assert system.equations[sympy.Symbol("E")].line == 4


def test_a_comment_after_a_backslash_is_still_a_comment():
    assert rhs("y = x + \\  # continued\n  1\n") == x + 1


@pytest.mark.parametrize("text, expected", [
    ("y = x^2", x**2),
    ("y = x**2", x**2),
    ("y = x^2^3", x**8),
    ("y = x**2**3", x**8),
    ("y = x^2**3", x**8),
    ("y = 2^3^2", sympy.Integer(512)),
    ("y = 2**3**2", sympy.Integer(512)),
    ("y = (2**3)**2", sympy.Integer(64)),
], ids=["caret", "stars", "caret-right-assoc", "stars-right-assoc", "mixed", "caret-numbers", "stars-numbers",
        "parenthesised"])
def test_powers(text, expected):
    assert rhs(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("y = -x**2", -(x**2)),
    ("y = -x^2", -(x**2)),
    ("y = -2**2", sympy.Integer(-4)),
    ("y = (-2)**2", sympy.Integer(4)),
    ("y = 2**-1", Rational(1, 2)),
    ("y = 2^-x", 2**(-x)),
    ("y = x**-w**2", x**(-(w**2))),
    ("y = --x", x),
    ("y = +x", x),
    ("y = x*-w", -x * w),
    ("y = 1 - -x", 1 + x),
], ids=["minus-power", "minus-caret", "minus-number", "parenthesised", "negative-exponent",
        "negative-symbol-exponent", "negative-power-exponent", "double-minus", "plus", "times-minus",
        "minus-minus"])
def test_unary_minus_binds_looser_than_power(text, expected):
    assert rhs(text) == expected


@pytest.mark.parametrize("literal, expected", [
    ("0.1", Rational(1, 10)),
    ("2.5e-3", Rational(1, 400)),
    ("1E3", sympy.Integer(1000)),
    ("1e+2", sympy.Integer(100)),
    ("1.25e2", sympy.Integer(125)),
    (".5", Rational(1, 2)),
    ("5.", sympy.Integer(5)),
    ("007", sympy.Integer(7)),
    ("0.000", sympy.Integer(0)),
    ("3.14159", Rational(314159, 100000)),
])
def test_numbers_are_exact_rationals(literal, expected):
    value = rhs(f"y = {literal}")
    assert isinstance(value, sympy.Rational)
    assert value == expected


def test_decimal_arithmetic_is_exact():
    assert rhs("y = 0.1 + 0.2") == Rational(3, 10)
    expr = rhs("y = 0.1*x + 1e-3")
    assert expr == Rational(1, 10) * x + Rational(1, 1000)
    assert not expr.atoms(sympy.Float)


@pytest.mark.parametrize("literal, message", [
    ("1.5e", r"malformed number '1\.5e'"),
    ("1.2.3", r"malformed number '1\.2\.3'"),
], ids=["dangling-exponent", "two-points"])
def test_malformed_numbers(literal, message):
    with pytest.raises(ParseError, match=message) as info:
        parse(f"y = {literal}")
    assert re.fullmatch(message, info.value.message)
    assert (info.value.line, info.value.col) == (1, 5)


@pytest.mark.parametrize("literal", ["0e5000", "0." + "0" * 1001], ids=["exponent", "many-zeros"])
def test_zero_with_a_large_exponent_is_zero(literal):
    assert rhs(f"y = {literal}") == 0


WERBOS = ["z2 = 2*z1", "z3 = 3*z2 + z1", "z4 = 4*z3 + 2*z2 + z1", "E = 4*z4 + 2*z2"]


@pytest.mark.parametrize("lines", list(itertools.permutations(WERBOS)), ids=lambda p: "|".join(
    line.split()[0] for line in p))
def test_equations_in_any_order_give_the_same_order(lines):
    system = parse("\n".join(lines))
    assert names(system.order) == ["z1", "z2", "z3", "z4", "E"]
    assert names(system.inputs) == ["z1"]


def test_independent_equations_keep_file_order():
    assert names(parse("b = 2*q\na = 3*p\nE = a + b").order) == ["q", "p", "b", "a", "E"]
    assert names(parse("a = 3*p\nb = 2*q\nE = a + b").order) == ["p", "q", "a", "b", "E"]


@pytest.mark.parametrize("text, inputs", [
    ("E = b*a + c", ["b", "a", "c"]),
    ("y = q + p\nE = y*a + p", ["q", "p", "a"]),
    ("E = y + z\ny = 2*x\nz = 3*w", ["x", "w"]),
    ("E = sin(m)*exp(k) + m", ["m", "k"]),
    ("E = 3", []),
])
def test_inputs_come_in_order_of_first_appearance(text, inputs):
    assert names(parse(text).inputs) == inputs


def test_parsed_symbols_are_plain_sympy_symbols():
    system = parse("y = 2*x")
    assert system.order == (sympy.Symbol("x"), sympy.Symbol("y"))


# --- System from sympy objects ---------------------------------------------------------------


def test_system_from_a_symbol_dict():
    X, Y, E = sympy.symbols("x y E")
    system = System({Y: sympy.sin(X), E: Y**2})
    assert system.order == (X, Y, E)
    assert system.inputs == (X,)
    assert system.equations[Y].expr == sympy.sin(X)


def test_system_with_str_keys_matches_symbols_by_name():
    X, Y = sympy.symbols("x y")
    system = System({"y": 2 * X, "E": Y + 1})
    assert names(system.order) == ["x", "y", "E"]
    assert all(isinstance(v, sympy.Symbol) for v in system.equations)
    assert system.equations[Y].expr == 2 * X  # the key "y" is the symbol used in E's equation
    assert system.graph.has_edge(Y, sympy.Symbol("E"))


def test_system_numbers_become_exact_sympy_numbers():
    Y, E = sympy.symbols("y E")
    system = System({Y: 3, E: 2.5})
    assert system.equations[Y].expr == sympy.Integer(3) and isinstance(system.equations[Y].expr, sympy.Integer)
    assert isinstance(system.equations[E].expr, sympy.Float)


@pytest.mark.parametrize("expr, used", [
    (sympy.gamma(sympy.Symbol("x")), "gamma"),
    (sympy.besselj(0, sympy.Symbol("x")), "besselj"),
    (sympy.Max(sympy.Symbol("x"), 1), "Max"),
    (sympy.Integral(sympy.Symbol("x"), sympy.Symbol("x")), "Integral"),
    (sympy.Eq(sympy.Symbol("x"), 1), "Equality"),
])
def test_system_rejects_unsupported_functions(expr, used):
    known = ", ".join(orderdiff.functions.FUNCTIONS)
    message = rf"the equation of 'y' uses {used}, which orderdiff does not support; the known functions are {known}"
    with pytest.raises(UnsupportedExpressionError, match=message) as info:
        System({"y": expr})
    assert re.fullmatch(message, info.value.message)


@pytest.mark.parametrize("value, message", [
    ("x", r"the equation of 'y' is 'x', not a sympy expression"),
    (True, r"the equation of 'y' is True, not a sympy expression"),
    (float("inf"), r"the equation of 'y' contains oo"),
    (sympy.oo * sympy.Symbol("x"), r"the equation of 'y' contains oo"),
], ids=["str", "bool", "float-inf", "oo"])
def test_system_rejects_values_that_are_not_finite_expressions(value, message):
    with pytest.raises(UnsupportedExpressionError, match=message) as info:
        System({"y": value})
    assert re.fullmatch(message, info.value.message)


def test_system_rejects_a_key_that_is_not_a_symbol():
    with pytest.raises(DefinitionError, match=r"a variable must be a sympy Symbol or a str, not 3") as info:
        System({3: sympy.Symbol("x")})
    assert info.value.message == "a variable must be a sympy Symbol or a str, not 3"


def test_system_rejects_two_symbols_with_one_name():
    with pytest.raises(DefinitionError, match=r"two different symbols are named 'x'") as info:
        System({"y": sympy.Symbol("x") + sympy.Symbol("x", real=True)})
    assert info.value.message == ("two different symbols are named 'x' (e.g. with different assumptions); "
                                  "use one symbol per name")


def test_system_rejects_a_symbol_and_a_str_for_one_variable():
    with pytest.raises(DefinitionError, match=r"'y' is defined twice; each variable is defined once") as info:
        System({sympy.Symbol("y"): 1, "y": 2})
    assert info.value.message == "'y' is defined twice; each variable is defined once"
    assert (info.value.line, info.value.col) == (None, None)


def test_system_rejects_a_cycle():
    A, B = sympy.symbols("a b")
    with pytest.raises(CycleError, match=r"the equations form a cycle: ") as info:
        System({A: B + 1, B: 2 * A})
    assert info.value.message in ("the equations form a cycle: a -> b -> a", "the equations form a cycle: b -> a -> b")
    assert (info.value.line, info.value.col) == (None, None)
    assert info.value.notes[1:3] == ["    a = b + 1", "    b = 2*a"]


# --- load ------------------------------------------------------------------------------------


def test_load_reads_a_path_or_a_str(tmp_path):
    path = tmp_path / "eqs.txt"
    path.write_text("y = sin(x)\nE = y**2\n", encoding="utf-8")
    assert names(load(path).order) == names(load(str(path)).order) == ["x", "y", "E"]
    assert load(str(path)).file == str(path)


def test_load_reports_errors_with_the_file_name(tmp_path):
    path = tmp_path / "eqs.txt"
    path.write_text("y = 2*x\nE = y +* 3\n", encoding="utf-8")
    with pytest.raises(ParseError) as info:
        load(path)
    assert (info.value.file, info.value.line, info.value.col) == (str(path), 2, 8)


@pytest.mark.parametrize("data, line, col, byte, source", [
    (b"y = 2*x\nE = s\xffin(y)\n", 2, 6, "0xff", "E = s\ufffdin(y)"),
    # the column counts characters, not bytes: '\u00e9' is two bytes but one column
    (b"y = 2*x\nE = \xc3\xa9 + \xfe\n", 2, 9, "0xfe", "E = \u00e9 + \ufffd"),
    (b"\x80 = 1\n", 1, 1, "0x80", "\ufffd = 1"),
    (b"y = x\xe2\x82", 1, 6, "0xe2", "y = x\ufffd"),
], ids=["ascii-before", "multibyte-before", "first-byte", "truncated-sequence"])
def test_load_reports_a_non_utf8_byte_at_its_line_and_column(tmp_path, data, line, col, byte, source):
    path = tmp_path / "eqs.txt"
    path.write_bytes(data)
    with pytest.raises(ParseError, match=rf"invalid UTF-8 byte {byte} \(the file must be UTF-8\)") as info:
        load(path)
    e = info.value
    assert re.fullmatch(rf"invalid UTF-8 byte {byte} \(the file must be UTF-8\)", e.message)
    assert (e.file, e.line, e.col, e.source) == (str(path), line, col, source)


def test_load_dash_reads_standard_input(monkeypatch):
    stdin = types.SimpleNamespace(buffer=io.BytesIO(b"y = 2*x\nE = y + \\\n  x\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    system = load("-")
    assert names(system.order) == ["x", "y", "E"]
    assert system.file == "-"


def test_load_dash_reports_errors_as_dash(monkeypatch):
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(b"y = (x\n")))
    with pytest.raises(ParseError, match=r"expected '\)', found end of line") as info:
        load("-")
    assert info.value.message == "expected ')', found end of line"
    assert (info.value.file, info.value.line, info.value.col) == ("-", 1, 7)


# --- The reader builds symengine objects: every line it accepts has sympy's meaning.
#
# The oracle is sympy's own parser of the same text (``parse_expr``, test code reading test
# strings), which shares nothing with orderdiff's reader: the values, the gradients and the
# free symbols must agree, and the expression users get (converted to sympy) must equal it.

READER_CASES = [
    "y = x - x + w", "y = 2*(x + 1) - 2*x - 2", "y = x/x + w", "y = x*y2/(x*y2) + w", "y = (x + 1)*(x + 1)",
    "y = 2*(x + w) - 2*x - 2*w", "y = x**2*x**3", "y = sqrt(x)**2", "y = (x**2)**3 + w", "y = exp(x)**2",
    "y = exp(x)*exp(w)", "y = abs(x)**2", "y = 0*x + w", "y = x**0 + w", "y = 1/(x - x)", "y = log(x - x + 1)",
    "y = sin(x)*tanh(x)", "y = sin(x)*sin(w)", "y = tanh(x)*sin(x)/(1 + x^2)", "y = 3/8*tanh(x)*sin(w) - 1/3*x",
    "y = -(x + 1)", "y = -(2*x*(x + 1))", "y = 1/(2*x)", "y = (x*w)**2", "y = 2**x", "y = x**w", "y = 2**3*x",
    "y = (1/2)**-2*x", "y = 0.25*x + 1e-1*w + .5", "y = 1/(2 + 2*x) - 1/(x + 1)", "y = 2/(2 + 2*x) - 1/(x + 1)",
    "y = x + x", "y = x + 2*x", "y = x*w + w*x", "y = x*w - 2*w*x", "y = sin(x) + sin(x)", "y = sin(x) - sin(x) + w",
    "y = 1 + x - 1", "y = x**2 + x**3 + x", "y = sqrt(1 + x^2)*x", "y = x^2^3", "y = -x**2 + - - w", "y = +x",
    "y = (x + 1)/2 + x/2", "y = sigmoid(x)*softplus(x)*relu(w)", "y = x*(x + 1) - x**2 - x", "y = 1/x/w*x",
    "y = exp(1)*x", "y = log(1)*x + w", "y = sin(0) + x", "y = 2**100*x", "y = 10**-3*x", "y = x/0.5",
    "y = (x + w)**-1 + (w + x)**-1", "y = 3*(x + 1)*w", "y = w*3*(x + 1)", "y = 2*(3*(x + 1))", "y = -(-x)",
]

ORACLE_FUNCTIONS = {"abs": sympy.Abs, "sigmoid": orderdiff.functions.sigmoid, "softplus": orderdiff.functions.softplus,
                    "relu": orderdiff.functions.relu}


def _read_and_oracle(text):
    from sympy.parsing.sympy_parser import convert_xor, parse_expr, rationalize, standard_transformations

    from orderdiff.lexer import logical_lines
    from orderdiff.parse import ScalarParser

    (line,) = logical_lines(text, "<t>")
    try:
        core = ScalarParser(line, orderdiff.algebra.Symbol).equation()[2]
    except OrderdiffError:
        core = None
    rhs_text = text.split("=", 1)[1]
    real = {name: sympy.Symbol(name, real=True) for name in ("x", "w", "y2")}  # abs is differentiable off 0
    oracle = parse_expr(rhs_text, local_dict={**real, **ORACLE_FUNCTIONS},
                        transformations=standard_transformations + (convert_xor, rationalize))
    return core, oracle


@pytest.mark.parametrize("text", READER_CASES)
def test_reader_agrees_with_sympys_parser_on_values_gradients_and_free_symbols(text):
    from orderdiff.partials import value_and_partials

    core, oracle = _read_and_oracle(text)
    if not oracle.is_finite and oracle.is_number:
        assert core is None, "the reader accepted a line whose value is not a finite number"
        return
    assert core is not None
    assert {s.name for s in core.free_symbols} == {s.name for s in oracle.free_symbols}
    point = {"x": 0.37, "w": -0.61, "y2": 1.3}
    value, grads = value_and_partials(core, point)
    symbols = sorted(oracle.free_symbols, key=str)
    math_ = {"relu": lambda a: max(a, 0.0), "sigmoid": lambda a: 1 / (1 + math.exp(-a)),
             "softplus": lambda a: math.log1p(math.exp(a)), "Heaviside": lambda a, h=0.5: h if a == 0 else float(a > 0)}
    numeric = lambda e: sympy.lambdify(symbols, e, modules=[math_, "math"])  # noqa: E731
    expected = numeric(oracle)(*(point[s.name] for s in symbols))
    assert value == pytest.approx(float(expected), rel=1e-12, abs=1e-14)
    for s in symbols:
        slope = numeric(sympy.diff(oracle, s))(*(point[t.name] for t in symbols))
        assert grads.get(s.name, 0.0) == pytest.approx(float(slope), rel=1e-10, abs=1e-12)


def test_reader_refuses_what_the_grammar_refuses():
    from orderdiff.lexer import logical_lines
    from orderdiff.parse import ScalarParser

    for text in ("y = x +", "y = sin(x, w)", "y = α", "y = 1.2.3", "y = 2x", "sin = x", "y = x == w",
                 "y = lambda", "y = (x", "y = x)", "y = 01e99999999*x", "y = True", "y = x; w = 2"):
        with pytest.raises(OrderdiffError):
            (line,) = logical_lines(text, "<t>")
            ScalarParser(line, orderdiff.algebra.Symbol).equation()


@pytest.mark.parametrize("seed", range(4))
def test_parsed_and_sympy_systems_agree_on_order_values_and_derivatives(seed):
    from random_systems import random_system

    text = random_system(60, seed=seed)
    fast = derive(parse(text))
    slow = derive(System({eq.var: eq.expr for eq in parse(text).equations.values()}))
    n = len(fast.inputs)  # a mapping orders its inputs by name, a file by appearance
    assert fast.order[n:] == slow.order[n:] and set(fast.inputs) == set(slow.inputs)
    point = {"x0": 0.2, "x1": -0.7}
    a, b = fast.evaluate(point), slow.evaluate(point)
    for v in fast.order:
        assert a.total[v] == pytest.approx(b.total[v], rel=1e-12, abs=1e-14)
        assert a.values[v] == pytest.approx(b.values[v], rel=1e-12, abs=1e-14)
    assert {str(v): str(e) for v, e in fast.recursive.items()} == {str(v): str(e) for v, e in slow.recursive.items()}


EXP_CASES = ["y = exp(x)*exp(2*x)", "y = exp(x)*exp(-x)*w", "y = exp(x/2)*x*exp(x)", "y = 2*exp(x)*exp(x*w)",
             "y = exp(x)*w + exp(2*x)", "y = 1/exp(x)*exp(x)"]


@pytest.mark.parametrize("text", READER_CASES + EXP_CASES)
def test_reader_builds_sympys_expression(text):
    """The sympy expression users get from a parsed line equals sympy's parse of the line."""
    core, oracle = _read_and_oracle(text)
    if core is None:
        return
    expr = orderdiff.convert.to_sympy(core, lambda name: sympy.Symbol(name, real=True))
    assert sympy.simplify(expr - oracle) == 0


def test_reader_builds_sympys_expressions_of_random_systems():
    from random_systems import random_system

    texts = [line for seed in range(3) for line in random_system(200, seed=seed, parents=4).splitlines()]
    for text in texts:
        core, oracle = _read_and_oracle(text)
        oracle = oracle.subs({s: sympy.Symbol(s.name) for s in oracle.free_symbols})
        expr = orderdiff.convert.to_sympy(core, sympy.Symbol)
        assert sympy.expand(expr - oracle) == 0 or sympy.simplify(expr - oracle) == 0
