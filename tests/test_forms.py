"""The closed and inputs forms within their size budget: refused plainly, never hung."""

import time

import sympy

import orderdiff
from oracles import close, finite_difference


def exploding(n):
    """Each variable uses the previous two nonlinearly: closed forms grow exponentially."""
    lines = ["z1 = sin(x)", "z2 = cos(x)"]
    lines += [f"z{i} = sin(z{i - 1})*z{i - 2} + z{i - 1}*cos(z{i - 2})" for i in range(3, n + 1)]
    return "\n".join(lines + [f"E = z{n}**2"])


def test_over_budget_forms_are_none_with_a_reason_and_recursive_and_numbers_remain():
    started = time.perf_counter()
    d = orderdiff.derive(orderdiff.parse(exploding(40)), max_size=300)
    over = [v for v in d.order if d.closed[v] is None]
    assert over, "the exploding system must exceed the budget"
    assert "x" in map(str, over)
    assert "size budget" in d.closed.reason("z5") or "over budget" in d.closed.reason("z5")
    assert d.in_inputs["x"] is None and d.in_inputs.reason("x")
    assert all(d.recursive[v] is not None for v in d.order)
    at = d.evaluate({"x": 0.3})
    fd = finite_difference(d.system, d.target, d.system.resolve("x"), {"x": 0.3})
    assert close(at.total["x"], fd, 1e-6)
    assert time.perf_counter() - started < 60


def test_reasons_are_none_for_built_forms():
    d = orderdiff.derive(orderdiff.parse("y = x**2\nE = sin(y)"))
    assert d.closed["x"] is not None and d.closed.reason("x") is None


def test_deep_chain_inputs_form_refused_by_depth_not_recursion():
    text = "\n".join(["z0 = sin(x)"] + [f"z{i} = sin(z{i - 1})" for i in range(1, 400)])
    d = orderdiff.derive(orderdiff.parse(text), max_size=10**6)
    assert d.in_inputs["x"] is None and "deeper" in d.in_inputs.reason("x")
    assert d.closed["x"] is not None  # a product of cosines in the system's variables


def test_inputs_form_substitutes_every_intermediate():
    d = orderdiff.derive(orderdiff.parse("a = x*y\nb = exp(a)\nE = b + a"))
    x, y = sympy.symbols("x y")
    assert sympy.expand(d.in_inputs["x"] - (y * sympy.exp(x * y) + y)) == 0
    assert d.in_inputs["x"].free_symbols <= {x, y}


def test_huge_numbers_from_substitution_are_refused_not_computed():
    started = time.perf_counter()
    d = orderdiff.derive(orderdiff.parse("a = 10**100\nb = a**a\nE = b*x"))
    assert d.in_inputs["x"] is None and "too large" in d.in_inputs.reason("x")
    assert time.perf_counter() - started < 10
