r"""LaTeX documents: a derivation's sections with the picture of its system.

:mod:`orderdiff.printers.latex` and :mod:`orderdiff.printers.blocklatex` typeset the
sections; the pictures (:mod:`orderdiff.pictures`) draw the system; this module puts them
together. A document includes the picture (a ``tikzpicture``, loading ``tikz``); a body
includes it only when asked to (``figure=True``).
"""

from __future__ import annotations

from .limits import MAX_PICTURE_EQUATIONS, MAX_PICTURE_STEPS
from .printers import blocklatex, latex
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
    pictured = scalar_figure(derivation, p, evaluation) if figure else []
    body = "\n".join(latex.system_section(derivation, p) + pictured + latex.table_section(selected, p, E, evaluation))
    body += "\n" + latex.derivation_section(derivation, selected, p, form, evaluation)
    if body_only:
        return body
    preamble = latex.PREAMBLE.replace("{packages}", "\\usepackage{tikz}\n" if figure else "")
    return preamble + body + "\\end{document}\n"


def scalar_figure(derivation, p, evaluation):
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


def block_document(derivation, *, form=None, wrt=None, body_only=False, figure=None):
    r"""The block derivation as LaTeX.

    Parameters
    ----------
    derivation : Derivation
    form, wrt : optional
        As for :func:`~orderdiff.printers.blocktext.render_text`: recursive leaves out the
        recurrences and gradients; ``wrt`` shows only the selected nodes' derivatives and the
        recurrences their forms read.
    body_only : bool
        Leave out the preamble and ``\\begin{document}``/``\\end{document}``.
    figure : bool, optional
        Include the picture (a ``tikzpicture``; needs ``\\usepackage{tikz}``): the folded
        cell, or the unrolled graph. Default: in a document, not in a body, and not for
        more than ``MAX_PICTURE_STEPS`` steps (too many to draw).

    Returns
    -------
    str

    Examples
    --------
    >>> import orderdiff
    >>> d = orderdiff.derive(orderdiff.parse("dim n\nparam w: n\ninput x[t]: n\ninit h[0] = 0\n"
    ...                                      "h[t] = tanh(w * h[t-1] + x[t])\nC = sum_t(sum(h[t]))"))
    >>> doc = block_document(d)
    >>> doc.startswith("\\documentclass{article}"), "\\usepackage{tikz}" in doc, "tikzpicture" in doc
    (True, True, True)
    >>> "tikzpicture" in block_document(d, body_only=True)
    False
    """
    if figure is None:
        figure = not body_only and (derivation.steps_count or 0) <= MAX_PICTURE_STEPS
    body = blocklatex.render_body(derivation, form=form, wrt=wrt, figure=block_figure if figure else None)
    preamble = latex.PREAMBLE.replace("{packages}", "\\usepackage{tikz}\n" if figure else "")
    return body if body_only else preamble + body + "\\end{document}\n"


def block_figure(derivation, p):
    """The picture of the folded cell or of the unrolled graph, or of a smaller stand-in when that
    would set its labels too small (:func:`~orderdiff.pictures.tikz.figure`), and how to read it."""
    from .pictures import blocks, tikz  # the pictures load only for a document that has one
    from .pictures.layout import without_legend

    T = derivation.steps_count
    title = ("\\section*{The network as a graph}" if not derivation.system.timed
             else "\\section*{One step as a graph}" if T is None
             else f"\\section*{{The unrolled graph, $T = {T}$}}")
    count = len(derivation.system.equations)
    if count > MAX_PICTURE_EQUATIONS:  # not drawn only to find it does not fit
        return [title, f"With {count} equations, more than the {MAX_PICTURE_EQUATIONS} a picture on a page "
                "could hold, the network is not drawn here; \\texttt{orderdiff graph} draws it.", ""]
    for steps, parameters, shown in blocks.stand_ins(derivation):
        placed = tikz.figure(without_legend(shown), latex.FIGURE_BOX)
        if placed is not None:
            return [title, figure_text(derivation, p, shown, steps, parameters, tikz), placed, ""]
    return [title, f"At {tikz.MIN_PT:g} pt, the smallest size its labels may take, no picture of the network "
            "fits on a page; \\texttt{orderdiff graph} draws it.", ""]


def figure_text(derivation, p, shown, steps, parameters, tikz):
    """How to read the picture, and what it stands in for when it is not the graph asked for
    (``tikz``: :mod:`orderdiff.pictures.tikz`, which labels the float and sets the least size)."""
    T, C = derivation.steps_count, p.doprint(derivation.target)
    text = f"the picture on page~\\pageref{{{tikz.LABEL}}} draws "
    if not derivation.system.timed:
        text += "the network. " if not shown.beyond else (
            f"the {len(shown.nodes)} nodes within {shown.depth} edges of ${C}$; at {tikz.MIN_PT:g} pt, the "
            f"smallest size its labels may take, the whole network does not fit on a page. ")
    elif steps is not None:
        text += (f"{'it unrolled over ' + str(steps) + ' steps, ' if steps != T else ''}one column per step; "
                 "the parameters, used at every step, are not drawn. ")
    else:
        text += ("the folded cell, one step $t$ that stands for every step: a dashed arrow marked $t-k$ uses "
                 "the value of $k$ steps before, and the parameters and initial values stand beside the step. "
                 f"A box shows $\\partial^{{+}} {C} / \\partial v$ where the derivation keeps a compact form: "
                 "the backward recurrences and the gradients. ")
    if T is not None and steps != T:
        text = (f"At {tikz.MIN_PT:g} pt, the smallest size its labels may take, the graph unrolled over {T} "
                f"steps does not fit on a page. Instead, {text}")
    if not parameters:
        text += "The parameters are left out, so that it fits. "
    return text[0].upper() + text[1:] + (
        f"Each arrow $u \\to v$ carries $v$'s share of $\\partial^{{+}} {C} / \\partial u$ in Eq.~1, "
        f"with ${shown.adjoint or 'g'}$ standing for $\\partial^{{+}} {C} / \\partial v$.")
