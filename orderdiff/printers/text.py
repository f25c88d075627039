"""Plain-text view: a table like the worked example, then the Werbos steps per variable.

``∂⁺E/∂z`` is the ordered derivative d+E/dz, ``∂E/∂z`` the explicit one; with
``unicode=False`` they print as ``d+E/dz`` and ``dE/dz`` and products as ``*``.
"""

from __future__ import annotations

from sympy import Add

from .content import fmt_factor, fmt_number, rows
from .plain import PlainPrinter


class Notation:
    """The symbols of one output style (Unicode or ASCII)."""

    def __init__(self, unicode):
        self.d, self.plus, self.dot = ("∂", "⁺", "·") if unicode else ("d", "+", "*")

    def ordered(self, target, var):
        return f"{self.d}{self.plus}{target}/{self.d}{var}"

    def explicit(self, of, var):
        return f"{self.d}{of}/{self.d}{var}"


class TextPrinter(PlainPrinter):
    """The plain printer, with ``Dplus(E, z)`` written as an ordered derivative."""

    def __init__(self, notation):
        super().__init__()
        self.notation = notation

    def _print_Dplus(self, expr):
        return self.notation.ordered(*expr.args)


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
    n = Notation(unicode)
    p = TextPrinter(n)
    E = derivation.target
    selected = rows(derivation, form, wrt)[::-1]
    out = [f"target: {E}",
           f"order: {', '.join(map(str, derivation.order))}",
           f"inputs: {', '.join(map(str, derivation.inputs)) or '(none)'}", ""]
    out += table(selected, n, p, E, evaluation)
    out += ["", f"Werbos steps ({form} form), Eq. 1: {n.ordered(E, 'zi')} = {n.explicit(E, 'zi')} + "
            f"sum over j of {n.ordered(E, 'zj')}{n.dot}{n.explicit('zj', 'zi')}"]
    symbolic = None if form == "recursive" else derivation.form(form)
    out += [step_line(derivation, r, n, p, symbolic, evaluation) for r in selected]
    return "\n".join(out) + "\n"


def table(selected, n, p, E, evaluation):
    head = ["variable", "equation", n.explicit(E, "v"), n.ordered(E, "v")]
    if evaluation is not None:
        head.insert(2, "value")
    body = []
    for r in selected:
        eq = r.equation.rhs if r.equation is not None else "(input)"
        if evaluation is None:
            total = p.doprint(r.total) if r.total is not None else "(over budget)"
            body.append([str(r.var), eq, p.doprint(r.explicit), total])
        else:
            body.append([str(r.var), eq] + [fmt_number(getattr(evaluation, k)[r.var])
                                            for k in ("values", "explicit", "total")])
    widths = [max(len(row[c]) for row in [head] + body) for c in range(len(head))]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(head), "-+-".join("-" * w for w in widths)] + [line(b) for b in body]


def step_line(derivation, r, n, p, symbolic, evaluation):
    """Eq. 1 for one variable: generic, instantiated, with numbers, result."""
    E, v = derivation.target, r.var
    lhs = n.ordered(E, v)
    if v == E:
        return f"{lhs} = 1"
    if not r.relevant:
        return f"{lhs} = 0   ({E} does not depend on {v})"
    terms = r.step.terms

    def instantiate(explicit, value_of, partial):
        return " + ".join([explicit] + [f"{value_of(j)}{n.dot}{partial(j, d)}" for j, d in terms])

    def closed(j):
        known = symbolic[j] if symbolic is not None else None
        return factor(p, known) if known is not None else n.ordered(E, j)

    parts = [lhs, instantiate(n.explicit(E, v), lambda j: n.ordered(E, j), lambda j, d: n.explicit(j, v)),
             instantiate(p.doprint(r.explicit), closed, lambda j, d: factor(p, d))]
    if evaluation is not None:
        at = evaluation
        parts.append(instantiate(fmt_number(at.explicit[v]), lambda j: fmt_factor(at.total[j]),
                                 lambda j, d: fmt_factor(at.partials[j, v])))
        parts.append(fmt_number(at.total[v]))
    elif r.total is not None:
        parts.append(p.doprint(r.total))
    else:
        parts.append(f"... (this form is not built: {r.reason})")
    return " = ".join(x for i, x in enumerate(parts) if i == 0 or x != parts[i - 1])


def factor(p, expr):
    text = p.doprint(expr)
    return f"({text})" if isinstance(expr, Add) or text.startswith("-") else text
