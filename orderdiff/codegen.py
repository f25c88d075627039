"""Generated NumPy code for a finished derivation: forward pass and numeric sweep.

The code is printed from sympy trees with names from :mod:`orderdiff.naming` (never
a user's text), one line per variable, partial and ordered derivative, and compiled
once. Subexpressions equal to a variable's definition reuse that variable's value, and
any other subexpression that occurs more than once is computed once, into a temporary
(common subexpression elimination). Before it runs, the compiled function is checked
to reach nothing but generated names, NumPy's functions that the printer writes and
``override`` (a defence in depth: the printer writes no user text).
"""

from __future__ import annotations

import math
import re
import types
import weakref

import numpy
from sympy import Add, Mul, Number, NumberSymbol, Pow, Rational, Symbol

from . import naming
from .derive import numeric_sweep
from .errors import ValueInputError
from .functions import BY_NAME, BY_SYMPY
from .naming import NameMap
from .partials import paused_gc

HOIST_DEPTH = 40

NUMPY_NAMES = frozenset(re.findall(r"numpy\.(\w+)", " ".join(f.numpy for f in BY_NAME.values()))) | {"float64"}
GENERATED = re.compile(r"[vgpt][0-9]+|ov")


class Emitter:
    """Prints sympy expressions as NumPy code, hoisting deep subtrees into temporaries.

    A subexpression in ``shared`` (one that occurs more than once in the program) is
    computed once, into a temporary assigned just before its first use.
    """

    def __init__(self, names, shared=frozenset()):
        self.names = dict(names)  # {sympy node: identifier}
        self.shared = shared
        self.lines = []
        self.temps = 0

    def assign(self, name, expr):
        text = self.names.get(expr)
        if text is None:
            text = self.compound(expr, 0) if expr in self.shared else self.code(expr, 0)
        self.lines.append(f"    {name} = {text}")

    def code(self, node, depth):
        name = self.names.get(node)
        if name is not None:
            return name
        if depth >= HOIST_DEPTH or node in self.shared:
            name = naming.temp(self.temps)
            self.temps += 1
            self.assign(name, node)
            self.names[node] = name
            return name
        return self.compound(node, depth)

    def compound(self, node, depth):
        sub = lambda a: self.wrapped(a, depth + 1)  # noqa: E731
        if isinstance(node, (Number, NumberSymbol)):
            return number(node)
        if isinstance(node, Add):
            terms = [sub(a) for a in node.args]
            return terms[0] + "".join(f" - {t[1:]}" if t.startswith("-") else f" + {t}" for t in terms[1:])
        if isinstance(node, Mul):
            if node.args[0] == -1:
                return "-" + "*".join(sub(a) for a in node.args[1:])
            return "*".join(sub(a) for a in node.args)
        if isinstance(node, Pow):
            base, exp = node.args
            if exp == Rational(1, 2):
                return BY_NAME["sqrt"].numpy.format(self.code(base, depth + 1))
            if exp == -1:
                return f"1.0/{sub(base)}"
            return f"{sub(base)}**{exp.p if exp.is_Integer else sub(exp)}"
        function = BY_SYMPY.get(type(node))
        if function is not None:
            return function.numpy.format(*(self.code(a, depth + 1) for a in node.args))
        raise TypeError(f"no NumPy code for {type(node).__name__}")  # a bug: System checks operations

    def wrapped(self, node, depth):
        """``node``'s code, bracketed unless it is a name or a non-negative number.

        A product with a leading minus stays unbracketed: sums print it as ``a - b*c``.
        """
        text = self.code(node, depth)
        simple = isinstance(node, (Symbol, Number)) and not text.startswith("-") or node in self.names
        if simple or isinstance(node, Mul) and node.args[0] == -1:
            return text
        return f"({text})"


def repeated(exprs, named=()):
    """The compound subexpressions that occur more than once in ``exprs`` (common
    subexpressions), apart from those in ``named`` (which already have a name)."""
    counts = {}
    for expr in exprs:
        stack = [expr]
        while stack:
            node = stack.pop()
            if not node.args:
                continue
            seen = counts.get(node, 0)
            counts[node] = seen + 1
            if not seen:
                stack.extend(node.args)
    return frozenset(node for node, n in counts.items() if n > 1 and node not in named)


def tuple_code(items):
    return "(" + "".join(f"{x}, " for x in items) + ")"


def number(x):
    if isinstance(x, Rational):
        try:
            value = x.p / x.q  # int/int rounds correctly, and fast
        except OverflowError:
            value = math.inf if x.p > 0 else -math.inf
    else:
        value = float(x)
    return repr(value) if math.isfinite(value) else f"numpy.float64({str(value)!r})"


