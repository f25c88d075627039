"""JSON view for programs: stable key order, expression strings that sympy and orderdiff read.

Expressions are spelled as symengine prints them (``2 + 3*Dplus(E, z3)``, ``(-3/2)*x``,
``w**(-1)``): what programs read, printed at C++ speed; the text view spells them for
people (:mod:`orderdiff.printers.plain`).

Shape: ``{"target", "form", "order", "inputs", "nodes": {name: {"equation", "line",
"explicit", "total", "recursive", "ops", ...}}}``; ``total`` is the chosen form, ``null``
with ``total_reason`` when over budget; ``ops`` the operation count of each of the three
(:func:`operation_count`); ``value``, ``explicit_value`` and ``total_value`` appear with
numbers (non-finite numbers are ``null``).
"""

from __future__ import annotations

import json
import math

import sympy

from ..algebra import ADD, FUNCTION_SYMBOL, MINUS_ONE, MUL, POW, SYMBOL
from ..convert import from_sympy
from ..derive import recursive_form
from .content import rows


def operation_count(expr, counts=None):
    """Arithmetic operations and function calls to evaluate ``expr`` as a tree, no sharing.

    A sum of n terms counts n - 1, a product of n factors n - 1 (a coefficient -1 is a
    sign and not a factor; a factor ``a**-1`` is a division, counted by the product), any
    other power 1, a call 1; numbers, variables and ``Dplus(E, z)`` 0. A subtree that
    occurs twice counts twice, as printed. ``counts`` (``{node: count}``) may be shared
    between calls. ``expr`` is a symengine expression (a sympy one is converted).

    Examples
    --------
    >>> from sympy import symbols, tanh
    >>> h, w, z = symbols("h w z")
    >>> operation_count(2*h*(1 - h**2)), operation_count(tanh(z)), operation_count(-h/w**2)
    (4, 1, 2)
    """
    if isinstance(expr, sympy.Basic):
        expr = from_sympy(expr)
    counts = {} if counts is None else counts
    return 0 if expr.is_Number or type(expr) is SYMBOL else _count(expr, counts)


def _count(node, counts):
    # Numbers count 0 and stay out of the dict: symengine's hash of large integers collides.
    # A module-level function, not a closure over itself: that cycle would keep ``counts``
    # until a collection, which paused_gc postpones.
    c = counts.get(node)
    if c is not None:
        return c
    cls, args = type(node), node.args
    if not args or cls is FUNCTION_SYMBOL and node.get_name() == "Dplus":
        c = 0
    elif cls is MUL:
        factors = [a for a in args if a != MINUS_ONE]
        divided = len(factors) > 1
        c = len(factors) - 1
        for a in factors:
            if divided and type(a) is POW and a.args[1] == MINUS_ONE:
                a = a.args[0]
            if type(a) is not SYMBOL and not a.is_Number:
                c += _count(a, counts)
    else:
        c = len(args) - 1 if cls is ADD else 1
        for a in args:
            if type(a) is not SYMBOL and not a.is_Number:
                c += _count(a, counts)
    counts[node] = c
    return c


def render_json(derivation, *, form="closed", evaluation=None, wrt=None):
    """The derivation as JSON text (see the module docstring for the shape)."""
    return "".join(json_pieces(derivation, form=form, evaluation=evaluation, wrt=wrt))


def json_pieces(derivation, *, form="closed", evaluation=None, wrt=None):
    """The text of :func:`render_json` in pieces, the head and then one piece per node, each
    made when it is asked for: what a node needs is not kept once its piece is out."""
    keys = {}
    head = {"target": derivation.target.name, "form": form,
            "order": [v.name for v in derivation.order],
            "inputs": [v.name for v in derivation.inputs]}
    out = []
    indented(head, "\n", out, keys)
    out[-1] = ',\n  "nodes": '  # the closing brace of head: the nodes follow, each written as it is made
    yield "".join(out)
    first = True
    for r in rows(derivation, form, wrt, core=True):
        # Eq. 1 of the row's step, made here and dropped once written (the derivation's own
        # recursive forms would keep every one); with form="recursive", also the total.
        recursive = recursive_form(derivation.target, r.step)
        out = [("{" if first else ",") + "\n    " + ENCODE(r.var.name) + ": "]
        indented(node_fields(r, recursive, recursive if form == "recursive" else r.total, evaluation),
                 "\n    ", out, keys)
        yield "".join(out)
        first = False
    yield "{}\n}\n" if first else "\n  }\n}\n"


def node_fields(r, recursive, total, evaluation):
    """The fields of one node: ``r`` its row, ``recursive`` and ``total`` its forms."""
    texts, counts = {}, {}  # the recursive form is also form="recursive"'s total: printed and counted once

    def text(expr):  # symengine's own spelling, fast
        t = texts.get(id(expr))
        if t is None:
            t = texts[id(expr)] = str(expr if not isinstance(expr, sympy.Basic) else from_sympy(expr))
        return t

    node = {"equation": r.equation.rhs if r.equation else None,
            "line": r.equation.line if r.equation else None,
            "explicit": text(r.explicit),
            "total": None if total is None else text(total),
            "recursive": text(recursive),
            "ops": {"explicit": operation_count(r.explicit, counts),
                    "total": None if total is None else operation_count(total, counts),
                    "recursive": operation_count(recursive, counts)}}
    if total is None:
        node["total_reason"] = r.reason
    if evaluation is not None:
        for key, source in (("value", evaluation.values), ("explicit_value", evaluation.explicit),
                            ("total_value", evaluation.total)):
            x = source[r.var]
            node[key] = x if math.isfinite(x) else None
    return node


def indented(value, newline, out, keys):
    """Append the text of ``json.dumps(value, indent=2, allow_nan=False)`` to ``out`` (the
    indenting encoder is Python's own, and slow; scalars go to the C encoder)."""
    if isinstance(value, dict) and value:
        inner = newline + "  "
        first = "{"
        for key, item in value.items():
            known = keys.get(key)  # each key's text encoded once
            if known is None:
                known = keys[key] = ENCODE(key) + ": "
            out.append(first + inner + known)
            indented(item, inner, out, keys)
            first = ","
        out.append(newline + "}")
    elif isinstance(value, list) and value:
        inner = newline + "  "
        first = "["
        for item in value:
            out.append(first + inner)
            indented(item, inner, out, keys)
            first = ","
        out.append(newline + "]")
    elif type(value) is str:
        out.append(ENCODE(value))
    elif value is None:
        out.append("null")
    elif type(value) is int or type(value) is float and math.isfinite(value):
        out.append(repr(value))  # what json writes for an int or a finite float
    else:
        out.append(json.dumps(value, allow_nan=False))


ENCODE = json.JSONEncoder(allow_nan=False).encode  # a str: the C encoder, as json.dumps writes keys
