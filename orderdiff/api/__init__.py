"""orderdiff's Python API: read a file of either kind, derive it.

A scalar equation file (``z3 = 3*z2 + z1``) and a block file (declarations ``param W:
n_h, n_x``, equations over vectors, matrices and time steps) both read into a
:class:`~orderdiff.system.System` and derive into a :class:`Derivation`: the derivation's
data with its printers and generated code as methods, which call the functions of the
system's algebra (:mod:`orderdiff.api.views`, :mod:`orderdiff.api.blocks`). What a scalar
file does not need (the block algebra and its printers) loads on first use.
"""

from __future__ import annotations

import sys

from .. import derivation
from ..blocks.read import has_declarations, parse_blocks
from ..algebra import paused_gc
from ..derive import DEFAULT_MAX_SIZE
from ..lexer import decode, logical_lines
from ..parse import scalar_system
from .views import SCALAR


def parse(text, file="<string>"):
    """Parse the text of an equation file into a :class:`System`.

    A file with a declaration (``param W: n``, ``input x[t]: n``, ...) is a block file,
    whose system has those declarations (see docs/recurrent.md).

    Parameters
    ----------
    text : str
        The equations, one ``name = expression`` per line.
    file : str, optional
        The name used in error messages.

    Returns
    -------
    System
        The equations in file order, with their inputs and dependency order.

    Raises
    ------
    ParseError
        Syntax errors, unknown functions, numbers or nesting too large, an empty file.
    DefinitionError
        A name defined twice.
    CycleError
        Equations that depend on each other in a cycle.

    Examples
    --------
    >>> from orderdiff import parse
    >>> system = parse("z2 = 2*z1\\nE = z2^2 + z1")
    >>> system.order
    (z1, z2, E)
    >>> system.inputs
    (z1,)
    """
    with paused_gc():
        lines = list(logical_lines(text, file))
        return parse_blocks(lines, file) if has_declarations(lines) else scalar_system(lines, file)


def load(path):
    """Read and parse an equation file (UTF-8); ``-`` reads standard input.

    Parameters
    ----------
    path : str or path-like
        The file to read.

    Returns
    -------
    System

    Raises
    ------
    ParseError
        Also for bytes that are not UTF-8, at their line and column.
    OSError
        If the file cannot be read.

    Examples
    --------
    >>> import orderdiff, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "eqs.txt"
    >>> _ = path.write_text("y = sin(x)\\n")
    >>> orderdiff.load(path).inputs
    (x,)
    """
    name = str(path)
    data = sys.stdin.buffer.read() if name == "-" else open(path, "rb").read()
    return parse(decode(data, name), file=name)


def derive(system, target=None, *, max_size=DEFAULT_MAX_SIZE, steps=None):
    """Explicit and ordered derivatives of ``target`` with respect to every variable.

    Parameters
    ----------
    system : System
        The equations, from :func:`parse` or built from sympy objects.
    target : str or Symbol, optional
        The variable to differentiate; by default the one variable nothing else uses.
    steps : int, optional
        For a block (vector, time-indexed) system: unroll over this many steps
        instead of deriving generic in t.
    max_size : int, optional
        Size budget (expression-tree nodes) for the ``closed`` and ``inputs`` forms of a
        scalar system; a form that exceeds it is reported as such instead of being built.

    Returns
    -------
    Derivation

    Raises
    ------
    TargetError
        An unknown target, or several candidate targets and none chosen.

    Examples
    --------
    >>> from orderdiff import parse, derive
    >>> d = derive(parse("z2 = 2*z1\\nz3 = 3*z2 + z1\\nz4 = 4*z3 + 2*z2 + z1\\nE = 4*z4 + 2*z2"))
    >>> [d.total[v] for v in ("z1", "z2", "z3", "z4")]
    [136, 58, 16, 4]
    >>> d.recursive["z2"]
    3*Dplus(E, z3) + 2*Dplus(E, z4) + 2
    """
    return Derivation.of(system, target, max_size=max_size, steps=steps)


