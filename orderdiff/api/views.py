"""What the API does with a derivation, per algebra: one record of functions, one field per method
of :class:`orderdiff.api.Derivation`, and the scalar system's record.

Each function takes the derivation first and the method's keywords after it. A record
refuses, with a ``ValueError`` that says what to use instead, what its algebra has no
meaning for: numbers at one point for a block file, whose numbers need arrays; a backend
other than NumPy for a scalar system's code.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..algebra import paused_gc
from ..codegen import evaluate, make_function, sweep_source
from ..printers.jsonout import json_pieces, render_json
from ..printers.latex import render_summary
from ..printers.text import render_text


@dataclass(frozen=True)
class Views:
    """The functions behind a derivation's methods, for one algebra."""

    evaluate: object     # (d, values) -> Evaluation
    text: object         # (d, form, values, wrt, unicode) -> str
    latex: object        # (d, form, values, wrt, body_only, figure) -> str
    json: object         # (d, form, values, wrt) -> str
    json_pieces: object  # (d, form, values, wrt) -> iterator of str
    display: object      # (d) -> str, for Jupyter
    lambdify: object     # (d, wrt, backend, dtype) -> callable
    source: object       # (d, readable, backend, checks) -> str
    module: object       # (d) -> str, a Python module that runs on its own


def _at(d, values):
    return None if values is None else evaluate(d, values)


def _text(d, form, values, wrt, unicode):
    evaluation = _at(d, values)
    with paused_gc():  # printing builds the forms: many small objects, no cycles
        return render_text(d, form=d.choose_form(form), evaluation=evaluation, wrt=wrt, unicode=unicode)


def _latex(d, form, values, wrt, body_only, figure):
    from ..documents import scalar_document  # with the block printers it loads: on first use

    return scalar_document(d, form=d.choose_form(form), evaluation=_at(d, values), wrt=wrt, body_only=body_only,
                           figure=figure)


def _json(d, form, values, wrt):
    evaluation = _at(d, values)
    with paused_gc():
        return render_json(d, form=d.choose_form(form), evaluation=evaluation, wrt=wrt)


def _json_pieces(d, form, values, wrt):
    evaluation, form = _at(d, values), d.choose_form(form)  # bad values or form raise here, before any piece

    def pieces():
        with paused_gc():
            yield from json_pieces(d, form=form, evaluation=evaluation, wrt=wrt)

    return pieces()


def _lambdify(d, wrt, backend, dtype):
    if backend != "numpy" or dtype != "float64":
        raise ValueError("a scalar system's function is NumPy's, in float64; backends and dtypes are for "
                         "block files' generated programs")
    return make_function(d, wrt)


def _source(d, readable, backend, checks):
    if not readable or backend != "numpy" or checks is not None:
        raise ValueError("a scalar system's sweep has one spelling, in NumPy; readable, backend and checks "
                         "are for block files' generated programs")
    return sweep_source(d)


def _module(d):
    raise ValueError("a module that runs on its own is generated for block files; a scalar system's code is "
                     "numpy_source(), and its function lambdify()")


SCALAR = Views(evaluate=evaluate, text=_text, latex=_latex, json=_json, json_pieces=_json_pieces,
               display=render_summary, lambdify=_lambdify, source=_source, module=_module)