def forward_lines(derivation, emitter, overrides):
    """Assign every defined variable's value; with ``overrides``, allow replacing it."""
    system = derivation.system
    for k, v in enumerate(system.order):
        eq = system.equations.get(v)
        if eq is not None:
            emitter.assign(naming.value(k), eq.expr)
            if overrides:
                # no reuse of this value inside later equations: a nudged value must not leak there
                emitter.lines.append(f"    {naming.value(k)} = override(ov, {k}, {naming.value(k)})")
            elif not eq.expr.is_Atom:
                emitter.names.setdefault(eq.expr, naming.value(k))


def sweep_lines(derivation, emitter):
    """Assign every edge's partial and ordered derivative; return the explicit and partial codes."""
    index = derivation.system.index
    part = {}
    for m, (edge, expr) in enumerate(derivation.partials.items()):
        if expr.is_Number:
            part[edge] = number(expr)
        else:
            part[edge] = naming.partial(m)
            emitter.assign(part[edge], expr)
    explicit = []
    for v in reversed(derivation.order):
        k = index[v]
        step = derivation.steps[v]
        e = "1.0" if v == derivation.target else part.get((derivation.target, v), "0.0")
        explicit.append(e)
        terms = [f"{naming.adjoint(index[j])}*{part[j, v]}" for j, _ in step.terms]
        emitter.lines.append(f"    {naming.adjoint(k)} = {' + '.join([e] + terms)}")
    return explicit[::-1], part


def sweep_source(derivation):
    """Source of ``sweep(*inputs) -> (values, explicit, totals, partials)``, tuples in order."""
    symbols = {v: naming.value(k) for k, v in enumerate(derivation.order)}
    definitions = [eq.expr for eq in derivation.system.equations.values()]
    em = Emitter(symbols, repeated(definitions + list(derivation.partials.values()), definitions))
    forward_lines(derivation, em, overrides=False)
    explicit, part = sweep_lines(derivation, em)
    grads = tuple_code(naming.adjoint(k) for k in range(len(derivation.order)))
    return "\n".join([f"def sweep({arguments(derivation)}):"] + em.lines + [
        f"    return {tuple_code(symbols.values())}, {tuple_code(explicit)}, {grads}, "
        f"{tuple_code(part.values())}"])


def forward_source(derivation):
    """Source of ``forward(*inputs, ov) -> values``, where ``ov`` overrides rows of variables."""
    symbols = {v: naming.value(k) for k, v in enumerate(derivation.order)}
    definitions = [eq.expr for eq in derivation.system.equations.values()]
    em = Emitter(symbols, repeated(definitions, definitions))  # a nudged value must not leak: no reuse
    forward_lines(derivation, em, overrides=True)
    args = arguments(derivation)
    return "\n".join([f"def forward({args}{', ' if args else ''}ov):"] + em.lines + [
        f"    return {tuple_code(symbols.values())}"])


def arguments(derivation):
    return ", ".join(naming.value(derivation.system.index[v]) for v in derivation.inputs)


def compile_function(source):
    """The one function defined by ``source`` (generated by this module)."""
    namespace = {"numpy": numpy, "override": override}
    code = compile(source, "<orderdiff>", "exec")
    function = checked_function(code)
    exec(code, namespace)  # safe: printed from sympy trees with generated names only, no user text
    return namespace[function.co_name]


def checked_function(code):
    """The code of the one function that module ``code`` defines, if it reaches only generated
    names, ``numpy``'s functions in :data:`NUMPY_NAMES` and ``override``; else AssertionError."""
    inner = [c for c in code.co_consts if isinstance(c, types.CodeType)]
    if len(inner) != 1 or code.co_names != (inner[0].co_name,) or inner[0].co_name not in ("sweep", "forward"):
        raise AssertionError(f"generated code is not one sweep or forward function: {code.co_names}")
    f = inner[0]
    odd = set(f.co_names) - NUMPY_NAMES - {"numpy", "override"}
    odd |= {n for n in f.co_varnames if not GENERATED.fullmatch(n)}
    odd |= {repr(c) for c in f.co_consts if not numeric(c)}
    if odd or f.co_cellvars or f.co_freevars:
        raise AssertionError(f"generated code reaches {', '.join(sorted(odd))}")
    return f


def numeric(c):
    """A constant of generated code: a number, a tuple of them, None, or an infinity spelled for float64."""
    if isinstance(c, tuple):
        return all(numeric(x) for x in c)
    return c is None or type(c) in (int, float) or c in ("inf", "-inf", "nan")


