"""The Werbos sweep against independent oracles: the worked example's exact numbers,
sympy's derivative of the fully substituted target, and finite differences."""

import math
import random

import pytest
import sympy

import orderdiff
from conftest import WERBOS
from oracles import as_function, close, finite_difference, forward, substituted_derivative, value_at
from random_systems import random_system


def test_worked_example_exact():
    d = orderdiff.derive(orderdiff.parse(WERBOS))
    assert d.target == sympy.Symbol("E")
    assert [str(v) for v in d.order] == ["z1", "z2", "z3", "z4", "E"]
    assert [d.explicit[v] for v in ("z1", "z2", "z3", "z4")] == [0, 2, 0, 4]
    for form in ("closed", "inputs"):
        assert [d.form(form)[v] for v in ("z1", "z2", "z3", "z4", "E")] == [136, 58, 16, 4, 1]
    at = d.evaluate({"z1": 1.0})
    assert [at.total[v] for v in ("z1", "z2", "z3", "z4")] == [136.0, 58.0, 16.0, 4.0]
    assert [at.values[v] for v in ("z1", "z2", "z3", "z4", "E")] == [1.0, 2.0, 7.0, 33.0, 136.0]


def test_worked_example_recursive_form_is_eq1():
    d = orderdiff.derive(orderdiff.parse(WERBOS))
    E, z2, z3, z4 = (d.system.resolve(n) for n in ("E", "z2", "z3", "z4"))
    D = orderdiff.Dplus
    assert d.recursive["z2"] == 2 + D(E, z4) * 2 + D(E, z3) * 3
    assert d.recursive[z3] == 4 * D(E, z4)
    assert [j for j, _ in d.steps["z1"].terms] == [z4, z3, z2]  # latest successor first


def test_tanh_derivative_reads_in_the_system_variables():
    d = orderdiff.derive(orderdiff.parse("h = tanh(z)\nE = h**2"))
    h = d.system.resolve("h")
    assert d.partials[h, d.system.resolve("z")] == 1 - h**2
    assert sympy.expand(d.closed["z"] - 2 * h * (1 - h**2)) == 0
    assert not d.closed["z"].has(sympy.tanh)
    assert not d.in_inputs["z"].has(h)


def test_sigmoid_derivative_folds_to_its_variable():
    d = orderdiff.derive(orderdiff.parse("s = sigmoid(a)\nE = 3*s"))
    s = d.system.resolve("s")
    assert d.closed["a"] == 3 * s * (1 - s)


def test_variables_the_target_does_not_depend_on_get_zero():
    d = orderdiff.derive(orderdiff.parse("y = 2*x\nw = y + u\nE = y**2"), target="E")
    assert d.total["w"] == 0 and d.total["u"] == 0 and d.explicit["w"] == 0
    assert d.total["x"] == 4 * d.system.resolve("y")
    # a target in the middle: later variables do not matter for it
    d = orderdiff.derive(orderdiff.parse(WERBOS), target="z3")
    assert [d.total[v] for v in ("z1", "z2", "z3", "z4", "E")] == [7, 3, 1, 0, 0]


def test_target_may_be_an_input():
    d = orderdiff.derive(orderdiff.parse("y = x**2"), target="x")
    assert d.total["x"] == 1 and d.total["y"] == 0


@pytest.mark.parametrize("seed", range(8))
def test_small_random_systems_match_sympy_substituted_derivative(seed):
    system = orderdiff.parse(random_system(7, seed=seed, parents=2))
    d = orderdiff.derive(system, max_size=50_000)
    rng = random.Random(seed)
    point = {str(x): rng.uniform(-0.9, 0.9) for x in system.inputs}
    at = d.evaluate(point)
    assert all(d.closed[v] is not None and d.in_inputs[v] is not None for v in system.order)
    for v in system.order:
        exact = substituted_derivative(system, d.target, v)
        expected = value_at(exact, system, point) if exact.free_symbols else float(exact)
        assert close(at.total[v], expected), (v, at.total[v], expected)
        for form in (d.closed, d.in_inputs):
            if form[v] is not None:
                got = value_at(form[v], system, point) if form[v].free_symbols else float(form[v])
                assert close(got, expected), (v, form[v], exact)


@pytest.mark.parametrize("seed", range(3))
def test_larger_random_systems_match_finite_differences(seed):
    system = orderdiff.parse(random_system(120, seed=100 + seed))
    d = orderdiff.derive(system, max_size=200)
    rng = random.Random(seed)
    point = {str(x): rng.uniform(-0.9, 0.9) for x in system.inputs}
    at = d.evaluate(point)
    values = forward(system, point)
    assert all(close(at.values[v], values[v], 1e-12) for v in system.order)
    for v in rng.sample(system.order, 25) + list(system.inputs):
        fd = finite_difference(system, d.target, v, point)
        assert abs(fd - at.total[v]) <= 1e-6 * max(1.0, abs(at.total[v])), (v, fd, at.total[v])


