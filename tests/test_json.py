"""The JSON view: the documented shape, stable order, sympy-readable expressions."""

import json

import sympy
from sympy.parsing.sympy_parser import parse_expr

import orderdiff
from conftest import WERBOS
from orderdiff.functions import relu, sigmoid, softplus


def test_worked_example_shape_and_values():
    doc = json.loads(orderdiff.derive(orderdiff.parse(WERBOS)).to_json(values={"z1": 1.0}))
    assert list(doc)[:5] == ["target", "form", "order", "inputs", "nodes"]
    assert doc["target"] == "E" and doc["order"] == ["z1", "z2", "z3", "z4", "E"] and doc["inputs"] == ["z1"]
    assert list(doc["nodes"]) == doc["order"]
    z3 = doc["nodes"]["z3"]
    assert z3 == {"equation": "3*z2 + z1", "line": 2, "explicit": "0", "total": "16",
                  "recursive": "4*Dplus(E, z4)", "ops": {"explicit": 0, "total": 0, "recursive": 1},
                  "value": 7.0, "explicit_value": 0.0, "total_value": 16.0}
    assert doc["nodes"]["z1"]["equation"] is None and doc["nodes"]["z1"]["line"] is None
    assert [doc["nodes"][v]["total_value"] for v in ("z1", "z2", "z3", "z4")] == [136.0, 58.0, 16.0, 4.0]


def test_no_values_without_at():
    doc = json.loads(orderdiff.derive(orderdiff.parse(WERBOS)).to_json())
    assert "value" not in doc["nodes"]["z2"]


def test_expressions_read_back_with_sympy():
    text = "h = tanh(z)\ns = sigmoid(h*x)\nE = s*relu(x) + softplus(h)/abs(x)"
    d = orderdiff.derive(orderdiff.parse(text))
    doc = json.loads(d.to_json())
    names = {str(v): v for v in d.order}
    local = dict(names, sigmoid=sigmoid, softplus=softplus, relu=relu, Dplus=orderdiff.Dplus,
                 Heaviside=sympy.Heaviside, sign=sympy.sign, Abs=sympy.Abs)
    for v in d.order:
        node = doc["nodes"][str(v)]
        assert parse_expr(node["total"], local_dict=local) == d.total[v]
        assert parse_expr(node["explicit"], local_dict=local) == d.explicit[v]
        assert sympy.simplify(parse_expr(node["recursive"], local_dict=local) - d.recursive[v]) == 0


def test_over_budget_is_null_with_reason():
    lines = ["z1 = sin(x)", "z2 = cos(x)"] + [
        f"z{i} = sin(z{i - 1})*z{i - 2} + z{i - 1}*cos(z{i - 2})" for i in range(3, 30)]
    doc = json.loads(orderdiff.derive(orderdiff.parse("\n".join(lines)), max_size=100).to_json())
    assert doc["nodes"]["x"]["total"] is None and doc["nodes"]["x"]["total_reason"]
    assert doc["nodes"]["x"]["recursive"]


def test_non_finite_values_are_null():
    doc = json.loads(orderdiff.derive(orderdiff.parse("E = log(x)")).to_json(values={"x": -1.0}))
    assert doc["nodes"]["E"]["value"] is None


def test_operation_counts_of_each_form_match_hand_counts():
    # Hand counts: a sum or product of n operands n - 1 (a sign -1 is free; x/y is one
    # division), a power 1, a call 1, Dplus(E, z) 0.
    nodes = json.loads(orderdiff.derive(orderdiff.parse(WERBOS)).to_json())["nodes"]
    # Eq. 1 of the worked example: dE/dz2 + d+E/dz3*dz3/dz2 + d+E/dz4*dz4/dz2 = 2 + 3*D3 + 2*D4
    assert nodes["z2"]["recursive"] == "2 + 3*Dplus(E, z3) + 2*Dplus(E, z4)"  # 2 sums, 2 products
    assert nodes["z2"]["ops"] == {"explicit": 0, "total": 0, "recursive": 4}
    assert nodes["z1"]["ops"]["recursive"] == 3  # 2*D2 + D3 + D4: 1 product, 2 sums
    nodes = json.loads(orderdiff.derive(orderdiff.parse("h = tanh(z)\nE = h**2")).to_json())["nodes"]
    assert nodes["z"]["total"] == "2*h*(1 - h**2)"  # 2 products, 1 difference, 1 square
    assert nodes["z"]["recursive"] == "(1 - h**2)*Dplus(E, h)"  # 1 product, 1 difference, 1 square
    assert nodes["z"]["ops"] == {"explicit": 0, "total": 4, "recursive": 3}
    assert nodes["h"]["ops"] == {"explicit": 1, "total": 1, "recursive": 1}
    doc = json.loads(orderdiff.derive(orderdiff.parse("E = x/w - 3*sin(x)")).to_json(form="inputs"))
    # d/dx (x/w - 3*sin(x)) = 1/w - 3*cos(x); a lone reciprocal is spelled w**(-1)
    assert doc["nodes"]["x"]["total"] == "w**(-1) - 3*cos(x)"  # 1 reciprocal, 1 difference, 1 product, 1 call
    x_, w_ = sympy.symbols("x w")
    assert parse_expr(doc["nodes"]["x"]["total"]) == sympy.diff(x_ / w_ - 3 * sympy.sin(x_), x_)
    assert doc["nodes"]["w"]["total"] == "-x/w**2"  # 1 division, 1 square
    assert doc["nodes"]["x"]["ops"]["total"] == 4 and doc["nodes"]["w"]["ops"]["total"] == 2


def test_operation_count_is_null_for_a_form_over_budget():
    d = orderdiff.derive(orderdiff.parse("a = sin(x)*cos(x)\nb = a*sin(a)\nE = b*cos(b)"), max_size=20)
    node = json.loads(d.to_json(form="inputs"))["nodes"]["x"]
    assert node["total"] is None and node["ops"]["total"] is None and node["ops"]["recursive"] > 0
