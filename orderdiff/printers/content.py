"""What every printer shows, gathered once: one row per variable in the chosen form.

Rows come in dependency order; printers that follow the sweep reverse them.
``evaluation`` is an :class:`~orderdiff.codegen.Evaluation` (numbers at ``--at``) or None.
Expressions are sympy's, or with ``core`` the symengine ones (:mod:`orderdiff.algebra`),
which the text and JSON printers print directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sympy import Symbol


@dataclass(frozen=True)
class Row:
    var: Symbol
    equation: object  # Equation, or None for an input
    explicit: object
    forms: object  # the FormMap of the chosen form
    step: object
    relevant: bool

    @property
    def total(self):
        """The chosen form, or None when over budget; built when first read (text with
        numbers never prints a recursive form)."""
        return self.forms[self.var]

    @property
    def reason(self):
        return self.forms.reason(self.var)


def rows(derivation, form="closed", wrt=None, core=False):
    """The rows for ``wrt`` (default: every variable), in dependency order; with ``core``, of
    symengine expressions."""
    system = derivation.system
    chosen = set(system.resolve(v, "variable") for v in wrt) if wrt else None
    forms = derivation.core_form(form) if core else derivation.form(form)
    explicit = (lambda v: derivation.steps[v].explicit) if core else derivation.explicit.__getitem__
    return [Row(v, system.equations.get(v), explicit(v), forms, derivation.steps[v],
                v in derivation.relevant)
            for v in derivation.order if chosen is None or v in chosen]


def fmt_number(x):
    """A float as printed in tables and steps: 6 significant digits, integers plain."""
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def bracketed(text, compound, left="(", right=")"):
    """``text`` in brackets when it is a sum or starts with a minus sign (a factor in a product)."""
    return f"{left}{text}{right}" if compound or text.startswith("-") else text


def eq1_parts(derivation, row, symbolic, evaluation, style):
    """The right-hand sides of Eq. 1 for one relevant variable, in the order printed.

    Generic (``dE/dv + d+E/dz_j dz_j/dv ...``), instantiated (explicit derivative,
    successors' ordered derivatives in the chosen form, partials), with numbers (when
    ``evaluation`` is given), and the result; a part equal to the one before is dropped.
    ``style`` supplies the notation (see :class:`~orderdiff.printers.text.TextStyle`); with a
    true ``style.core`` it prints symengine expressions, else sympy's.
    """
    E, v, partials = derivation.target, row.var, derivation.partials
    partial = partials.core if getattr(style, "core", False) else partials.__getitem__
    terms = [(j, partial((j, v))) for j, _ in row.step.terms]

    def instantiate(first, value_of, partial, dot):
        return " + ".join([first] + [f"{value_of(j)}{dot}{partial(j, d)}" for j, d in terms])

    def successor(j):
        known = symbolic[j] if symbolic is not None else None
        return style.factor(known) if known is not None else style.ordered(E, j)

    parts = [instantiate(style.explicit(E, v), lambda j: style.ordered(E, j),
                         lambda j, d: style.explicit(j, v), style.juxtapose),
             instantiate(style.expr(row.explicit), successor, lambda j, d: style.factor(d), style.dot)]
    if evaluation is not None:
        at = evaluation
        parts.append(instantiate(fmt_number(at.explicit[v]), lambda j: style.number_factor(at.total[j]),
                                 lambda j, d: style.number_factor(at.partials[j, v]), style.dot))
        parts.append(fmt_number(at.total[v]))
    elif row.total is not None:
        parts.append(style.expr(row.total))
    else:
        parts.append(style.not_built(row.reason))
    return [x for i, x in enumerate(parts) if i == 0 or x != parts[i - 1]]