@pytest.mark.parametrize("seed", range(4))
def test_shuffled_lines_give_the_same_results(seed):
    text = random_system(30, seed=seed)
    lines = text.splitlines()
    random.Random(seed).shuffle(lines)
    a = orderdiff.derive(orderdiff.parse(text))
    b = orderdiff.derive(orderdiff.parse("\n".join(lines)))
    assert set(map(str, a.order)) == set(map(str, b.order)) and a.target == b.target
    point = {str(x): 0.1 * (k + 1) for k, x in enumerate(a.inputs)}
    ta, tb = a.evaluate(point).total, b.evaluate(point).total
    for v in a.order:
        assert ta[v] == pytest.approx(tb[v], rel=1e-12, abs=1e-14)
        assert a.recursive[v] == b.recursive[v]
        assert a.explicit[v] == b.explicit[v]


def test_order_is_deterministic_with_ties_in_file_order():
    d = orderdiff.derive(orderdiff.parse("b = x\na = y\nc = a + b"))
    assert [str(v) for v in d.order] == ["x", "y", "b", "a", "c"]
    d = orderdiff.derive(orderdiff.parse("c = a + b\nb = x\na = y"))
    assert [str(v) for v in d.order] == ["x", "y", "b", "a", "c"]


def test_system_from_sympy_objects():
    x, y, E = sympy.symbols("x y E")
    d = orderdiff.derive(orderdiff.System({y: sympy.sin(x), E: y**2 + x}))
    assert d.total[x] == 2 * y * sympy.cos(x) + 1
    assert d.total["x"] == d.total[x]
    assert d.evaluate({x: 0.5}).total["x"] == pytest.approx(2 * math.sin(0.5) * math.cos(0.5) + 1)


TRICKY = """h = tanh(z)
s = sigmoid(a)
q1 = z/(1 + z^2)
q2 = 3/8*z*(1 + z^2)^-2 - w*z*(1 + w*z)^-2
q3 = 1e-1*x*(1 + x^2)^-1*(2 + x^2)^-1 + x^-1*z^3 + (x + 1)^2*x^-2 - x^-2
q4 = 1e-1*x*(1 + x^2)^-1*(2 + x^2)^-1 + (x + 1)^2*x^-3 - z^3*x^-4
r = asin(z/4) + acos((z + w)/3) - 1/3*atan(2*z*w) + log(3*z*w) + log(1 + z^2)
p = sqrt(1 + z^2)*z + sqrt(z)*sqrt(w) + 2*(1 + w^2)^(-1/2) + (z + w)^3/5
f = tan(h/4)^2 + tanh(z)*sin(z) + h*sin(h) + 1/2*tanh(z)^2 + exp(z/4)*h + abs(z)*relu(w) + softplus(z)
g = s*(1 - s) + sigmoid(a)*h + cosh(s/3)*sinh(z/3) - cos(a)*sin(a) + z*w/(z*w + 1) + (z - 1)*(1 - z)
k = x/(x + 1) - 2*x*(x + 1) + exp(x)*x + x*(1 + q1)/(1 + x)
E = h + s + q1 + q2 + q3 + q4 + r + p + f + g + k + h*q1*(1 + h)
"""


def _partials_and_oracle(text, point):
    """Each edge's partial, at ``point``, and sympy's derivative of the equation there (its
    variables real, so that |x|' = sign(x)), both evaluated by the oracle's forward pass."""
    system = orderdiff.parse(text)
    d = orderdiff.derive(system)
    values = forward(system, point)

    def at(e):
        syms = tuple(sorted(e.free_symbols, key=str))
        return float(as_function(e, syms)(*(values[s] for s in syms)))

    pairs = []
    for j in system.order:
        if j not in system.equations or j not in d.relevant:
            continue
        expr = system.equations[j].expr
        real = {s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols}
        back = {r: s for s, r in real.items()}
        for i in system.parents(j):
            oracle = sympy.diff(expr.xreplace(real), real[i]).xreplace(back)
            pairs.append((at(d.partials[j, i]), at(oracle)))
    return pairs


@pytest.mark.parametrize("text", [TRICKY] + [random_system(150, seed=seed) for seed in range(4)]
                         + [random_system(60, seed=seed, parents=5) for seed in range(4, 8)])
def test_partials_are_sympys_derivatives_of_each_equation(text):
    """Each folded partial dz_j/dz_i has the value of sympy's diff of z_j's equation."""
    point = {"z": 0.7, "a": -0.4, "w": 0.3, "x": 0.9, "x0": 0.2, "x1": -0.7}
    pairs = _partials_and_oracle(text, point)
    assert pairs
    for ours, oracle in pairs:
        assert close(ours, oracle, 1e-10)


def test_fast_partials_fold_into_the_variables_and_combine_powers():
    system = orderdiff.parse("h = tanh(z)\nq = z/(1 + z^2)\nE = h**2 + q*h")
    d = orderdiff.derive(system)
    h, q, z = map(system.resolve, "hqz")
    assert str(d.partials[h, z]) == "1 - h**2"
    assert str(d.partials[q, z]) == "-2*z**2/(z**2 + 1)**2 + 1/(z**2 + 1)"


@pytest.mark.parametrize("text", [TRICKY, random_system(150, seed=11), random_system(60, seed=12, parents=5)])
def test_recursive_forms_are_eq1_of_the_partials(text):
    """The recursive form is Eq. 1 built by sympy from the explicit derivative and the partials."""
    d = orderdiff.derive(orderdiff.parse(text))
    for v in d.order:
        eq1 = sympy.Add(d.explicit[v], *(orderdiff.Dplus(d.target, j) * d.partials[j, v] for j, _ in d.steps[v].terms))
        assert sympy.expand(d.recursive[v] - eq1) == 0
