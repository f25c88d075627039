r"""LaTeX documents: a derivation's sections with the picture of its system.

:mod:`orderdiff.printers.latex` and :mod:`orderdiff.printers.blocklatex` typeset the
sections; the pictures (:mod:`orderdiff.pictures`) draw the system; this module puts them
together. A document includes the picture (a ``tikzpicture``, loading ``tikz``); a body
includes it only when asked to (``figure=True``).
"""

from __future__ import annotations

from .printers import latex
from .printers.content import rows


def scalar_document(derivation, *, form="closed", evaluation=None, wrt=None, body_only=False, figure=None):
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
    p = latex.OrderdiffLatexPrinter({"order": "none"})
    E = derivation.target
    selected = rows(derivation, form, wrt)[::-1]
    figure = not body_only if figure is None else figure
    pictured = figure_section(derivation, p, evaluation) if figure else []
    body = "\n".join(latex.system_section(derivation, p) + pictured + latex.table_section(selected, p, E, evaluation))
    body += "\n" + latex.derivation_section(derivation, selected, p, form, evaluation)
    if body_only:
        return body
    preamble = latex.PREAMBLE.replace("{packages}", "\\usepackage{tikz}\n" if figure else "")
    return preamble + body + "\\end{document}\n"


def figure_section(derivation, p, evaluation):
    """The picture of the system, or of the target's nearest variables when the whole would set its
    labels too small (:func:`~orderdiff.pictures.tikz.figure`), and what it leaves out."""
    from .pictures import arrange_derivation, tikz  # the pictures load only for a document that has one

    shown = arrange_derivation(derivation, evaluation)
    placed = tikz.figure(shown, latex.FIGURE_BOX)
    for depth in range((shown.depth or len(shown.columns)) - 1, 0, -1):
        if placed is not None:
            break
        shown = arrange_derivation(derivation, evaluation, depth=depth)
        placed = tikz.figure(shown, latex.FIGURE_BOX)
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
