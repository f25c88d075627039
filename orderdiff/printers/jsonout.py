"""JSON view for programs: stable key order, sympy-readable expression strings.

Shape: ``{"target", "form", "order", "inputs", "nodes": {name: {"equation", "line",
"explicit", "total", "recursive", "ops", ...}}}``; ``total`` is the chosen form, ``null``
with ``total_reason`` when over budget; ``ops`` the operation count of each of the three
(:func:`operation_count`); ``value``, ``explicit_value`` and ``total_value`` appear with
numbers (non-finite numbers are ``null``).
"""

from __future__ import annotations

import json
import math

from sympy import Add, Mul

from ..naming import Dplus
from ..partials import postorder
from .content import rows
from .plain import PlainPrinter


def operation_count(expr, counts=None):
    """Arithmetic operations and function calls to evaluate ``expr`` as a tree, no sharing.

    A sum of n terms counts n - 1, a product of n factors n - 1 (a coefficient -1 is a
    sign and not a factor; a factor ``a**-1`` is a division, counted by the product), any
    other power 1, a call 1; numbers, variables and ``Dplus(E, z)`` 0. A subtree that
    occurs twice counts twice, as printed. ``counts`` (``{node: count}``) may be shared
    between calls.

    Examples
    --------
    >>> from sympy import symbols, tanh
    >>> h, w, z = symbols("h w z")
    >>> operation_count(2*h*(1 - h**2)), operation_count(tanh(z)), operation_count(-h/w**2)
    (4, 1, 2)
    """
    counts = {} if counts is None else counts
    leaf = lambda node: not node.args or isinstance(node, Dplus)  # noqa: E731
    for node in postorder(expr, lambda node: () if node in counts or leaf(node) else node.args):
        if node not in counts:
            counts[node] = 0 if leaf(node) else _own_count(node, counts)
    return counts[expr]


def _own_count(node, counts):
    if isinstance(node, Add):
        return len(node.args) - 1 + sum(counts[a] for a in node.args)
    if isinstance(node, Mul):
        factors = [a for a in node.args if a != -1]
        divided = len(factors) > 1
        return len(factors) - 1 + sum(counts[a.base] if divided and a.is_Pow and a.exp == -1 else counts[a]
                                      for a in factors)
    return 1 + sum(counts[a] for a in node.args)


def render_json(derivation, *, form="closed", evaluation=None, wrt=None):
    """The derivation as JSON text (see the module docstring for the shape)."""
    p, counts = PlainPrinter(), {}
    doc = {"target": str(derivation.target), "form": form,
           "order": [str(v) for v in derivation.order],
           "inputs": [str(v) for v in derivation.inputs], "nodes": {}}
    for r in rows(derivation, form, wrt):
        node = {"equation": r.equation.rhs if r.equation else None,
                "line": r.equation.line if r.equation else None,
                "explicit": p.doprint(r.explicit),
                "total": None if r.total is None else p.doprint(r.total),
                "recursive": p.doprint(derivation.recursive[r.var]),
                "ops": {"explicit": operation_count(r.explicit, counts),
                        "total": None if r.total is None else operation_count(r.total, counts),
                        "recursive": operation_count(derivation.recursive[r.var], counts)}}
        if r.total is None:
            node["total_reason"] = r.reason
        if evaluation is not None:
            for key, source in (("value", evaluation.values), ("explicit_value", evaluation.explicit),
                                ("total_value", evaluation.total)):
                x = source[r.var]
                node[key] = x if math.isfinite(x) else None
        doc["nodes"][str(r.var)] = node
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"
