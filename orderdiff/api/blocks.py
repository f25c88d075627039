"""The API of a block file's derivation: the data of
:class:`orderdiff.blocks.derivation.BlockDerivation`, with its printers and generated program as
methods (as :class:`orderdiff.api.Derivation` has for a scalar file).
"""

from __future__ import annotations

from ..blocks import derivation
from ..blocks.emitted import module_source
from ..blocks.gradients import lambdify
from ..blocks.program import source
from ..documents import block_document
from ..printers.blockjson import render_json
from ..printers.blocklatex import render_display
from ..printers.blocktext import render_text


class BlockDerivation(derivation.BlockDerivation):
    """A block derivation with its views and numbers as methods; built by :func:`orderdiff.derive`."""

    # ----- numbers ------------------------------------------------------------------------
    def numpy_source(self, readable=True, backend="numpy", checks=None):
        """The generated program: forward loop, backward loop, gradient sums (see :mod:`orderdiff.blocks.program`);
        with ``checks`` (``"arrays"`` or ``"terms"``), the shape of each array checked (:mod:`orderdiff.blocks.guard`)."""
        return source(self, readable, backend, checks)

    def python_module(self):
        """A Python module that runs on its own (``--emit-python``): the program, a wrapper
        ``loss_and_gradients(params, inputs, init=None)`` and a demo on random data."""
        return module_source(self)

    def lambdify(self, backend="numpy", dtype="float64"):
        """``f(params, inputs, init=None) -> (loss, grads)`` running the generated program
        (see :func:`orderdiff.blocks.gradients.lambdify`)."""
        return lambdify(self, backend, dtype)

    # ----- views: the keywords of Derivation's; ``values`` is refused (numbers need arrays) -------
    def to_text(self, *, form=None, values=None, wrt=None, unicode=True):
        """The derivation as text (see :func:`orderdiff.printers.blocktext.render_text`)."""
        no_values(values)
        return render_text(self, form=form, wrt=wrt, unicode=unicode)

    def to_latex(self, *, form=None, values=None, wrt=None, body_only=False, figure=None):
        """The derivation as LaTeX (see :func:`orderdiff.documents.block_document`)."""
        no_values(values)
        return block_document(self, form=form, wrt=wrt, body_only=body_only, figure=figure)

    def to_json(self, *, form=None, values=None, wrt=None):
        """The derivation as JSON text (see :func:`orderdiff.printers.blockjson.render_json`)."""
        no_values(values)
        return render_json(self, form=form, wrt=wrt)

    def _repr_latex_(self):
        """The recurrences and gradients as one display, for Jupyter (see ``render_display``)."""
        return render_display(self)


def no_values(values):
    """Refuse a ``values`` point: the numbers of a block derivation need arrays."""
    if values is not None:
        raise ValueError("values are for scalar derivations; a block derivation's numbers need arrays of "
                         "its parameters and inputs: lambdify() returns f(params, inputs, init) -> "
                         "(loss, gradients)")
