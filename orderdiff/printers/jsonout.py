"""JSON view for programs: stable key order, expression strings that sympy and orderdiff read.

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

from ..algebra import ADD, FUNCTION_SYMBOL, MINUS_ONE, MUL, POW, from_sympy
from .content import rows
from .text import plain


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

    def count(node):  # numbers count 0 and stay out of the dict: symengine's hash of large integers collides
        if node.is_Number:
            return 0
        c = counts.get(node)
        if c is None:
            c = counts[node] = _own_count(node, count)
        return c

    return count(expr)


def _own_count(node, count):
    cls = type(node)
    args = node.args
    if not args or cls is FUNCTION_SYMBOL and node.get_name() == "Dplus":
        return 0
    if cls is ADD:
        return len(args) - 1 + sum(count(a) for a in args)
    if cls is MUL:
        factors = [a for a in args if a != MINUS_ONE]
        divided = len(factors) > 1
        return len(factors) - 1 + sum(count(a.args[0]) if divided and type(a) is POW and a.args[1] == MINUS_ONE
                                      else count(a) for a in factors)
    return 1 + sum(count(a) for a in args)


def render_json(derivation, *, form="closed", evaluation=None, wrt=None):
    """The derivation as JSON text (see the module docstring for the shape)."""
    counts = {}
    doc = {"target": str(derivation.target), "form": form,
           "order": [str(v) for v in derivation.order],
           "inputs": [str(v) for v in derivation.inputs], "nodes": {}}
    recursive = derivation.core_form("recursive")
    for r in rows(derivation, form, wrt, core=True):
        node = {"equation": r.equation.rhs if r.equation else None,
                "line": r.equation.line if r.equation else None,
                "explicit": plain(r.explicit),
                "total": None if r.total is None else plain(r.total),
                "recursive": plain(recursive[r.var]),
                "ops": {"explicit": operation_count(r.explicit, counts),
                        "total": None if r.total is None else operation_count(r.total, counts),
                        "recursive": operation_count(recursive[r.var], counts)}}
        if r.total is None:
            node["total_reason"] = r.reason
        if evaluation is not None:
            for key, source in (("value", evaluation.values), ("explicit_value", evaluation.explicit),
                                ("total_value", evaluation.total)):
                x = source[r.var]
                node[key] = x if math.isfinite(x) else None
        doc["nodes"][str(r.var)] = node
    return "".join(indented(doc, "\n")) + "\n"


def indented(value, newline):
    """The pieces of ``json.dumps(value, indent=2, allow_nan=False)`` for dicts, lists and
    scalars, each scalar by the C encoder (the indenting encoder is Python's own, and slow)."""
    if isinstance(value, dict) and value:
        inner = newline + "  "
        yield "{"
        for k, (key, item) in enumerate(value.items()):
            yield ("," if k else "") + inner + json.dumps(key) + ": "
            yield from indented(item, inner)
        yield newline + "}"
    elif isinstance(value, list) and value:
        inner = newline + "  "
        yield "["
        for k, item in enumerate(value):
            yield "," if k else ""
            yield inner
            yield from indented(item, inner)
        yield newline + "]"
    else:
        yield json.dumps(value, allow_nan=False)
