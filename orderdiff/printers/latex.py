r"""LaTeX view: a standalone document (article + amsmath) or its body.

A document includes the picture of the system (a ``tikzpicture``, loading ``tikz``);
a body includes it only when asked to (``figure=True``).

The ordered derivative d+E/dz prints as ``\frac{\partial^{+} E}{\partial z}``, the
explicit one as ``\frac{\partial E}{\partial z}``; names follow sympy (``z3`` ->
``z_{3}``, ``W_ho`` -> ``W_{ho}``, ``alpha`` -> ``\alpha``).
"""

from __future__ import annotations

from sympy import Add, Symbol
from sympy.printing.latex import LatexPrinter

from .content import bracketed, eq1_parts, fmt_number, rows

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
        text = rf"\theta\left({self._print(expr.args[0])}\right)"
        return f"{text}^{{{exp}}}" if exp else text


def ordered(p, target, var):
    return rf"\frac{{\partial^{{+}} {p.doprint(target)}}}{{\partial {p.doprint(var)}}}"


def explicit(p, of, var):
    return rf"\frac{{\partial {p.doprint(of)}}}{{\partial {p.doprint(var)}}}"


def render_latex(derivation, *, form="closed", evaluation=None, wrt=None, body_only=False, figure=None):
    """The derivation as LaTeX: system, order, table, and each variable's Eq. 1.

    Parameters
    ----------
    derivation : Derivation
    form : {'closed', 'recursive', 'inputs'}
    evaluation : Evaluation, optional
        Numbers at a point, substituted in each derivation and shown in the table.
    wrt : sequence, optional
        Only these variables.
    body_only : bool
        Leave out the preamble and ``\\begin{document}``/``\\end{document}``.
    figure : bool, optional
        Include the picture of the system (needs ``\\usepackage{tikz}``); default:
        in a document, not in a body.

    Returns
    -------
    str
    """
    p = OrderdiffLatexPrinter({"order": "none"})
    E = derivation.target
    selected = rows(derivation, form, wrt)[::-1]
    figure = not body_only if figure is None else figure
    pictured = figure_section(derivation, p, evaluation) if figure else []
    body = "\n".join(system_section(derivation, p) + pictured + table_section(selected, p, E, evaluation))
    body += "\n" + derivation_section(derivation, selected, p, form, evaluation)
    if body_only:
        return body
    preamble = PREAMBLE.replace("{packages}", "\\usepackage{tikz}\n" if figure else "")
    return preamble + body + "\\end{document}\n"


def system_section(derivation, p):
    system = derivation.system
    lines = [rf"{p.doprint(v)} &= {p.doprint(eq.expr)}" for v, eq in system.equations.items()]
    names = lambda vs: ", ".join(f"${p.doprint(v)}$" for v in vs) or "none"  # noqa: E731
    return ["\\section*{The system}", "\\begin{align*}", " \\\\\n".join(lines), "\\end{align*}",
            f"Inputs: {names(derivation.inputs)}. Order: {names(derivation.order)}. "
            f"Target: ${p.doprint(derivation.target)}$.", ""]


def figure_section(derivation, p, evaluation):
    """The picture of the system, or of the target's nearest variables when the whole would set its
    labels too small (:func:`~orderdiff.pictures.tikz.figure`), and what it leaves out."""
    from ..pictures import arrange_derivation, tikz

    shown = arrange_derivation(derivation, evaluation)
    placed = tikz.figure(shown, FIGURE_BOX)
    for depth in range((shown.depth or len(shown.columns)) - 1, 0, -1):
        if placed is not None:
            break
        shown = arrange_derivation(derivation, evaluation, depth=depth)
        placed = tikz.figure(shown, FIGURE_BOX)
    e = p.doprint(derivation.target)
    where = " at the given point" if evaluation is not None else ""
    if placed is None:
        return ["\\section*{The system as a graph}",
                f"At {tikz.MIN_PT:g} pt, the smallest size its labels may take, no picture of the system "
                "fits on a page; \\texttt{orderdiff graph} draws it.", ""]
    text = [f"The picture on page~\\pageref{{{tikz.LABEL}}} draws the system: each arrow $z_i \\to z_j$ "
            r"carries the explicit partial $\partial z_j / \partial z_i$, "
            rf"each variable $v$ its ordered derivative $\partial^{{+}} {e} / \partial v${where}."]
    if shown.beyond:
        text.append(f"It shows the {len(shown.nodes)} variables within {shown.depth} "
                    f"edges of ${e}$; {len(shown.beyond)} more are left out.")
    return ["\\section*{The system as a graph}", " ".join(text), placed, ""]


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
