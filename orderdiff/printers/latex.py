r"""LaTeX view of a scalar derivation: the sections of its document (article + amsmath).

The system, the table and each variable's Eq. 1; :mod:`orderdiff.documents` puts them
together with the picture of the system.

The ordered derivative d+E/dz prints as ``\frac{\partial^{+} E}{\partial z}``, the
explicit one as ``\frac{\partial E}{\partial z}``; names follow sympy (``z3`` ->
``z_{3}``, ``W_ho`` -> ``W_{ho}``, ``alpha`` -> ``\alpha``).
"""

from __future__ import annotations

from sympy import Add, Symbol
from sympy.printing.latex import LatexPrinter

from ..functions import BY_NAME
from .content import bracketed, eq1_parts, fmt_number

BRACKETS = (r"\left(", r"\right)")
PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{longtable}
{packages}\allowdisplaybreaks
\begin{document}
"""
FIGURE_BOX = (18.6, 19.0)  # cm of an upright page a picture may take, over both margins alike


class OrderdiffLatexPrinter(LatexPrinter):
    """sympy's LaTeX printer with orderdiff's ordered derivative and Heaviside."""

    def _print_Dplus(self, expr):
        return ordered(self, *expr.args)

    def _print_Heaviside(self, expr, exp=None):
        text = BY_NAME["Heaviside"].latex.replace("#1", self._print(expr.args[0]))
        return f"{text}^{{{exp}}}" if exp else text


def ordered(p, target, var):
    return rf"\frac{{\partial^{{+}} {p.doprint(target)}}}{{\partial {p.doprint(var)}}}"


def explicit(p, of, var):
    return rf"\frac{{\partial {p.doprint(of)}}}{{\partial {p.doprint(var)}}}"


def system_section(derivation, p):
    system = derivation.system
    lines = [rf"{p.doprint(v)} &= {p.doprint(eq.expr)}" for v, eq in system.equations.items()]
    names = lambda vs: ", ".join(f"${p.doprint(v)}$" for v in vs) or "none"  # noqa: E731
    return ["\\section*{The system}", "\\begin{align*}", " \\\\\n".join(lines), "\\end{align*}",
            f"Inputs: {names(derivation.inputs)}. Order: {names(derivation.order)}. "
            f"Target: ${p.doprint(derivation.target)}$.", ""]


def table_section(selected, p, E, evaluation):
    e = p.doprint(E)
    head = ["$v$", rf"$\partial {e} / \partial v$", rf"$\partial^{{+}} {e} / \partial v$"]
    if evaluation is not None:
        head.insert(1, "value")
    out = ["\\section*{Explicit and ordered derivatives}", "\\begin{longtable}{" + "l" * len(head) + "}",
           " & ".join(head) + " \\\\", "\\hline"]
    for r in selected:
        if evaluation is None:
            total = f"${p.doprint(r.total)}$" if r.total is not None else "(over budget)"
            cells = [f"${p.doprint(r.explicit)}$", total]
        else:
            cells = [f"${fmt_number(getattr(evaluation, k)[r.var])}$" for k in ("values", "explicit", "total")]
        out.append(" & ".join([f"${p.doprint(r.var)}$"] + cells) + " \\\\")
    return out + ["\\end{longtable}", ""]


def eq1(p, E):
    """Eq. 1 for target ``E`` over generic variables z_i, z_j."""
    zi, zj = Symbol("z_i"), Symbol("z_j")
    return (f"{ordered(p, E, zi)} = {explicit(p, E, zi)} + \\sum_{{j > i}} "
            f"{ordered(p, E, zj)} {explicit(p, zj, zi)}")


FORM_NOTES = {
    "recursive": "recursive form: in the successors' ordered derivatives",
    "closed": "closed form: the successors' ordered derivatives substituted",
    "inputs": "inputs form: every intermediate variable written in the inputs",
}


def derivation_section(derivation, selected, p, form, evaluation):
    out = ["\\section*{Derivations}",
           "Werbos's chain rule for ordered derivatives, over the variables in order:",
           "\\begin{equation}", eq1(p, derivation.target), "\\end{equation}",
           f"instantiated for each variable from the target back ({FORM_NOTES[form]}):", ""]
    symbolic = None if form == "recursive" else derivation.form(form)
    for r in selected:
        out += ["\\begin{align*}", " \\\\\n".join(steps(derivation, r, p, symbolic, evaluation)),
                "\\end{align*}"]
    return "\n".join(out) + "\n"


class LatexStyle:
    """LaTeX notation for :func:`eq1_parts`."""

    dot, juxtapose = " \\cdot ", " "

    def __init__(self, printer):
        self.printer = printer

    def ordered(self, target, var):
        return ordered(self.printer, target, var)

    def explicit(self, of, var):
        return explicit(self.printer, of, var)

    def expr(self, e):
        return self.printer.doprint(e)

    def factor(self, e):
        return bracketed(self.expr(e), isinstance(e, Add), *BRACKETS)

    def number_factor(self, x):
        return bracketed(fmt_number(x), False, *BRACKETS)

    def not_built(self, reason):
        return f"\\dots && \\text{{(this form is not built: {escape(reason)})}}"


def steps(derivation, r, p, symbolic, evaluation):
    """The lines of one variable's derivation: Eq. 1, instantiated, numbers, result."""
    E, v = derivation.target, r.var
    lhs = ordered(p, E, v)
    if v == E:
        return [f"{lhs} &= 1"]
    if not r.relevant:
        return [f"{lhs} &= 0 && \\text{{(${p.doprint(E)}$ does not depend on ${p.doprint(v)}$)}}"]
    parts = eq1_parts(derivation, r, symbolic, evaluation, LatexStyle(p))
    return [f"{lhs} &= {parts[0]}"] + [f"&= {x}" for x in parts[1:]]


TEXT_ESCAPES = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                **{c: "\\" + c for c in "&%$#_{}"}}


def escape(text):
    """``text`` safe inside ``\\text{...}``."""
    return "".join(TEXT_ESCAPES.get(c, c) for c in text)


SUMMARY_ROWS = 40


def render_summary(derivation):
    """The ordered derivatives as one aligned display, for Jupyter's ``_repr_latex_``.

    Large systems show the first ``SUMMARY_ROWS`` variables of the sweep and say how
    many more there are; ``to_latex`` has them all.
    """
    p = OrderdiffLatexPrinter({"order": "none"})
    E = derivation.target
    sweep = list(reversed(derivation.order))
    lines = []
    for v in sweep[:SUMMARY_ROWS]:
        total = derivation.closed[v]
        rhs = p.doprint(total) if total is not None else p.doprint(derivation.recursive[v])
        lines.append(f"{ordered(p, E, v)} &= {rhs}")
    if len(sweep) > SUMMARY_ROWS:
        lines.append(rf"&\vdots \quad \text{{({len(sweep) - SUMMARY_ROWS} more variables: see to\_latex())}}")
    return "$$\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}$$"