def override(ov, k, value):
    """``value`` with the rows ``ov[k] = (rows, new values)`` replaced (for nudged forward passes)."""
    if k not in ov:
        return value
    rows, new = ov[k]
    value = numpy.array(numpy.broadcast_to(value, ov["shape"]), dtype=float)
    value[rows] = new
    return value


def bind_inputs(derivation, values):
    """The input values in input order, as float arrays; missing or extra names are errors."""
    given = {str(k): v for k, v in values.items()}
    names = [str(v) for v in derivation.inputs]
    missing = [n for n in names if n not in given]
    extra = [n for n in given if n not in names]
    if missing:
        raise ValueInputError("missing input value for " + ", ".join(missing)
                              + " (the inputs are " + ", ".join(names) + ")")
    if extra:
        raise ValueInputError(", ".join(extra) + (" is not an input" if len(extra) == 1 else
                              " are not inputs") + " (the inputs are " + (", ".join(names) or "none") + ")")
    return [numpy.asarray(given[n], dtype=float) for n in names]


class Evaluation:
    """Numbers at one point: ``values``, ``explicit`` and ``total`` as ``{variable: float}``.

    ``partials`` is ``{(j, i): dz_j/dz_i}`` for every edge of the sweep.
    """

    def __init__(self, order, values, explicit, total, partials):
        self.values = NameMap(zip(order, values))
        self.explicit = NameMap(zip(order, explicit))
        self.total = NameMap(zip(order, total))
        self.partials = partials

    def __repr__(self):
        return f"<Evaluation: total {self.total!r}>"


def compiled_sweep(derivation):
    """The compiled :func:`sweep_source` of ``derivation``, compiled once per derivation."""
    return _compiled(derivation, sweep_source)


def compiled_forward(derivation):
    """The compiled :func:`forward_source` of ``derivation``, compiled once per derivation."""
    return _compiled(derivation, forward_source)


_COMPILED = weakref.WeakKeyDictionary()  # {derivation: {source function: compiled function}}


def _compiled(derivation, source):
    functions = _COMPILED.setdefault(derivation, {})
    if source not in functions:
        functions[source] = compile_function(source(derivation))
    return functions[source]


def run(derivation, arrays):
    with numpy.errstate(all="ignore"):
        return compiled_sweep(derivation)(*arrays)


def evaluate(derivation, values, compiled=False):
    """Numbers at one point: by the direct float sweep (:func:`orderdiff.derive.numeric_sweep`),
    or with ``compiled`` by the generated program, which evaluates the symbolic partials
    themselves (what ``check`` verifies)."""
    arrays = bind_inputs(derivation, values)
    for name, a in zip(derivation.inputs, arrays):
        if a.ndim:
            raise ValueInputError(f"the value of {name} must be one number (use lambdify() for arrays)")
    as_floats = lambda xs: [float(x) for x in xs]  # noqa: E731
    if compiled:
        vals, expl, grads, parts = run(derivation, arrays)
        partials = dict(zip(derivation.partials, as_floats(parts)))
        return Evaluation(derivation.order, as_floats(vals), as_floats(expl), as_floats(grads), partials)
    with paused_gc():
        vals, expl, grads, parts = numeric_sweep(derivation, [float(a) for a in arrays])
        partials = {edge: float(x) for edge, x in parts.items()}
        return Evaluation(derivation.order, as_floats(vals), as_floats(expl), as_floats(grads), partials)


def make_function(derivation, wrt=None):
    """A vectorised NumPy function of the inputs returning ``{variable: d+E/dv}``."""
    system = derivation.system
    chosen = [system.resolve(v, "variable") for v in (wrt or derivation.order)]
    positions = [system.index[v] for v in chosen]
    inputs = [str(v) for v in derivation.inputs]

    def ordered_derivatives(*args, **kwargs):
        if len(args) > len(inputs):
            raise TypeError(f"expected at most {len(inputs)} inputs ({', '.join(inputs)}), got {len(args)}")
        values = dict(zip(inputs, args))
        for name in kwargs:
            if name in values:
                raise TypeError(f"input {name} given twice")
        values.update(kwargs)
        arrays = numpy.broadcast_arrays(*bind_inputs(derivation, values))
        shape = arrays[0].shape if arrays else ()
        grads = run(derivation, arrays)[2]
        return NameMap({v: numpy.array(numpy.broadcast_to(grads[k], shape), dtype=float)
                        for v, k in zip(chosen, positions)})

    ordered_derivatives.__doc__ = (f"d+{derivation.target}/dv for v in {', '.join(map(str, chosen))}, "
                                   f"as functions of {', '.join(inputs) or 'no inputs'}.")
    return ordered_derivatives
