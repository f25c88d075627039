"""The LaTeX view: golden strings for small cases and a real pdflatex compile."""

import os
import shutil
import subprocess

import pytest
import sympy

import orderdiff
from conftest import WERBOS
from orderdiff.printers.latex import OrderdiffLatexPrinter

WERBOS_DERIVATIONS = r"""\begin{align*}
\frac{\partial^{+} E}{\partial z_{2}} &= \frac{\partial E}{\partial z_{2}} + \frac{\partial^{+} E}{\partial z_{4}} \frac{\partial z_{4}}{\partial z_{2}} + \frac{\partial^{+} E}{\partial z_{3}} \frac{\partial z_{3}}{\partial z_{2}} \\
&= 2 + 4 \cdot 2 + 16 \cdot 3 \\
&= 58
\end{align*}
\begin{align*}
\frac{\partial^{+} E}{\partial z_{1}} &= \frac{\partial E}{\partial z_{1}} + \frac{\partial^{+} E}{\partial z_{4}} \frac{\partial z_{4}}{\partial z_{1}} + \frac{\partial^{+} E}{\partial z_{3}} \frac{\partial z_{3}}{\partial z_{1}} + \frac{\partial^{+} E}{\partial z_{2}} \frac{\partial z_{2}}{\partial z_{1}} \\
&= 0 + 4 \cdot 1 + 16 \cdot 1 + 58 \cdot 2 \\
&= 136
\end{align*}
"""

WERBOS_TABLE = r"""\begin{longtable}{lll}
$v$ & $\partial E / \partial v$ & $\partial^{+} E / \partial v$ \\
\hline
$E$ & $1$ & $1$ \\
$z_{4}$ & $4$ & $4$ \\
$z_{3}$ & $0$ & $16$ \\
$z_{2}$ & $2$ & $58$ \\
$z_{1}$ & $0$ & $136$ \\
\end{longtable}"""

TANH_Z = r"""\begin{align*}
\frac{\partial^{+} E}{\partial z} &= \frac{\partial E}{\partial z} + \frac{\partial^{+} E}{\partial h} \frac{\partial h}{\partial z} \\
&= 0 + 2 h \cdot \left(1 - h^{2}\right) \\
&= 0 + 0.924234 \cdot 0.786448 \\
&= 0.726862
\end{align*}
"""


def test_worked_example_golden():
    body = orderdiff.derive(orderdiff.parse(WERBOS)).to_latex(body_only=True)
    assert body.endswith(WERBOS_DERIVATIONS)
    assert WERBOS_TABLE in body
    assert "z_{4} &= z_{1} + 2 z_{2} + 4 z_{3}" in body
    assert "\\documentclass" not in body


def test_tanh_golden_with_values():
    d = orderdiff.derive(orderdiff.parse("h = tanh(z)\nE = h**2"))
    assert d.to_latex(body_only=True, values={"z": 0.5}).endswith(TANH_Z)


@pytest.mark.parametrize("name, latex", [("z3", "z_{3}"), ("W_ho", "W_{ho}"), ("alpha", r"\alpha"),
                                         ("h_t", "h_{t}"), ("E", "E")])
def test_names(name, latex):
    p = OrderdiffLatexPrinter()
    assert p.doprint(orderdiff.Dplus(sympy.Symbol("E"), sympy.Symbol(name))) == (
        rf"\frac{{\partial^{{+}} E}}{{\partial {latex}}}")


def test_repr_latex_is_display_math():
    text = orderdiff.derive(orderdiff.parse(WERBOS))._repr_latex_()
    assert text.startswith("$$\\begin{aligned}") and "&= 136" in text


def pdflatex_or_skip():
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is required in CI (apt-get install texlive-latex-base)")
        pytest.skip("pdflatex not installed")
    return exe


DOCUMENTS = {
    "werbos": (WERBOS, {"z1": 1.0}, "closed"),
    "nonlinear": ("h = tanh(W_ho*x + b)\nq = sigmoid(h)*alpha/(1 + x^2)\nE = q**2 + relu(h) + abs(x_1)",
                  {"W_ho": 0.3, "x": -0.4, "b": 0.1, "alpha": 2.0, "x_1": -1.0}, "closed"),
    "inputs_form": ("h = tanh(z)\nE = h**2 + softplus(h)", None, "inputs"),
    "recursive": (WERBOS, None, "recursive"),
    "odd_names": ("x_ = a__b + _c\nlambda_ = x_ * Theta\nE = lambda_ + x_", None, "closed"),
    "over_budget": ("\n".join(["z1 = sin(x)", "z2 = cos(x)"] + [
        f"z{i} = sin(z{i - 1})*z{i - 2} + z{i - 1}*cos(z{i - 2})" for i in range(3, 12)]), None, "closed"),
}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_compiles_with_pdflatex(name, tmp_path):
    exe = pdflatex_or_skip()
    text, values, form = DOCUMENTS[name]
    d = orderdiff.derive(orderdiff.parse(text), max_size=60)
    (tmp_path / "doc.tex").write_text(d.to_latex(values=values, form=form), encoding="utf-8")
    run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_escape_for_text_mode():
    from orderdiff.printers.latex import escape
    assert escape("a_b & 50% $x^2~\\") == (r"a\_b \& 50\% \$x\textasciicircum{}2\textasciitilde{}"
                                            r"\textbackslash{}")


def test_repr_latex_of_a_large_system_is_cut_and_says_so():
    text = "\n".join(["z0 = x"] + [f"z{i} = 2*z{i - 1}" for i in range(1, 60)])
    shown = orderdiff.derive(orderdiff.parse(text))._repr_latex_()
    assert shown.count("&=") == 40 and "(21 more variables: see to\\_latex())" in shown
    assert r"\frac{\partial^{+} z_{59}}{\partial z_{20}} &= 549755813888" in shown
