"""The table of scalar functions: every record complete, and each of its forms checked.

Each record's derivative is checked against independent oracles: sympy's own ``diff``
of the function (of its definition, for orderdiff's own ``sigmoid``, ``softplus`` and
``relu``, whose sympy classes take their derivative from the table), and central
differences of its float value. Its NumPy template and symengine's own function must
agree with its float value, and the derivative must be the same on sympy, on symengine
and in float64.
"""

import math

import numpy
import pytest
import symengine as se
import sympy

from orderdiff import functions
from orderdiff.convert import to_sympy
from orderdiff.functions import BY_NAME, BY_SYMPY, FLOATS, FUNCTIONS, SYMENGINE, SYMPY, TABLE, ScalarFunction

X = sympy.Symbol("x", real=True)  # so that sympy's |x|' is sign(x)

# What orderdiff's own functions are, written as sympy knows them, apart from the table.
DEFINITIONS = {"sigmoid": lambda a: 1 / (1 + sympy.exp(-a)), "softplus": lambda a: sympy.log(1 + sympy.exp(a)),
               "relu": lambda a: sympy.Piecewise((0, a < 0), (a, True))}
FIELDS = {"name": str, "arity": int, "folds": bool, "numpy": str, "latex": str, "domain": tuple, "notes": str,
          "public": bool}
CALLABLE = ("sympy", "symengine", "exact", "derivative", "value")


def points(f):
    """Four arguments inside the function's domain, none at 0 (where abs and relu have a kink)."""
    lo, hi = f.domain
    if math.isinf(lo) and math.isinf(hi):
        return [-1.1, -0.6, 0.45, 1.3]
    if math.isinf(hi):
        return [lo + d for d in (0.3, 0.8, 1.9, 3.7)]
    return [lo + (hi - lo) * s for s in (0.08, 0.3, 0.65, 0.85)]


def extra(f):
    """The arguments after the first: Heaviside's value at 0."""
    return [sympy.Integer(0)] * (f.arity - 1)


def defined(e):
    """``e`` with orderdiff's own functions replaced by their definitions."""
    for name, definition in DEFINITIONS.items():
        e = e.replace(getattr(functions, name), definition)
    return e


def at(e, p):
    return complex(defined(e).subs(X, p).evalf(30))


@pytest.mark.parametrize("f", TABLE, ids=[f.name for f in TABLE])
def test_every_record_has_every_field(f):
    assert isinstance(f, ScalarFunction)
    for field, kind in FIELDS.items():
        assert isinstance(getattr(f, field), kind), field
    for field in CALLABLE:
        assert callable(getattr(f, field)), field
    assert f.arity >= 1 and f.name.isidentifier()
    assert "{0}" in f.numpy and ("{1}" in f.numpy) == (f.arity > 1)
    assert "#1" in f.latex
    lo, hi = f.domain
    assert lo < hi


def test_the_views_cover_the_table():
    assert len(BY_NAME) == len(TABLE)
    assert list(FUNCTIONS) == [f.name for f in TABLE if f.public]
    assert set(BY_SYMPY.values()) == {f for f in TABLE if f.name != "sqrt"}  # sqrt is a power
    for f in TABLE:
        assert callable(getattr(SYMPY, f.name)) and callable(getattr(SYMENGINE, f.name))
        assert getattr(FLOATS, f.name) is f.value


@pytest.mark.parametrize("f", [f for f in TABLE if f.name != "sqrt"], ids=lambda f: f.name)
def test_symengine_calls_are_function_symbols_of_the_name(f):
    call = f.symengine(se.Symbol("x"), *extra(f))
    assert call.get_name() == f.name and call.args[0] == se.Symbol("x")


@pytest.mark.parametrize("f", TABLE, ids=[f.name for f in TABLE])
def test_derivative_agrees_with_sympy_diff(f):
    call = getattr(SYMPY, f.name)(X, *extra(f))
    ours = f.derivative(call, X, SYMPY)
    definition = DEFINITIONS.get(f.name)
    theirs = sympy.diff(definition(X) if definition else f.sympy(X, *extra(f)), X)
    for p in points(f):
        assert at(ours, p) == pytest.approx(at(theirs, p), rel=1e-12, abs=1e-12), p


@pytest.mark.parametrize("f", TABLE, ids=[f.name for f in TABLE])
def test_derivative_is_the_same_on_sympy_and_symengine(f):
    x = se.Symbol("x")
    on_symengine = f.derivative(f.symengine(x, *extra(f)), x, SYMENGINE)
    on_sympy = f.derivative(getattr(SYMPY, f.name)(X, *extra(f)), X, SYMPY)
    assert to_sympy(on_symengine, lambda name: X) == on_sympy


@pytest.mark.parametrize("f", TABLE, ids=[f.name for f in TABLE])
def test_float_derivative_agrees_with_finite_differences(f):
    h = 1e-6
    for p in points(f):
        x = numpy.float64(p)
        slope = f.derivative(f.value(x), x, FLOATS)
        difference = (f.value(x + h) - f.value(x - h)) / (2 * h)
        assert slope == pytest.approx(difference, rel=1e-6, abs=1e-8), p
        symbolic = f.derivative(getattr(SYMPY, f.name)(X, *extra(f)), X, SYMPY)
        assert slope == pytest.approx(at(symbolic, p).real, rel=1e-12, abs=1e-12), p


@pytest.mark.parametrize("f", TABLE, ids=[f.name for f in TABLE])
def test_numpy_template_agrees_with_the_float_value(f):
    xs = numpy.array(points(f) + [0.0] * (f.domain[0] < 0))
    code = compile(f.numpy.format("x", "0.5"), "<template>", "eval")  # orderdiff's own template, not user text
    got = eval(code, {"numpy": numpy}, {"x": xs})
    assert numpy.array_equal(got, numpy.array([f.value(x) for x in xs]))


@pytest.mark.parametrize("f", TABLE, ids=[f.name for f in TABLE])
def test_symengine_function_of_numbers_agrees_with_the_float_value(f):
    for p in points(f):
        number = se.Rational(round(p * 1000), 1000)
        assert complex(f.exact(number).n()).real == pytest.approx(f.value(float(number)), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("f", TABLE, ids=[f.name for f in TABLE])
def test_a_call_of_a_number_folds_where_sympy_evaluates_it(f):
    evaluated = f.sympy(*[sympy.Integer(0)] * f.arity)
    assert f.folds == (type(evaluated) is not f.sympy)


def test_orderdiff_classes_take_their_derivative_from_the_table():
    for name in DEFINITIONS:
        cls = getattr(functions, name)
        assert sympy.diff(cls(X), X) == BY_NAME[name].derivative(cls(X, evaluate=False), X, SYMPY)
