"""Plain-text view: a table like the worked example, then the Werbos steps per variable.

``∂⁺E/∂z`` is the ordered derivative d+E/dz, ``∂E/∂z`` the explicit one; with
``unicode=False`` they print as ``d+E/dz`` and ``dE/dz`` and products as ``*``.

Expressions print as :mod:`orderdiff.printers.plain` spells them (orderdiff's own syntax:
``1 - h**2``, ``-3*x/2``, ``1/(2*sqrt(x))``); ``Dplus(E, z)`` becomes ``∂⁺E/∂z``.
"""

from __future__ import annotations

import re

from ..naming import name_of
from .content import bracketed, eq1_parts, fmt_number, rows
from .plain import PlainPrinter


class TextStyle:
    """The notation of one output style (Unicode or ASCII), for :func:`eq1_parts`."""

    def __init__(self, unicode, printer):
        self.d, self.plus, self.dot = ("∂", "⁺", "·") if unicode else ("d", "+", "*")
        self.ellipsis = "…" if unicode else "..."
        self.juxtapose = self.dot
        self.printer = printer
        self.core = True

    def ordered(self, target, var):
        return f"{self.d}{self.plus}{name_of(target)}/{self.d}{name_of(var)}"

    def explicit(self, of, var):
        return f"{self.d}{name_of(of)}/{self.d}{name_of(var)}"

    def expr(self, e):
        return self.printer.doprint(e)

    def factor(self, e):
        return bracketed(self.expr(e), e.is_Add)

    def number_factor(self, x):
        return bracketed(fmt_number(x), False)

    def not_built(self, reason):
        return f"... (this form is not built: {reason})"


DPLUS = re.compile(r"Dplus\(([A-Za-z_]\w*), ([A-Za-z_]\w*)\)")


class TextPrinter(PlainPrinter):
    """The plain printer, with ``Dplus(E, z)`` written as an ordered derivative."""

    def __init__(self, unicode):
        super().__init__()
        self.style = TextStyle(unicode, self)

    def doprint(self, expr):
        text = super().doprint(expr)
        if "Dplus(" not in text:
            return text
        return DPLUS.sub(lambda m: self.style.ordered(m[1], m[2]), text)


def render_text(derivation, *, form="closed", evaluation=None, wrt=None, unicode=True):
    """The derivation as text: header, table, Werbos steps.

    Parameters
    ----------
    derivation : Derivation
    form : {'closed', 'recursive', 'inputs'}
        The form of d+E/dv shown in the table and the steps.
    evaluation : Evaluation, optional
        Numbers at a point; the table then shows values instead of expressions.
    wrt : sequence, optional
        Only these variables.
    unicode : bool
        ∂⁺ notation (True) or ASCII ``d+``.

    Returns
    -------
    str
    """
    p = TextPrinter(unicode)
    n = p.style
    E = derivation.target
    selected = rows(derivation, form, wrt, core=True)[::-1]
    out = [f"target: {E}",
           f"order: {', '.join(map(str, derivation.order))}",
           f"inputs: {', '.join(map(str, derivation.inputs)) or '(none)'}", ""]
    out += table(selected, n, p, E, evaluation)
    out += ["", f"Werbos steps ({form} form), Eq. 1: {n.ordered(E, 'zi')} = {n.explicit(E, 'zi')} + "
            f"sum over j of {n.ordered(E, 'zj')}{n.dot}{n.explicit('zj', 'zi')}"]
    symbolic = None if form == "recursive" else derivation.core_form(form)
    out += [step_line(derivation, r, n, symbolic, evaluation) for r in selected]
    return "\n".join(out) + "\n"


CELL = 60  # widest table cell: the table is an overview, the steps below have every form in full


def table(selected, n, p, E, evaluation):
    head = ["variable", "equation", n.explicit(E, "v"), n.ordered(E, "v")]
    if evaluation is not None:
        head.insert(2, "value")
    body = []
    for r in selected:
        eq = r.equation.rhs if r.equation is not None else "(input)"
        if evaluation is None:
            total = p.doprint(r.total) if r.total is not None else "(over budget)"
            cells = [r.var.name, eq, p.doprint(r.explicit), total]
        else:
            cells = [r.var.name, eq] + [fmt_number(getattr(evaluation, k)[r.var])
                                        for k in ("values", "explicit", "total")]
        body.append([clip(c, n.ellipsis) for c in cells])
    widths = [max(len(row[c]) for row in [head] + body) for c in range(len(head))]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(head), "-+-".join("-" * w for w in widths)] + [line(b) for b in body]


def clip(text, ellipsis):
    return text if len(text) <= CELL else text[:CELL - len(ellipsis)] + ellipsis


def step_line(derivation, r, n, symbolic, evaluation):
    """Eq. 1 for one variable on one line: generic, instantiated, with numbers, result."""
    E, v = derivation.target, r.var
    lhs = n.ordered(E, v)
    if v == E:
        return f"{lhs} = 1"
    if not r.relevant:
        return f"{lhs} = 0   ({E} does not depend on {v})"
    return " = ".join([lhs] + eq1_parts(derivation, r, symbolic, evaluation, n))
