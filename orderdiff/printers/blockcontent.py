"""What every view of a block file's :class:`~orderdiff.derivation.Derivation` shows, gathered once.

:func:`view` picks what one output shows for a ``form`` and ``wrt``. The shares of Eq. 1
with the user each comes from (``xc[t+1]`` for the use of h[t] in
xc = concat(x[t], h[t-1])), the dependencies of the DAG, the compact forms split into
recurrences and gradients, the boundary forms written at t = T - j, and each recurrence
reached from Eq. 1 one substitution at a time. Nothing here differentiates or simplifies:
the derivation did that; this module only reads it and substitutes for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sympy import Basic

from ..blocks import expr as B
from ..blocks.derive import base, generic, moved, offset, references
from ..blocks.nodes import nodes_named


@dataclass(frozen=True)
class Share:
    """One user's term of Eq. 1: ``user`` as its adjoint appears in ``expr``; ``summed`` over t."""

    user: B.Var
    expr: object
    summed: bool


def shares(derivation, v):
    """The terms of Eq. 1 for ``v``, each with the user whose ordered derivative it carries."""
    return [Share(shown_user(u, s), s, isinstance(s, B.SumT)) for u, s in derivation.steps[v].terms]


def shown_user(user, share):
    """The user at the time its adjoint has in ``share`` (xc[t+1] rather than the equation's xc[t])."""
    found = {a.args[0] for a in B.adjoints(share) if a.args[0].name == user.name}
    return found.pop() if len(found) == 1 else user


def is_generic(derivation):
    return derivation.steps_count is None


def split(derivation, form=None):
    """``(recurrences, gradients)`` in ``form``: closed, the kept adjoints of defined nodes in sweep
    order, then the gradients of the parameters, with the initial values last; recursive (and
    unrolled), no recurrences and the parameters' and initial values' Eq. 1."""
    order = derivation.order
    if derivation.choose_form(form) == "closed":
        forms = {**derivation.recurrences, **derivation.gradients}
        kept = derivation.recurrences
    else:
        leaves = {d.name for d in derivation.system.params}
        forms = {v: derivation.recursive[v] for v in order if v.name in leaves or (v.time and not generic(v))}
        kept = {}
    recurrences = {v: forms[v] for v in reversed(order) if v in kept}
    rest = [v for v in order if v in forms and v not in kept]
    rest = [v for v in rest if not v.time] + [v for v in rest if v.time]
    return recurrences, {v: forms[v] for v in rest}


@dataclass(frozen=True)
class View:
    """What one output shows: the ``form``, and with ``wrt`` only the selected nodes' Eq. 1 and
    forms, with the recurrences those forms read (``needed``), so that each can be computed."""

    form: str
    everything: bool  # no wrt: every node
    nodes: tuple  # whose Eq. 1 is shown, in dependency order
    target: bool  # whether d+C/dC = 1 is shown
    unrelated: tuple  # selected nodes the target does not depend on: d+C/dv = 0
    recurrences: dict
    gradients: dict
    needed: tuple  # recurrences (recursive: Eq. 1) shown, though not selected, because a shown form reads them
    substituted: dict  # closed, with wrt: the other selected nodes' forms in the adjoints kept


def view(derivation, form=None, wrt=None):
    """The :class:`View` of ``derivation`` in ``form`` for the names ``wrt`` (default: all).

    Raises ``ValueError`` for a form that does not apply and
    :class:`~orderdiff.errors.TargetError` for a name that selects no node.
    """
    form = derivation.choose_form(form)
    recurrences, gradients = split(derivation, form)
    if wrt is None:
        return View(form, True, derivation.order, True, (), recurrences, gradients, (), {})
    names = [wrt] if isinstance(wrt, (str, Basic)) else wrt
    chosen = dict.fromkeys(v for name in names for v in nodes_named(derivation, name))
    if form == "recursive":
        return recursive_view(derivation, chosen, gradients)
    gradients = {v: e for v, e in gradients.items() if v in chosen}
    nodes = tuple(v for v in derivation.order if v in chosen)
    substituted = {} if form == "recursive" else {v: derivation.substituted[v] for v in nodes
                                                  if v in derivation.substituted}
    read = needed(recurrences, [e for v, e in recurrences.items() if v in chosen]
                  + list(gradients.values()) + list(substituted.values()))
    shown = {v: e for v, e in recurrences.items() if v in chosen or v in read}
    return View(form, False, nodes, derivation.target in chosen,
                tuple(v for v in chosen if v not in derivation.steps and v != derivation.target),
                shown, gradients, tuple(v for v in shown if v not in chosen), substituted)


