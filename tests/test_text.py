"""The text view: the worked example's table and Werbos steps, exactly."""

import orderdiff
from conftest import WERBOS

TABLE = """\
target: E
order: z1, z2, z3, z4, E
inputs: z1

variable | equation         | dE/dv | d+E/dv
---------+------------------+-------+-------
E        | 4*z4 + 2*z2      | 1     | 1
z4       | 4*z3 + 2*z2 + z1 | 4     | 4
z3       | 3*z2 + z1        | 0     | 16
z2       | 2*z1             | 2     | 58
z1       | (input)          | 0     | 136
"""


def derivation():
    return orderdiff.derive(orderdiff.parse(WERBOS))


def test_worked_example_table_ascii():
    assert derivation().to_text(unicode=False).startswith(TABLE)


def test_worked_example_steps_unicode():
    lines = derivation().to_text().splitlines()
    assert "∂⁺E/∂z2 = ∂E/∂z2 + ∂⁺E/∂z4·∂z4/∂z2 + ∂⁺E/∂z3·∂z3/∂z2 = 2 + 4·2 + 16·3 = 58" in lines
    assert ("∂⁺E/∂z1 = ∂E/∂z1 + ∂⁺E/∂z4·∂z4/∂z1 + ∂⁺E/∂z3·∂z3/∂z1 + ∂⁺E/∂z2·∂z2/∂z1 "
            "= 0 + 4·1 + 16·1 + 58·2 = 136") in lines
    assert "∂⁺E/∂z3 = ∂E/∂z3 + ∂⁺E/∂z4·∂z4/∂z3 = 0 + 4·4 = 16" in lines
    assert "∂⁺E/∂z4 = ∂E/∂z4 = 4" in lines


def test_worked_example_with_values():
    text = derivation().to_text(values={"z1": 1.0}, unicode=False)
    assert "z4       | 4*z3 + 2*z2 + z1 | 33    | 4     | 4" in text
    assert "d+E/dz2 = dE/dz2 + d+E/dz4*dz4/dz2 + d+E/dz3*dz3/dz2 = 2 + 4*2 + 16*3 = 58" in text


def test_nonlinear_steps_show_instantiated_and_numeric_forms():
    d = orderdiff.derive(orderdiff.parse("h = tanh(z)\nE = h**2"))
    assert d.to_text(unicode=False).splitlines()[-1] == (
        "d+E/dz = dE/dz + d+E/dh*dh/dz = 0 + 2*h*(1 - h**2) = 2*h*(1 - h**2)")
    assert d.to_text(unicode=False, values={"z": 0.5}).splitlines()[-1] == (
        "d+E/dz = dE/dz + d+E/dh*dh/dz = 0 + 2*h*(1 - h**2) = 0 + 0.924234*0.786448 = 0.726862")
    assert d.to_text(unicode=False, form="recursive").splitlines()[-1] == (
        "d+E/dz = dE/dz + d+E/dh*dh/dz = 0 + d+E/dh*(1 - h**2) = (1 - h**2)*d+E/dh")


def test_negative_numbers_are_bracketed_as_factors():
    d = orderdiff.derive(orderdiff.parse("y = -3*x\nE = y"))
    assert d.to_text(unicode=False, values={"x": 1.0}).splitlines()[-1] == (
        "d+E/dx = dE/dx + d+E/dy*dy/dx = 0 + 1*(-3) = -3")


def test_independent_variables_and_over_budget_are_said_plainly():
    d = orderdiff.derive(orderdiff.parse("y = x\nw = 2*u\nE = y"), target="E")
    assert "d+E/dw = 0   (E does not depend on w)" in d.to_text(unicode=False)
    lines = ["z1 = sin(x)", "z2 = cos(x)"] + [
        f"z{i} = sin(z{i - 1})*z{i - 2} + z{i - 1}*cos(z{i - 2})" for i in range(3, 30)]
    d = orderdiff.derive(orderdiff.parse("\n".join(lines)), max_size=100)
    text = d.to_text(unicode=False)
    assert "(over budget)" in text and "(this form is not built: it needs the closed form of" in text


def test_wrt_selects_rows():
    text = derivation().to_text(unicode=False, wrt=["z2"])
    assert "z2       | 2*z1     | 2     | 58" in text and "z3" not in text.split("inputs:")[1].split("Werbos")[0]


def test_table_cells_are_clipped_so_output_grows_linearly():
    text = "E = " + " + ".join(f"x{i}*x{i + 1}" for i in range(300))
    out = orderdiff.derive(orderdiff.parse(text)).to_text(unicode=False)
    table = out.split("\n\n")[1].splitlines()
    assert max(len(line) for line in table) < 4 * 60
    assert table[2].startswith("E        | x0*x1 + x1*x2 + ") and "..." in table[2]
    assert "d+E/dx7 = dE/dx7 = x6 + x8" in out


def test_one_printer_prints_each_form_as_a_fresh_printer_does():
    from random_systems import random_system

    from orderdiff.printers.text import TextPrinter

    d = orderdiff.derive(orderdiff.parse(random_system(80, seed=4)))
    shared = TextPrinter(True)
    for v in reversed(d.order):
        for expr in (d.recursive[v], d.explicit[v], *(p for _, p in d.steps[v].terms)):
            assert shared.doprint(expr) == TextPrinter(True).doprint(expr)