class Derivation(derivation.Derivation):
    """A :class:`~orderdiff.derivation.Derivation` with its views and numbers as methods.

    Built by :func:`derive`, for a file of either kind. The attributes are the derivation's;
    the methods call the printers (text, LaTeX, JSON) and the generated code of the
    system's algebra. ``form`` is by default ``closed`` (a block file unrolled:
    ``recursive``); ``values``, numbers at one point, are for scalar systems, as are
    :meth:`evaluate` and ``wrt`` of :meth:`lambdify`; ``backend``, ``dtype``, ``checks`` and
    :meth:`python_module` are for block files' generated programs.
    """

    @property
    def _views(self):
        if self.system.algebra == "scalar":
            return SCALAR
        from .blocks import BLOCK  # the block printers and generated program load only here

        return BLOCK

    def numpy_source(self, readable=True, backend="numpy", checks=None):
        """The generated code, for reading: a scalar system's numeric sweep (names are generated),
        or a block file's program (forward loop, backward loop, gradient sums; see
        :mod:`orderdiff.blocks.program`), with ``checks`` (``"arrays"`` or ``"terms"``) the shape of
        each array checked (:mod:`orderdiff.blocks.guard`).

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
        return self._views.source(self, readable, backend, checks)

    def python_module(self):
        """A block file's generated Python module that runs on its own (``--emit-python``): the
        program, a wrapper ``loss_and_gradients(params, inputs, init=None)`` and a demo on random data."""
        return self._views.module(self)

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
        return self._views.evaluate(self, values)

    def lambdify(self, wrt=None, *, backend="numpy", dtype="float64"):
        """A function that returns the ordered derivatives.

        A scalar system's is a NumPy function of its inputs; a block file's is
        ``f(params, inputs, init=None) -> (loss, grads)`` running the generated program for
        ``backend`` in ``dtype`` (see :func:`orderdiff.blocks.gradients.lambdify`).

        Parameters
        ----------
        wrt : sequence of str or Symbol, optional
            A scalar system's variables whose d+E/dv to return (default: all, in order).
        backend, dtype : str, optional
            A block file's: ``numpy``, ``torch`` or ``jax``, and a floating dtype (``float64``,
            ``float32``, ...); any other dtype raises ``ValueError``.

        Returns
        -------
        callable
            For a scalar system ``f(*inputs)`` or ``f(**inputs)`` with arrays broadcast
            together; returns ``{variable: ndarray of d+E/dv}``.

        Examples
        --------
        >>> import numpy as np
        >>> from orderdiff import parse, derive
        >>> f = derive(parse("y = x**3")).lambdify()
        >>> f(np.array([1.0, 2.0]))["x"]
        array([ 3., 12.])
        """
        return self._views.lambdify(self, wrt, backend, dtype)

    def to_text(self, *, form=None, values=None, wrt=None, unicode=True):
        """The table and the Werbos steps as plain text; ``values``: numbers at that point.

        Examples
        --------
        >>> from orderdiff import parse, derive
        >>> print(derive(parse("y = 3*x\\nE = y**2")).to_text(unicode=False).splitlines()[-1])
        d+E/dx = dE/dx + d+E/dy*dy/dx = 0 + 2*y*3 = 6*y
        """
        return self._views.text(self, form, values, wrt, unicode)

    def to_latex(self, *, form=None, values=None, wrt=None, body_only=False, figure=None):
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
        return self._views.latex(self, form, values, wrt, body_only, figure)

    def to_json(self, *, form=None, values=None, wrt=None):
        """The derivation as JSON text, with stable key order.

        Examples
        --------
        >>> import json
        >>> from orderdiff import parse, derive
        >>> json.loads(derive(parse("y = 3*x")).to_json())["nodes"]["x"]["total"]
        '3'
        """
        return self._views.json(self, form, values, wrt)

    def json_pieces(self, *, form=None, values=None, wrt=None):
        """The text of :meth:`to_json` in pieces, each made as it is asked for, to write out one
        by one: a large system's JSON is then never held whole, nor every form at once.

        Bad ``values`` raise here, before any piece is made.

        Examples
        --------
        >>> from orderdiff import parse, derive
        >>> d = derive(parse("y = 3*x"))
        >>> "".join(d.json_pieces()) == d.to_json()
        True
        """
        return self._views.json_pieces(self, form, values, wrt)

    def _repr_latex_(self):
        return self._views.display(self)
