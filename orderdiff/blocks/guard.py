"""The shape guard of the generated BPTT program: each array it computes, against the shape derived for it.

NumPy broadcasts, and so do PyTorch and JAX: ``a[t] = x`` fills a (B, n) slot from an
``x`` of (B, 1), and (T, B) times (T, B, 1) is (T, T, B). A slip in a rule or in the
code generator could then give a loss and gradients with no error. The guard writes
each value the program assigns, stores or adds to a gradient as ``fits(value, shape,
name)``, ``shape`` being the one the derivation gives it: the leading axes of the
value, (T, B) for all steps at once, (B,) for one step or one per sequence, none for a
parameter's, then the block's axes by :meth:`.codegen.Printer.block_axes`, the rule the
program allocates its arrays by (a batched scalar keeps a trailing axis of 1, an
unbatched one is 0-d). ``fits`` raises, naming the array as the file writes it
(``h[t]``, ``d+C/dh[t]``), the shape found and the one expected.

Two levels (:data:`CHECKS`): ``"arrays"``, the values of the statements, as the module
of ``--emit-python`` runs them; ``"terms"``, every subexpression of them too
(:class:`CheckedPrinter`), as ``lambdify`` runs its first call for each set of shapes.
"""

from __future__ import annotations

from . import expr as B
from .codegen import Printer

CHECKS = (None, "arrays", "terms")


def helper(error):
    """The source of ``fits``, raising ``error``: a name the program reaches."""
    return f'''

def fits(x, shape, name):
    """x, whose shape must be shape: the one the derivation gives the array name."""
    if numpy.shape(x) != shape:
        raise {error}(f"{{name}} has shape {{numpy.shape(x)}} in the generated program; "
{" " * len(error)}              f"the derivation gives it {{shape}}")
    return x
'''


class Label:
    """The name of a checked array, as the file writes it: ``what`` (a variable, an adjoint, a
    subexpression), in ``owner`` (the label of the statement it is part of) when it is a term.
    Printed when it is read: a compiled program holds many, and shows one only with an error."""

    def __init__(self, target, what, owner=None):
        self.target, self.what, self.owner = target, what, owner

    def __str__(self):
        from ..printers.blockexpr import BlockTextPrinter  # the printers load when a name is shown

        text = BlockTextPrinter(self.target, unicode=False).doprint(self.what)
        return f"{text} (in {self.owner})" if self.owner is not None else text


class Guard:
    """The code of the checks of one program (``printer`` writes its dimensions); its
    :attr:`labels` go with a compiled one.

    With ``readable``, a name is a string literal in the code; without, ``LABELS[k]`` into
    :attr:`labels`, so that no text of the file reaches the code.
    """

    def __init__(self, target, printer, readable):
        self.target, self.printer, self.readable = target, printer, readable
        self.labels = []

    def label(self, what, owner=None):
        return Label(self.target, what, owner)

    def fits(self, text, lead, shape, what, owner=None):
        """``text`` checked to have ``lead`` leading axes (time and batch, or batch) and then ``shape``."""
        label = self.label(what, owner)
        if self.readable:
            name = repr(str(label))
        else:
            self.labels.append(label)
            name = f"LABELS[{len(self.labels) - 1}]"
        return f"fits({text}, {self.shape(lead, shape)}, {name})"

    def shape(self, lead, shape):
        """The code of the tuple: ``(T, B, n_h)``, ``(B, 1)``, ``(n_h,)``, ``()``."""
        axes = ["T", "B"][2 - lead:] + (self.printer.block_axes(shape) if lead or shape else [])
        return f"({', '.join(axes)}{',' if len(axes) == 1 else ''})"


class CheckedPrinter(Printer):
    """A :class:`.codegen.Printer` that checks every subexpression it writes, but the variables,
    adjoints and zeros, which are read from checked arrays or are numbers."""

    def __init__(self, *args, guard, **kwargs):
        super().__init__(*args, **kwargs)
        self.guard = guard
        self.owner = None  # the label of the statement being written

    def code(self, e):
        text = super().code(e)
        if not B.is_array(e) or e in self.temps or isinstance(e, (B.Var, B.Adj, B.Zeros)):
            return text
        return self.guard.fits(text, self.lead(e), e.shape, e, self.owner)

    def parts(self, e):
        """The code of ``e`` with its subexpressions checked: the statement checks ``e`` itself."""
        return Printer.code(self, e)
