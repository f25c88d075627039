"""The ``closed`` and ``inputs`` forms of the ordered derivatives, within a size budget.

``closed``: Eq. 1 with the successors' ordered derivatives substituted, in the
system's own variables. ``inputs``: the closed form with every intermediate variable
replaced by its definition, in input symbols only. Both can grow exponentially on
large nonlinear systems, so each is built by :func:`~orderdiff.limits.bounded_replace`
and checked against the budget; a form over budget is ``None`` with a reason. Forms are
symengine expressions (:mod:`orderdiff.algebra`).
"""

from __future__ import annotations

from .algebra import Add, Symbol, times
from .limits import TooLarge, bounded_replace, check_form


def closed_forms(derivation):
    """``({var: expr or None}, {var: reason})`` for every variable, in order."""
    exprs, reasons, memo = {}, {}, {}
    partials = derivation.partials
    for v in reversed(derivation.order):
        step = derivation.steps[v]
        missing = [j for j, _ in step.terms if exprs[j] is None]
        if missing:
            exprs[v] = None
            reasons[v] = f"it needs the closed form of d+{derivation.target}/d{missing[0]}, which is over budget"
            continue
        try:
            expr = Add(step.explicit, *(times(exprs[j], partials.core((j, v))) for j, _ in step.terms))
            exprs[v] = check_form(expr, derivation.max_size, memo)
        except TooLarge as e:
            exprs[v] = None
            reasons[v] = str(e)
    return {v: exprs[v] for v in derivation.order}, reasons


def input_forms(derivation, closed):
    """``({var: expr or None}, {var: reason})``: closed forms in input symbols only."""
    system, budget = derivation.system, derivation.max_size
    definitions, failed, memo = {}, {}, {}
    for v in derivation.order:
        eq = system.equations.get(v)
        if eq is None or v not in derivation.relevant:
            continue
        needs = sorted((w for w in eq.free_symbols if w in failed), key=system.index.get)
        if needs:
            failed[v] = failed[needs[0]]
            continue
        try:
            definitions[Symbol(v.name)] = bounded_replace(eq.core, definitions, budget, memo)
        except TooLarge as e:
            failed[v] = f"{v} in the inputs: {e}"
    exprs, reasons = {}, {}
    for v in derivation.order:
        expr = closed[v]
        free = [system.resolve(s.name) for s in expr.free_symbols] if expr is not None else ()
        blocked = sorted((w for w in free if w in failed), key=system.index.get)
        if expr is None:
            exprs[v], reasons[v] = None, "its closed form is over budget"
        elif blocked:
            exprs[v] = None
            reasons[v] = f"it needs {blocked[0]} in the inputs, which is not built ({failed[blocked[0]]})"
        else:
            try:
                exprs[v] = bounded_replace(expr, definitions, budget, memo)
            except TooLarge as e:
                exprs[v], reasons[v] = None, str(e)
    return exprs, reasons
