"""The Werbos sweep's result in the scalar algebra: what :class:`orderdiff.derivation.Derivation`
holds for a system without declarations.

A :class:`ScalarSweep` holds, for one target E, every variable's explicit dE/dv, the
structure of Eq. 1 (``steps``), and gives the ordered d+E/dv in three forms
(``recursive``, ``closed``, ``inputs``). Every symbolic entry is built on first use (the
closed and inputs forms within the size budget), as a symengine expression
(:meth:`ScalarSweep.core_form`, what the text and JSON printers read) and, when a user
reads it, as a sympy expression.
"""

from __future__ import annotations

from functools import cached_property

from .algebra import paused_gc
from .derive import DEFAULT_MAX_SIZE, LocalPartials, choose_target, recursive, step
from .forms import closed_forms, input_forms
from .naming import NameMap, name_of

FORMS = ("recursive", "closed", "inputs")


def check_form_name(name):
    if name not in FORMS:
        raise ValueError(f"unknown form {name!r}; choose one of {', '.join(FORMS)}")


class FormMap(NameMap):
    """``{variable: expression or None}``; ``reason(v)`` says why an entry is ``None``."""

    def __init__(self, data, reasons=None, compute=None):
        super().__init__(data, compute)
        self._reasons = {name_of(k): r for k, r in (reasons or {}).items()}

    @classmethod
    def converted(cls, forms, convert):
        """The forms of the FormMap ``forms``, each ``convert``-ed on first access, same reasons."""
        new = cls(forms, compute=lambda v: None if forms[v] is None else convert(forms[v]))
        new._reasons = forms._reasons
        return new

    def reason(self, key):
        """Why the form of ``key`` was not built, or ``None`` if it was.

        Examples
        --------
        >>> from orderdiff import parse, derive
        >>> d = derive(parse("a = sin(x)*cos(x)\\nb = a*sin(a)\\nE = b*cos(b)"), max_size=20)
        >>> d.closed["x"] is None, d.closed.reason("x")
        (True, 'it exceeds the size budget (27 > 20 nodes)')
        """
        return self._reasons.get(name_of(key))


class ScalarSweep:
    """Explicit and ordered derivatives of a target over a scalar :class:`~orderdiff.system.System`.

    Variables may be given as ``str`` or ``Symbol``.

    Attributes
    ----------
    system : System
    target : Symbol
    order : tuple of Symbol
        Every variable in dependency order.
    inputs : tuple of Symbol
    explicit : mapping
        ``{v: dE/dv}``, E's own equation differentiated w.r.t. v.
    recursive : mapping
        ``{v: Eq. 1 for v}``, in terms of ``Dplus(E, j)`` (d+E/dz_j) of the successors.
    total, closed : mapping
        ``{v: d+E/dv}`` in the system's own variables (``None`` where over budget).
    in_inputs : mapping
        ``{v: d+E/dv}`` in input symbols only (``None`` where over budget).
    steps : mapping
        ``{v: Step}``: the explicit derivative and ``(successor, local partial)`` pairs.
    partials : dict
        ``{(j, i): dz_j/dz_i}`` for each edge the sweep used.
    relevant : frozenset of Symbol
        The target and the variables it depends on; the others have d+E/dv = 0.
    """

    # What a scalar derivation adds to the attributes every derivation has
    ADDS = frozenset({"partials", "relevant", "max_size", "core_form", "in_inputs"})
    steps_count = None  # no time to unroll
    assumptions = ()

    @classmethod
    def of(cls, system, target=None, *, max_size=DEFAULT_MAX_SIZE):
        """The sweep of ``target`` (by default the one variable nothing else uses) over
        ``system``; see :func:`orderdiff.api.derive`."""
        with paused_gc():
            target = choose_target(system, target)
            relevant = system.ancestors(target) | {target}
            return cls(system, target, max_size, relevant)

    def __init__(self, system, target, max_size, relevant):
        self.system = system
        self.target = target
        self.order = system.order
        self.inputs = system.inputs
        self.max_size = max_size
        self.relevant = frozenset(relevant)
        self.partials = LocalPartials(system, self.relevant)
        self.steps = NameMap(self.order, compute=lambda v: step(self, v))
        self.explicit = NameMap(self.order, compute=lambda v: self.partials.sympy(self.steps[v].explicit))
        self._core = {}

    def core_form(self, name):
        """The ordered derivatives in form ``name`` as symengine expressions (see :meth:`form`)."""
        check_form_name(name)
        if name not in self._core:
            if name == "recursive":
                self._core[name] = FormMap(self.order, compute=lambda v: recursive(self, v))
            elif name == "closed":
                self._core[name] = FormMap(*closed_forms(self))
            else:
                self._core[name] = FormMap(*input_forms(self, self.core_form("closed")))
        return self._core[name]

    @cached_property
    def recursive(self):
        return FormMap.converted(self.core_form("recursive"), self.partials.sympy)

    @cached_property
    def closed(self):
        return FormMap.converted(self.core_form("closed"), self.partials.sympy)

    @property
    def total(self):
        return self.closed

    @cached_property
    def in_inputs(self):
        return FormMap.converted(self.core_form("inputs"), self.partials.sympy)

    def choose_form(self, form=None):
        """The name of ``form``, by default ``closed``; an unknown one raises ``ValueError``."""
        form = "closed" if form is None else form
        check_form_name(form)
        return form

    def form(self, name=None):
        """The ordered derivatives in form ``name``: ``recursive``, ``closed`` (the default) or
        ``inputs`` (see :meth:`orderdiff.derivation.Derivation.form`)."""
        name = self.choose_form(name)
        return getattr(self, {"recursive": "recursive", "closed": "closed", "inputs": "in_inputs"}[name])

    def __repr__(self):
        return (f"<Derivation of {self.target} over {len(self.order)} variables "
                f"(inputs {', '.join(map(str, self.inputs))})>")
