"""What the API does with a block file's derivation (the record of :mod:`orderdiff.api.views`):
its printers and generated program. Loaded with the first block file.
"""

from __future__ import annotations

from ..blocks.emitted import module_source
from ..blocks.gradients import lambdify
from ..blocks.program import source
from ..documents import block_document
from ..printers.blockjson import render_json
from ..printers.blocklatex import render_display
from ..printers.blocktext import render_text
from .views import Views


NO_VALUES = ("values are for scalar derivations; a block derivation's numbers need arrays of its parameters "
             "and inputs: lambdify() returns f(params, inputs, init) -> (loss, gradients)")


def no_values(values):
    """Refuse a ``values`` point: the numbers of a block derivation need arrays."""
    if values is not None:
        raise ValueError(NO_VALUES)


def _evaluate(d, values):
    raise ValueError(NO_VALUES)


def _text(d, form, values, wrt, unicode):
    no_values(values)
    return render_text(d, form=form, wrt=wrt, unicode=unicode)


def _latex(d, form, values, wrt, body_only, figure):
    no_values(values)
    return block_document(d, form=form, wrt=wrt, body_only=body_only, figure=figure)


def _json(d, form, values, wrt):
    no_values(values)
    return render_json(d, form=form, wrt=wrt)


def _json_pieces(d, form, values, wrt):
    return iter((_json(d, form, values, wrt),))


def _lambdify(d, wrt, backend, dtype):
    if wrt is not None:
        raise ValueError("a block derivation's function returns the loss and the gradient of every parameter "
                         "and initial value; leave out wrt and pick from its dict")
    return lambdify(d, backend, dtype)


BLOCK = Views(evaluate=_evaluate, text=_text, latex=_latex, json=_json, json_pieces=_json_pieces,
              display=render_display, lambdify=_lambdify, source=source, module=module_source)
