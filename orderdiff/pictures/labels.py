r"""What a derivation's picture says: d+E/dv on each node, dz_j/dz_i on each edge.

Each label comes in LaTeX math (for matplotlib's mathtext and TikZ) and in plain
Unicode (for Graphviz), from orderdiff's LaTeX and text printers. A node shows its
name and ``∂⁺E/∂v = ...``: the number at the given point, else the closed form, else
(too long or over budget) the recursive form of Eq. 1, else an ellipsis. An edge
``z_i -> z_j`` shows ``∂z_j/∂z_i = ...``: the number, else the explicit partial,
else an ellipsis. "Too long" is more than ``MAX_CHARS`` characters of plain text.
"""

from __future__ import annotations

from ..printers.content import fmt_number
from ..printers.latex import OrderdiffLatexPrinter
from ..printers.text import TextPrinter
from .model import Label

MAX_CHARS = 40


class PictureLatexPrinter(OrderdiffLatexPrinter):
    r"""orderdiff's LaTeX with ``\mathrm`` for function names: TikZ without amsmath, and mathtext."""

    def _hprint_Function(self, func):
        return super()._hprint_Function(func).replace(r"\operatorname{", r"\mathrm{")


class DerivationLabels:
    """The label functions of one derivation, optionally at a point (an Evaluation).

    Examples
    --------
    >>> from orderdiff import parse, derive
    >>> d = derive(parse("y = 3*x\\nE = y**2"))
    >>> labels = DerivationLabels(d)
    >>> [line.text for line in labels.node(d.system.resolve("x"))]
    ['x', '∂⁺E/∂x = 6*y']
    >>> labels.edge(d.system.resolve("x"), d.system.resolve("y")).math
    '\\\\partial y / \\\\partial x = 3'
    """

    def __init__(self, derivation, evaluation=None):
        self.derivation = derivation
        self.evaluation = evaluation
        self.latex = PictureLatexPrinter({"order": "none"})
        self.text = TextPrinter(unicode=True)

    def name(self, v):
        return self.text.doprint(v)

    def node(self, v):
        """The lines of ``v``'s box: its name, and ``∂⁺E/∂v = ...``."""
        d, at = self.derivation, self.evaluation
        E = d.target
        lhs = Label(rf"\partial^{{+}} {self.latex.doprint(E)} / \partial {self.latex.doprint(v)}",
                    f"∂⁺{self.name(E)}/∂{self.name(v)}")
        if at is not None:
            rhs = number(at.total[v])
        else:
            rhs = self.expression(d.closed[v]) or self.expression(d.recursive[v]) or ellipsis()
        return Label(self.latex.doprint(v), self.name(v)), equation(lhs, rhs)

    def edge(self, u, v):
        """The label of the edge ``u -> v``: ``∂v/∂u = ...``, the explicit partial."""
        lhs = Label(rf"\partial {self.latex.doprint(v)} / \partial {self.latex.doprint(u)}",
                    f"∂{self.name(v)}/∂{self.name(u)}")
        if self.evaluation is not None:
            return equation(lhs, number(self.evaluation.partials[v, u]))
        return equation(lhs, self.expression(self.derivation.partials[v, u]) or ellipsis())

    def expression(self, expr):
        """``expr`` as a label, or None when there is none or it is too long to show."""
        if expr is None:
            return None
        text = self.text.doprint(expr)
        if len(text) > MAX_CHARS:
            return None
        return Label(self.latex.doprint(expr), text)


def number(x):
    text = fmt_number(x)
    math = text.replace("inf", r"\infty").replace("nan", r"\mathrm{nan}")
    if "e" in math:  # 6 significant digits: 1.5e+20 -> 1.5 \cdot 10^{20}
        mantissa, exponent = math.split("e")
        math = rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return Label(math, text)


def ellipsis():
    return Label(r"\ldots", "…", clipped=True)


def equation(lhs, rhs):
    return Label(f"{lhs.math} = {rhs.math}", f"{lhs.text} = {rhs.text}", rhs.clipped)
