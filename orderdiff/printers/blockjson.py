"""JSON view of a block derivation for programs: stable key order, ASCII expression text.

Shape::

    {"mode": "generic" | "unrolled", "steps": null | T, "target": "C",
     "form": "closed" | "recursive",
     "dims": [...], "declarations": {name: {"kind", "shape", "timed", "line", "text", ...}},
     "equations": {name: {"var", "text", "shape", "line"}},
     "order": [node, ...], "inputs": [node, ...],
     "nodes": {node: {"shape", "explicit", "users": [{"user", "share"}], "recursive", "total"}},
     "recurrences": {node: {"form", "boundary": [{"t", "form"}]}},
     "gradients": {node: form}, "assumptions": [...],
     "ops": {"recursive": {node: n}, "recurrences": {node: n}, "gradients": {node: n},
             "loop": {"forward": n, "backward": n}}}

Expressions are in the ASCII notation of :class:`~orderdiff.printers.blockexpr.BlockTextPrinter`
(``d+C/dzh[t+1]``, ``W_ho^T @ g``, ``a * b``, ``sum_t(...)``), bracketed as the file format
reads them (``(W_ho^T @ g) * (1 - h * h)``, ``-(yhat[t] / y[t])``); shapes are lists of
dimension strings (``[]`` for a scalar). A node's ``total`` is its ordered derivative in
``form``, as in a scalar derivation's JSON: closed, in the adjoints that the recurrences
keep; recursive, its Eq. 1. ``target``, ``form``, ``order``, ``inputs`` and
``nodes`` are the keys of a scalar derivation's JSON (:mod:`orderdiff.printers.jsonout`), in
its order; ``order`` lists every node, the target last, and ``inputs`` the nodes of the
declared inputs, even with ``wrt``; ``nodes`` holds the target too (d+C/dC = 1) unless
``wrt`` leaves it out. In the recursive form (the only one unrolled) ``recurrences`` is empty and
``gradients`` holds the parameters' and initial values' Eq. 1 in their users' adjoints. With
``wrt``, ``nodes`` and ``gradients`` hold the selected nodes only (one the target does not
depend on with ``0``), and ``recurrences`` those selected and those the shown forms read.

``ops`` counts the block operations of each form (:func:`~orderdiff.blocks.expr.count_ops`:
a sum of k terms is k - 1, every other operation 1), and, generic in t, those the
generated program runs per step inside its forward and backward loops, where the
work off the recurrence has been moved out (``orderdiff/blocks/split.py``); ``loop``
is null when unrolled.
"""

from __future__ import annotations

import json

from ..blocks import expr as B
from .blockcontent import boundaries, is_generic, shape_text, shares, view, written
from .blockexpr import BlockTextPrinter, time_text


def render_json(derivation, *, form=None, wrt=None):
    """The block derivation as JSON text (see the module docstring for the shape); ``form`` and
    ``wrt`` as for :func:`~orderdiff.printers.blocktext.render_text`.

    Examples
    --------
    >>> import json, orderdiff
    >>> d = orderdiff.derive(orderdiff.parse("dim n\\nparam w: n\\ninput x[t]: n\\ninit h[0] = 0\\n"
    ...                                      "h[t] = tanh(w * h[t-1] + x[t])\\nC = sum_t(sum(h[t]))"))
    >>> doc = json.loads(render_json(d))
    >>> doc["recurrences"]["h[t]"]
    {'form': '1 + d+C/dh[t+1] * (1 - h[t+1] * h[t+1]) * w', 'boundary': [{'t': 'T', 'form': '1'}]}
    >>> doc["gradients"]["w"]
    'sum_t(d+C/dh[t] * (1 - h[t] * h[t]) * h[t-1])'
    """
    p = BlockTextPrinter(derivation.target, unicode=False)
    system = derivation.system
    shown = view(derivation, form, wrt)
    recurrences, gradients, nodes = shown.recurrences, shown.gradients, shown.nodes[::-1] + shown.unrelated
    doc = {"mode": "generic" if is_generic(derivation) else "unrolled",
           "steps": derivation.steps_count,
           "target": p.doprint(derivation.target),
           "form": shown.form,
           "dims": list(system.dims),
           "declarations": leaves(system, p),
           "equations": {name: {"var": p.doprint(eq.var), "text": eq.text, "shape": shape_text(eq.var.shape),
                                "line": eq.line} for name, eq in system.equations.items()},
           "order": [p.doprint(v) for v in (*derivation.order, derivation.target)],
           "inputs": [p.doprint(v) for v in derivation.inputs],
           "nodes": {**({p.doprint(derivation.target): TARGET_NODE} if shown.target else {}),
                     **{p.doprint(v): node(derivation, v, p, shown.form) for v in nodes}},
           "recurrences": {p.doprint(v): {"form": p.doprint(e),
                                          "boundary": [{"t": time_text(when), "form": p.doprint(f)}
                                                       for when, _, f in boundaries(derivation, v, e)]}
                           for v, e in recurrences.items()},
           "gradients": {p.doprint(v): p.doprint(e) for v, e in gradients.items()},
           "assumptions": list(derivation.assumptions),
           "ops": {"recursive": {p.doprint(v): B.count_ops(derivation.recursive.get(v, 0)) for v in nodes},
                   "recurrences": {p.doprint(v): B.count_ops(e) for v, e in recurrences.items()},
                   "gradients": {p.doprint(v): B.count_ops(e) for v, e in gradients.items()},
                   "loop": loop_ops(derivation) if is_generic(derivation) else None}}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def loop_ops(derivation):
    """Operations per step inside the generated program's loops; hoisted work counts none."""
    p = derivation.plan
    count = {}
    for name, halves in (("forward", p.forward), ("backward", p.backward)):
        count[name] = 0
        for half in halves:
            named = {*half.stacked, *half.once}  # made once a half: a long loop has thousands
            count[name] += sum(B.count_ops(e, named) for _, e, *_ in half.loop)
    return count


def leaves(system, p):
    """The declared inputs, parameters and initial values, keyed as written (``x``, ``h[0]``)."""
    out = {}
    for decl in system.declarations.values():
        out[decl.name] = {"kind": decl.kind, "shape": shape_text(decl.shape), "timed": decl.timed,
                          "distribution": decl.distribution, "line": decl.line, "text": written(decl)}
    for name, slots in system.inits.items():
        for s, decl in sorted(slots.items(), key=lambda item: B.time_key(item[0]), reverse=True):
            value = {"fill": decl.fill} if decl.given_by is None else {"given_by": decl.given_by}
            out[p.doprint(system.var(name, s))] = {"kind": "init", "shape": shape_text(system.shape(name)),
                                                   **value, "line": decl.line, "text": written(decl)}
    return out


# d+C/dC = 1, shown as a scalar derivation's JSON shows its target
TARGET_NODE = {"shape": [], "explicit": "1", "users": [], "recursive": "1", "total": "1"}


def node(derivation, v, p, form):
    if v not in derivation.steps:  # a node the target does not depend on: d+C/dv = 0
        zero = p.doprint(B.zero_like(v))
        return {"shape": shape_text(v.shape), "explicit": zero, "users": [], "recursive": zero, "total": zero}
    return {"shape": shape_text(v.shape),
            "explicit": p.doprint(derivation.explicit[v]),
            "users": [{"user": p.doprint(s.user), "share": p.doprint(s.expr)} for s in shares(derivation, v)],
            "recursive": p.doprint(derivation.recursive[v]),
            "total": p.doprint(derivation.form(form)[v])}
