"""The finished result of a Werbos sweep over a :class:`~orderdiff.system.System`, of either kind.

A :class:`Derivation` holds, for one target E, the nodes in dependency order, every node's
explicit dE/dv, the structure of Eq. 1 (``steps``), and the ordered derivatives d+E/dv in
their forms. The sweep is :mod:`orderdiff.sweep`'s for every file; what differs is the
algebra its shares are computed in, and so the result it gives: a scalar system's
(:class:`orderdiff.scalar.ScalarSweep`: symengine expressions, converted to sympy when read)
or a block file's (:class:`orderdiff.blocks.derivation.BlockSweep`: block expressions,
generic in t or unrolled). A derivation has the same attributes for both, and each adds
what only its algebra has (a scalar system's size budget and inputs form, a block file's
recurrences and gradients).

It is data: the numbers (:mod:`orderdiff.codegen`, :mod:`orderdiff.blocks.gradients`), the
printers and the pictures are functions of it, and the API's :class:`orderdiff.api.Derivation`
adds them as methods.
"""

from __future__ import annotations

import operator

from .derive import DEFAULT_MAX_SIZE
from .limits import MAX_STEPS
from .scalar import FORMS, ScalarSweep

__all__ = ["Derivation", "FORMS"]


def whole_steps(steps):
    """``steps`` as an int from 1 to ``MAX_STEPS`` (as ``--steps`` takes), checked before the
    unrolled graph is built; else ``ValueError``."""
    try:
        n = None if isinstance(steps, bool) else operator.index(steps)
    except TypeError:
        n = None
    if n is None or not 1 <= n <= MAX_STEPS:
        raise ValueError(f"steps is a whole number from 1 to {MAX_STEPS}, as --steps takes; got {steps!r}")
    return n


class Derivation:
    """Explicit and ordered derivatives of a target over a :class:`~orderdiff.system.System`.

    Built by :func:`orderdiff.derive`. Every mapping takes a variable as ``str`` or as the
    system's own key (a ``Symbol`` of a scalar system; a block node ``Var``, its text
    ``'h[t]'``, ``'h[0]'``, or a bare name) and iterates in dependency order.

    Attributes
    ----------
    system : System
    target : Symbol or Var
    order : tuple
        Every node in dependency order (a block file's: one step's, or unrolled every step's).
    inputs : tuple
        The nodes of the inputs.
    steps : mapping
        ``{node: Step}``: Eq. 1 before it is summed, the explicit derivative and each user's share.
    explicit : mapping
        ``{node: dE/dv}``, E's own equation differentiated w.r.t. v.
    recursive : mapping
        ``{node: Eq. 1}`` in the users' ordered derivatives.
    closed, total : mapping
        ``{node: d+E/dv}``: a scalar system's in its own variables (``None`` where over the
        size budget); a block file's in the adjoints that recur (the recurrences of BPTT).
    steps_count : int or None
        T for a block file unrolled over T steps; ``None`` otherwise.
    assumptions : tuple of str
        What the simplification assumed (a block file's inputs declared ``distribution``).

    A scalar system adds ``partials``, ``relevant``, ``max_size``, ``in_inputs`` and
    ``core_form`` (:class:`~orderdiff.scalar.ScalarSweep`); a block file adds ``compact``,
    ``recurrences``, ``gradients``, ``substituted``, ``min_steps``, ``plan``, ``boundary``,
    ``boundary_at_steps`` and ``assume`` (:class:`~orderdiff.blocks.derivation.BlockSweep`).
    """

    @classmethod
    def of(cls, system, target=None, *, max_size=DEFAULT_MAX_SIZE, steps=None):
        """The derivation of ``target`` over ``system``; see :func:`orderdiff.api.derive`."""
        if system.algebra == "scalar":
            if steps is not None:
                raise ValueError("steps unrolls a block file over its time steps; a scalar system has no "
                                 "time, and its derivation is already one DAG")
            return cls(ScalarSweep.of(system, target, max_size=max_size))
        if steps is not None:
            steps = whole_steps(steps)
        from .blocks.derivation import BlockSweep  # the block algebra loads with the first block file

        return cls(BlockSweep.of(system, target, steps=steps))

    def __init__(self, sweep):
        self._sweep = sweep
        self.system = sweep.system
        self.target = sweep.target
        self.order = sweep.order
        self.inputs = sweep.inputs
        self.steps = sweep.steps
        self.explicit = sweep.explicit
        self.steps_count = sweep.steps_count

    @property
    def recursive(self):
        return self._sweep.recursive

    @property
    def closed(self):
        return self._sweep.closed

    @property
    def total(self):
        return self._sweep.total

    @property
    def assumptions(self):
        return self._sweep.assumptions

    def choose_form(self, form=None):
        """The name of ``form`` where it applies, by default the algebra's (``closed``; unrolled,
        ``recursive``).

        Raises
        ------
        ValueError
            An unknown form, or one that does not apply (``inputs`` for a block file).
        """
        return self._sweep.choose_form(form)

    def form(self, name=None):
        """The ordered derivatives in form ``name`` (see :meth:`choose_form`).

        Examples
        --------
        >>> from orderdiff import parse, derive
        >>> d = derive(parse("h = tanh(z)\\nE = h**2"))
        >>> d.form("recursive")["z"], d.form("closed")["z"], d.form("inputs")["z"]
        ((1 - h**2)*Dplus(E, h), 2*h*(1 - h**2), 2*(1 - tanh(z)**2)*tanh(z))
        """
        return self._sweep.form(name)

    def __getattr__(self, name):
        sweep = self.__dict__.get("_sweep")
        if sweep is None or name not in sweep.ADDS:
            algebra = "" if sweep is None else sweep.system.algebra + " "
            raise AttributeError(f"a {algebra}derivation has no attribute {name!r}")
        return getattr(sweep, name)

    def __dir__(self):
        return sorted({*super().__dir__(), *self._sweep.ADDS})

    def __repr__(self):
        return repr(self._sweep)
