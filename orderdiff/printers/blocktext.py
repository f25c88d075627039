"""Plain-text view of a block derivation: the network, its dependencies, Eq. 1 per node, and
(generic in t) the recurrences of backpropagation through time and the parameter gradients.

``∂⁺C/∂v`` is the ordered derivative d+C/dv, ``∂C/∂v`` the explicit one; with
``unicode=False`` they print as ``d+C/dv`` and ``dC/dv`` (see
:mod:`orderdiff.printers.blockexpr` for the rest of the notation).
"""

from __future__ import annotations

from ..blocks import expr as B
from .blockcontent import boundaries, declarations, dependencies, folded, is_generic, shares, view
from .blockexpr import BlockTextPrinter, time_text


def render_text(derivation, *, form=None, wrt=None, unicode=True):
    """The block derivation as text.

    Parameters
    ----------
    derivation : Derivation
        Generic in t (``steps_count is None``) or unrolled over T steps.
    form : {'closed', 'recursive'}, optional
        closed (the default generic in t): Eq. 1 for every node, then the recurrences and the
        gradients with every adjoint used once substituted; recursive (the only form unrolled):
        Eq. 1 alone.
    wrt : sequence of str or Var, optional
        Only the ordered derivatives of these nodes (``h`` is h[t] and h[0]; ``h[0]`` that one),
        with the recurrences their forms read; the network and its dependencies are shown whole.
    unicode : bool
        ∂⁺ ⊙ ᵀ Σₜ notation (True) or ASCII ``d+``, ``*``, ``^T``, ``sum_t``.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        A form that does not apply (``inputs``; ``closed`` unrolled).
    TargetError
        A name in ``wrt`` that names no node.

    Examples
    --------
    >>> import orderdiff
    >>> d = orderdiff.derive(orderdiff.parse("dim n\\nparam w: n\\ninput x[t]: n\\ninit h[0] = 0\\n"
    ...                                      "h[t] = tanh(w * h[t-1] + x[t])\\nC = sum_t(sum(h[t]))"))
    >>> print(render_text(d).split("Backpropagation through time")[1])
    , t = T, T-1, ..., 1 (ordered derivatives past T are 0):
    ∂⁺C/∂h[t] = 1 + ∂⁺C/∂h[t+1] ⊙ (1 - h[t+1] ⊙ h[t+1]) ⊙ w
      at t = T: ∂⁺C/∂h[T] = 1
    <BLANKLINE>
    Parameter gradients:
    ∂⁺C/∂w = Σₜ ∂⁺C/∂h[t] ⊙ (1 - h[t] ⊙ h[t]) ⊙ h[t-1]
    ∂⁺C/∂h[0] = ∂⁺C/∂h[1] ⊙ (1 - h[1] ⊙ h[1]) ⊙ w
    <BLANKLINE>
    """
    p = BlockTextPrinter(derivation.target, unicode=unicode)
    shown = view(derivation, form, wrt)
    out = header(derivation) + network(derivation, p) + dependency_lines(derivation, p)
    out += eq1_section(derivation, p, shown)
    closed = shown.form == "closed"
    recurrent = closed and bool(shown.recurrences or shown.substituted
                                or (shown.everything and derivation.system.timed))
    if recurrent:
        out += bptt_section(derivation, p, shown)
    if closed and (shown.everything or shown.gradients):
        out += gradient_section(p, shown)
    if not recurrent and derivation.assumptions:  # else stated with the recurrences they simplify
        out += [f"assuming {a}" for a in derivation.assumptions]
    return "\n".join(out).rstrip("\n") + "\n"


def header(derivation):
    system = derivation.system
    if not (system.timed or any(d.timed for d in system.inputs)):
        return [f"target: {derivation.target.name}", ""]
    if is_generic(derivation):
        return [f"target: {derivation.target.name}, generic in t (every step t = 1..T)", ""]
    return [f"target: {derivation.target.name}, unrolled over T = {derivation.steps_count} steps", ""]


def network(derivation, p):
    system = derivation.system
    lines = declarations(system) + [f"{p.doprint(eq.var)} = {eq.text}" for eq in system.equations.values()]

    def names(vs):
        return ", ".join(p.doprint(system.var(v)) for v in vs)

    if not system.timed:
        return ["The network:"] + [f"  {x}" for x in lines] + [f"order: {names(system.before + system.after)}", ""]
    order = [f"before the loop: {names(system.before)}"] if system.before else []
    order += [f"one step, t = 1..T: {names(system.timed)}"] if system.timed else []
    states = [v for v in system.backward if v in system.leads]  # the states read at t+1 on such a recurrence
    if states:
        order += [f"{names(states)} read{'s' if len(states) == 1 else ''} the next step: computed from t = T down to 1"]
    order += [f"after the loop: {names(system.after)}"] if system.after else []
    return ["The network:"] + [f"  {x}" for x in lines] + ["; ".join(order), ""]


