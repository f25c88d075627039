"""The finished result of a Werbos sweep, and the views printers and users read.

A :class:`Derivation` holds, for one target E, every variable's explicit dE/dv,
the structure of Eq. 1 (``steps``), and gives the ordered d+E/dv in three forms
(``recursive``, ``closed``, ``inputs``) and as numbers. Every symbolic entry is built
on first use (the closed and inputs forms within the size budget), as a symengine
expression (:meth:`Derivation.core_form`, what the text and JSON printers read) and,
when a user reads it, as a sympy expression; the numbers come from a direct float sweep
that needs none of them.
"""

from __future__ import annotations

from functools import cached_property

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


class Derivation:
    """Explicit and ordered derivatives of a target over a :class:`System`.

    Built by :func:`orderdiff.derive`. Variables may be given as ``str`` or ``Symbol``.

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

    def __init__(self, system, target, max_size, relevant):
        from .derive import LocalPartials, step

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
                from .derive import recursive

                self._core[name] = FormMap(self.order, compute=lambda v: recursive(self, v))
            elif name == "closed":
                from .forms import closed_forms

                self._core[name] = FormMap(*closed_forms(self))
            else:
                from .forms import input_forms

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

    def form(self, name):
        """The ordered derivatives in form ``name``: ``recursive``, ``closed`` or ``inputs``.

        Examples
        --------
        >>> from orderdiff import parse, derive
        >>> d = derive(parse("h = tanh(z)\\nE = h**2"))
        >>> d.form("recursive")["z"], d.form("closed")["z"], d.form("inputs")["z"]
        ((1 - h**2)*Dplus(E, h), 2*h*(1 - h**2), 2*(1 - tanh(z)**2)*tanh(z))
        """
        check_form_name(name)
        return getattr(self, {"recursive": "recursive", "closed": "closed", "inputs": "in_inputs"}[name])

    def numpy_source(self):
        """The generated NumPy code of the numeric sweep, for reading (names are generated).

        Examples
        --------
        >>> from orderdiff import parse, derive
        >>> print(derive(parse("h = tanh(z)\\nE = h**2")).numpy_source())
        def sweep(v0):
            v1 = numpy.tanh(v0)
            v2 = v1**2
            p0 = 1.0 - v2
            p1 = 2.0*v1
            g2 = 1.0
            g1 = p1
            g0 = 0.0 + g1*p0
            return (v0, v1, v2, ), (0.0, p1, 1.0, ), (g0, g1, g2, ), (p0, p1, )
        """
        from .codegen import sweep_source

        return sweep_source(self)

    @cached_property
    def _sweep(self):
        from .codegen import compile_function

        return compile_function(self.numpy_source())

    @cached_property
    def _forward(self):
        from .codegen import compile_function, forward_source

        return compile_function(forward_source(self))

    def evaluate(self, values):
        """Values, explicit and ordered derivatives at one point, in float64.

        Parameters
        ----------
        values : mapping
            ``{input: number}`` for every input (names as ``str`` or ``Symbol``).

        Returns
        -------
        Evaluation
            With ``.values``, ``.explicit`` and ``.total``, each ``{variable: float}``.

        Raises
        ------
        ValueInputError
            A missing or extra input value.

        Examples
        --------
        >>> from orderdiff import parse, derive
        >>> d = derive(parse("h = tanh(z)\\nE = h**2"))
        >>> round(d.evaluate({"z": 0.5}).total["z"], 6)
        0.726862
        """
        from .codegen import evaluate

        return evaluate(self, values)

    def lambdify(self, wrt=None):
        """A NumPy function of the inputs that returns the ordered derivatives.

        Parameters
        ----------
        wrt : sequence of str or Symbol, optional
            The variables whose d+E/dv to return (default: all, in order).

        Returns
        -------
        callable
            ``f(*inputs)`` or ``f(**inputs)`` with arrays broadcast together; returns
            ``{variable: ndarray of d+E/dv}``.

        Examples
        --------
        >>> import numpy as np
        >>> from orderdiff import parse, derive
        >>> f = derive(parse("y = x**3")).lambdify()
        >>> f(np.array([1.0, 2.0]))["x"]
        array([ 3., 12.])
        """
        from .codegen import make_function

        return make_function(self, wrt)

    def _at(self, values):
        return None if values is None else self.evaluate(values)

    def to_text(self, *, form="closed", values=None, wrt=None, unicode=True):
        """The table and the Werbos steps as plain text; ``values``: numbers at that point.

        Examples
        --------
        >>> from orderdiff import parse, derive
        >>> print(derive(parse("y = 3*x\\nE = y**2")).to_text(unicode=False).splitlines()[-1])
        d+E/dx = dE/dx + d+E/dy*dy/dx = 0 + 2*y*3 = 6*y
        """
        from .partials import paused_gc
        from .printers.text import render_text

        with paused_gc():  # printing builds the forms: many small objects, no cycles
            return render_text(self, form=form, evaluation=self._at(values), wrt=wrt, unicode=unicode)

    def to_latex(self, *, form="closed", values=None, wrt=None, body_only=False, figure=None):
        """A LaTeX document (or with ``body_only``, its body) of the whole derivation.

        ``figure``: include the picture of the system, a ``tikzpicture`` (default: in a
        document, which then loads ``tikz``; not in a body, unless ``figure=True``).

        Examples
        --------
        >>> from orderdiff import parse, derive
        >>> print("\\n".join(derive(parse("y = 3*x")).to_latex(body_only=True).splitlines()[-3:-1]))
        \\frac{\\partial^{+} y}{\\partial x} &= \\frac{\\partial y}{\\partial x} \\\\
        &= 3
        """
        from .printers.latex import render_latex

        return render_latex(self, form=form, evaluation=self._at(values), wrt=wrt, body_only=body_only,
                            figure=figure)

    def to_json(self, *, form="closed", values=None, wrt=None):
        """The derivation as JSON text, with stable key order.

        Examples
        --------
        >>> import json
        >>> from orderdiff import parse, derive
        >>> json.loads(derive(parse("y = 3*x")).to_json())["nodes"]["x"]["total"]
        '3'
        """
        from .partials import paused_gc
        from .printers.jsonout import render_json

        with paused_gc():
            return render_json(self, form=form, evaluation=self._at(values), wrt=wrt)

    def _repr_latex_(self):
        from .printers.latex import render_summary

        return render_summary(self)

    def __repr__(self):
        return (f"<Derivation of {self.target} over {len(self.order)} variables "
                f"(inputs {', '.join(map(str, self.inputs))})>")
