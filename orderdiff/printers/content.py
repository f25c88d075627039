"""What every printer shows, gathered once: one row per variable in the chosen form.

Rows come in dependency order; printers that follow the sweep reverse them.
``evaluation`` is an :class:`~orderdiff.codegen.Evaluation` (numbers at ``--at``) or None.
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
    recursive: object
    total: object  # the chosen form, or None when over budget
    reason: str | None
    step: object
    relevant: bool


def rows(derivation, form="closed", wrt=None):
    """The rows for ``wrt`` (default: every variable), in dependency order."""
    system = derivation.system
    chosen = set(system.resolve(v, "variable") for v in wrt) if wrt else None
    forms = derivation.form(form)
    return [Row(v, system.equations.get(v), derivation.explicit[v], derivation.recursive[v],
                forms[v], forms.reason(v), derivation.steps[v], v in derivation.relevant)
            for v in derivation.order if chosen is None or v in chosen]


def fmt_number(x):
    """A float as printed in tables and steps: 6 significant digits, integers plain."""
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def fmt_factor(x, left="(", right=")"):
    """:func:`fmt_number`, bracketed when negative (a factor in a product)."""
    text = fmt_number(x)
    return f"{left}{text}{right}" if text.startswith("-") else text