def recursive_view(derivation, chosen, gradients):
    """The recursive form's :class:`View` of the ``chosen`` nodes: their Eq. 1, and that of every
    node whose ordered derivative these read, back to the target (``needed``)."""
    forms = derivation.recursive
    unrolled = derivation.steps_count is not None  # its nodes are the steps themselves: h[2], not h[t]
    read = needed(forms, [forms[v] for v in chosen if v in forms],
                  (lambda e: {a.args[0] for a in B.adjoints(e)}) if unrolled else references)
    nodes = tuple(v for v in derivation.order if v in chosen or v in read)
    return View("recursive", False, nodes, derivation.target in chosen,
                tuple(v for v in chosen if v not in derivation.steps and v != derivation.target), {},
                {v: e for v, e in gradients.items() if v in chosen}, tuple(v for v in nodes if v not in chosen), {})


def needed(recurrences, forms, read=references):
    """The recurrences whose adjoints ``forms`` read, and those that these read in turn;
    ``read(e)`` gives the nodes whose adjoints ``e`` uses."""
    out, todo = set(), list(forms)
    while todo:
        for u in read(todo.pop()):
            if u in recurrences and u not in out:
                out.add(u)
                todo.append(recurrences[u])
    return out


def folded(derivation):
    """The nodes whose ordered derivatives the compact forms substitute away (used once)."""
    data = {d.name for d in derivation.system.inputs}
    return [v for v in reversed(derivation.order)
            if v not in derivation.compact and v.name not in data and v != derivation.target]


def unfold(derivation, v, gone=None):
    """``[(how, form)]`` from Eq. 1 of ``v`` to its compact form: ``'Eq. 1'``, then each
    substitution of the folded nodes' Eq. 1 (``'substituted'``), then ``'simplified'``;
    ``gone`` is ``set(folded(derivation))``, given when it is known."""
    forms = derivation.recursive
    gone = set(folded(derivation)) if gone is None else gone
    out = [("Eq. 1", forms[v])]
    for _ in range(len(gone) + 1):
        hits = {a: moved(forms[base(a.args[0])], a.args[0])
                for a in B.adjoints(out[-1][1]) if base(a.args[0]) in gone}
        if not hits:
            break
        out.append(("substituted", B.replace_adjoints(out[-1][1], hits)))
    final = derivation.compact.get(v, out[-1][1])
    return out + ([("simplified", final)] if final != out[-1][1] else [])


def boundaries(derivation, v, expr):
    """``[(step, v at that step, the form there)]``: the steps at T (or at 1) where ordered
    derivatives past T (before 1) are zero."""
    return [(when, B.at_time(v, when), form) for when, form in derivation.boundary_at_steps(expr)]


def dependencies(derivation):
    """``[(node, [what it is computed from])]``, from the target's back to the leaves' users.

    Unrolled, these are the edges of the DAG; generic in t, each edge is written at
    the user's step t, so the use of h[t] by xc[t+1] reads ``xc[t] <- h[t-1]``.
    """
    deps = {}
    for v in derivation.order:
        for s in shares(derivation, v):
            k = offset(s.user)
            deps.setdefault(B.shift(s.user, -k), []).extend(B.shift(w, -k) for w in steps_read(v, s.expr))
        if not B.is_zero(derivation.explicit[v]):
            deps.setdefault(derivation.target, []).extend(steps_read(v, derivation.explicit[v]))
    rank = {v: k for k, v in enumerate(derivation.order)}

    def place(u):
        if u == derivation.target:
            return len(rank)
        return rank[u] if u in rank else rank.get(base(u), len(rank)) - 0.5

    return sorted(deps.items(), key=lambda item: place(item[0]))


def steps_read(v, share):
    """The nodes of ``v`` that a user reads, by the share it passes back: h[T] for a share of
    that last step alone (``[t = T] · g``), h[1] for one of the first (``[t = 1] · g``), ``v``
    itself for any other."""
    if not B.holds(share, B.Last, B.First):
        return [v]

    def step(term):
        return (v.at(B.T_LAST - term.args[1]) if isinstance(term, B.Last)
                else v.at(term.args[1]) if isinstance(term, B.First) else v)
    out = [step(t) for t in (share.args if isinstance(share, B.Plus) else (share,))]
    return list(dict.fromkeys(out))


def declarations(system):
    """The declarations as written (comments dropped): dimensions, then in file order."""
    decls = [*system.declarations.values(), *(d for slots in system.inits.values() for d in slots.values())]
    lines = [f"dim {', '.join(system.dims)}"] if system.dims else []
    return lines + [written(d) for d in sorted(decls, key=lambda d: d.line)]


def written(decl):
    """A declaration's line as written, without its comment."""
    return decl.source.split("#")[0].strip()


def shape_text(shape):
    """``['n_h', 'n_h + n_x']``: a shape's dimensions as strings (``[]`` for a scalar)."""
    return list(dims_text(tuple(shape)))


@lru_cache(maxsize=1 << 10)
def dims_text(shape):
    return tuple(str(d) for d in shape)  # sympy's str builds a printer each time; a file has few shapes