def dependency_lines(derivation, p):
    generic = is_generic(derivation)
    title = "Unrolled dependencies" if not generic else "Dependencies at every step t" if (
        derivation.system.timed) else "Dependencies"
    arrow = " <- "
    rows = [f"  {p.doprint(u)}{arrow}{', '.join(p.doprint(v) for v in vs)}" for u, vs in dependencies(derivation)]
    return [f"{title} (node <- what it is computed from):"] + rows + [""]


def eq1_generic(p, v, share):
    """The term of Eq. 1 that ``share`` instantiates: ``(∂u/∂v)ᵀ ∂⁺C/∂u``, summed over t if it is."""
    term = f"({p.explicit(share.user, v)}){p.top}{p.matmul}{p.ordered(share.user)}"
    if not share.summed:
        return term
    return f"Σₜ {term}" if p.unicode else f"sum_t({term})"


def eq1_parts(derivation, v, p):
    """Eq. 1 for ``v``: generic, instantiated, simplified; a part equal to the one before is dropped."""
    terms = shares(derivation, v)
    explicit = derivation.explicit[v]
    parts = [" + ".join([p.explicit(derivation.target, v)] + [eq1_generic(p, v, s) for s in terms]),
             p.doprint(B.Plus(explicit, *(s.expr for s in terms)) if terms else explicit),
             p.doprint(derivation.recursive[v])]
    return [x for k, x in enumerate(parts) if k == 0 or x != parts[k - 1]]


def aligned(lhs, parts, long):
    """``lhs = a = b`` on one line, or (``long``) one ``= part`` per line."""
    if not long:
        return [" = ".join([lhs] + parts)]
    pad = " " * len(lhs)
    return [f"{lhs} = {parts[0]}"] + [f"{pad} = {x}" for x in parts[1:]]


def eq1_section(derivation, p, shown):
    C = p.doprint(derivation.target)
    out = ["Ordered derivatives (Eq. 1), from the target back:",
           (f"  {p.ordered('v')} = {p.explicit(C, 'v')} + sum over the users u of v of "
           f"({p.explicit('u', 'v')}){p.top}{p.matmul}{p.ordered('u')}")]
    out += [f"{p.ordered(derivation.target)} = 1"] if shown.target else []
    for v in reversed(shown.nodes):
        out += aligned(p.ordered(v), eq1_parts(derivation, v, p), bool(derivation.steps[v].terms))
    out += [f"{p.ordered(v)} = 0   ({C} does not depend on {p.doprint(v)})" for v in shown.unrelated]
    if shown.needed and shown.form == "recursive":
        out.append(f"(also shown: {', '.join(p.ordered(v) for v in shown.needed)}, which the selected forms read)")
    return out + [""]


def bptt_section(derivation, p, shown):
    recurrences = shown.recurrences
    out = ["Backpropagation through time, t = T, T-1, ..., 1 (ordered derivatives past T are 0):"
           if derivation.system.timed else "Backpropagation (the ordered derivatives used more than once):"]
    if derivation.system.leads:  # a look-ahead's recurrence reads the step before: it runs t = 1..T
        out = ["Backpropagation through time (ordered derivatives past T and before 1 are 0); a recurrence in",
               "t+1 runs t = T, T-1, ..., 1, one in t-1 (of a state that reads the next step) t = 1, 2, ..., T:"]
    for v, e in recurrences.items():
        out.append(f"{p.ordered(v)} = {p.doprint(e)}")
        out += [f"  at t = {time_text(when)}: {p.ordered(w)} = {p.doprint(f)}"
                for when, w, f in boundaries(derivation, v, e)]
    if not recurrences and shown.everything:
        out.append("(no recurrences: no node needs its own ordered derivative at a later step)")
    if shown.needed:
        out.append(f"(also shown: {', '.join(p.ordered(v) for v in shown.needed)}, which the selected forms read)")
    if shown.substituted:
        out.append("the selected nodes without a recurrence, in the ordered derivatives above:")
        out += [f"{p.ordered(v)} = {p.doprint(e)}" for v, e in shown.substituted.items()]
    gone = [v for v in folded(derivation) if v.time]
    if gone:
        out.append(f"substituted into their users: {', '.join(p.ordered(v) for v in gone)}")
    return out + [f"assuming {a}" for a in derivation.assumptions] + [""]


def gradient_section(p, shown):
    return ["Parameter gradients:"] + [f"{p.ordered(v)} = {p.doprint(e)}" for v, e in shown.gradients.items()] + [""]
