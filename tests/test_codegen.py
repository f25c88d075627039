"""Numbers from the generated NumPy program: evaluate() and lambdify() against oracles."""

import math

import numpy as np
import pytest

import orderdiff
from conftest import WERBOS
from oracles import close, finite_difference
from random_systems import random_system


def test_lambdify_is_vectorised_and_matches_evaluate_at_each_point():
    d = orderdiff.derive(orderdiff.parse(random_system(25, seed=7)))
    f = d.lambdify()
    x0, x1 = np.linspace(-0.8, 0.8, 11), np.linspace(0.5, -0.5, 11)
    out = f(x0=x0, x1=x1)
    assert set(map(str, out)) == set(map(str, d.order))
    for k in range(11):
        at = d.evaluate({"x0": x0[k], "x1": x1[k]}).total
        for v in d.order:
            assert out[v].shape == (11,)
            assert out[v][k] == pytest.approx(at[v], rel=1e-12, abs=1e-15)


def test_lambdify_broadcasts_keywords_and_wrt():
    d = orderdiff.derive(orderdiff.parse("y = x*u\nE = y**2"))
    f = d.lambdify(wrt=["x", "E"])
    out = f(x=np.array([[1.0], [2.0]]), u=np.array([1.0, 2.0, 3.0]))
    assert list(map(str, out)) == ["x", "E"]
    assert out["x"].shape == (2, 3) and out["E"].shape == (2, 3)
    assert out["x"][1, 2] == pytest.approx(2 * (2 * 3) * 3)
    assert np.all(out["E"] == 1.0)


def test_lambdify_scalar_constant_derivatives_take_the_input_shape():
    f = orderdiff.derive(orderdiff.parse(WERBOS)).lambdify()
    out = f(np.arange(4.0))
    assert out["z1"].tolist() == [136.0] * 4


def test_evaluate_rejects_missing_extra_and_array_values():
    d = orderdiff.derive(orderdiff.parse("y = x*u\nE = y**2"))
    with pytest.raises(orderdiff.ValueInputError, match="missing input value for u"):
        d.evaluate({"x": 1.0})
    with pytest.raises(orderdiff.ValueInputError, match="w is not an input"):
        d.evaluate({"x": 1.0, "u": 2.0, "w": 3.0})
    with pytest.raises(orderdiff.ValueInputError, match="y is not an input"):
        d.evaluate({"x": 1.0, "u": 2.0, "y": 3.0})
    with pytest.raises(orderdiff.ValueInputError, match="one number"):
        d.evaluate({"x": [1.0, 2.0], "u": 2.0})


def test_every_function_and_its_derivative_numerically():
    names = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log",
             "sqrt", "abs", "sigmoid", "softplus", "relu"]
    text = "\n".join(f"y{k} = {f}(x*{k + 1}/20 + 0.1)" for k, f in enumerate(names))
    text += "\nE = " + " + ".join(f"y{k}" for k in range(len(names)))
    system = orderdiff.parse(text)
    d = orderdiff.derive(system)
    for x in (0.05, 0.2, 0.7):
        at = d.evaluate({"x": x})
        assert close(at.total["x"], finite_difference(system, d.target, system.resolve("x"), {"x": x}), 1e-6)
    assert math.isfinite(at.values["E"])


def test_relu_and_abs_conventions_at_zero():
    d = orderdiff.derive(orderdiff.parse("E = relu(x) + 2*abs(u)"))
    at = d.evaluate({"x": 0.0, "u": 0.0})
    assert at.total["x"] == 0.0 and at.total["u"] == 0.0
    at = d.evaluate({"x": 1e-300, "u": -1e-300})
    assert at.total["x"] == 1.0 and at.total["u"] == -2.0


def test_sigmoid_and_softplus_are_stable_for_large_arguments():
    d = orderdiff.derive(orderdiff.parse("E = sigmoid(x) + softplus(u)"))
    at = d.evaluate({"x": -800.0, "u": 800.0})
    assert at.values["E"] == pytest.approx(800.0)
    assert at.total["x"] == pytest.approx(0.0) and at.total["u"] == pytest.approx(1.0)
