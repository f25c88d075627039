"""JSON view for programs: stable key order, sympy-readable expression strings.

Shape: ``{"target", "form", "order", "inputs", "nodes": {name: {"equation", "line",
"explicit", "total", "recursive", ...}}}``; ``total`` is the chosen form, ``null``
with ``total_reason`` when over budget; ``value``, ``explicit_value`` and
``total_value`` appear with numbers (non-finite numbers are ``null``).
"""

from __future__ import annotations

import json
import math

from .content import rows
from .plain import PlainPrinter


def render_json(derivation, *, form="closed", evaluation=None, wrt=None):
    """The derivation as JSON text (see the module docstring for the shape)."""
    p = PlainPrinter()
    doc = {"target": str(derivation.target), "form": form,
           "order": [str(v) for v in derivation.order],
           "inputs": [str(v) for v in derivation.inputs], "nodes": {}}
    for r in rows(derivation, form, wrt):
        node = {"equation": r.equation.rhs if r.equation else None,
                "line": r.equation.line if r.equation else None,
                "explicit": p.doprint(r.explicit),
                "total": None if r.total is None else p.doprint(r.total),
                "recursive": p.doprint(derivation.recursive[r.var])}
        if r.total is None:
            node["total_reason"] = r.reason
        if evaluation is not None:
            for key, source in (("value", evaluation.values), ("explicit_value", evaluation.explicit),
                                ("total_value", evaluation.total)):
                x = source[r.var]
                node[key] = x if math.isfinite(x) else None
        doc["nodes"][str(r.var)] = node
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"
