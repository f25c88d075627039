"""A system of sequential variables: equations, inputs, and their dependency order.

A :class:`System` comes from :func:`orderdiff.parse` or straight from sympy objects
(``System({z2: 2*z1, E: z2**2})``). Construction checks it: each variable defined
once, supported operations only, no cycles; it then holds the DAG and its order.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from sympy import Add, Basic, Float, Integer, Mul, Number, NumberSymbol, Pow, Symbol

from . import graph
from .convert import from_sympy, to_sympy
from .errors import DefinitionError, TargetError, UnsupportedExpressionError, did_you_mean
from .functions import BY_SYMPY, FUNCTIONS
from .limits import TooLarge, check_form


class Equation:
    """``var = expr``; ``text`` is the right side as written, ``line``/``col`` where ``var`` is.

    ``expr`` is the sympy expression, ``core`` the same as a symengine one
    (:mod:`orderdiff.algebra`), on which orderdiff computes. The parser gives ``core`` and
    ``free_symbols``, and ``expr`` is converted on first use: reading, deriving and
    evaluating a large system then never builds sympy expressions. From sympy objects it
    is the other way round.
    """

    __slots__ = ("var", "_expr", "line", "col", "source", "text", "_core", "_free")

    def __init__(self, var, expr=None, line=None, col=None, source=None, text=None, *,
                 core=None, free_symbols=None):
        assert expr is not None or core is not None
        self.var, self._expr, self.line, self.col, self.source, self.text = var, expr, line, col, source, text
        self._core, self._free = core, free_symbols

    @property
    def expr(self):
        if self._expr is None:
            self._expr = to_sympy(self._core, Symbol)
        return self._expr

    @property
    def core(self):
        """The right side as a symengine expression."""
        if self._core is None:
            self._core = from_sympy(self._expr)
        return self._core

    @property
    def free_symbols(self):
        return self._free if self._free is not None else self.expr.free_symbols

    @property
    def is_atom(self):
        """Whether the right side is a lone symbol or number."""
        return self.core.is_Atom

    @property
    def rhs(self):
        """The right side as written, or sympy's spelling of it."""
        return self.text if self.text is not None else str(self.expr)

    @property
    def written(self):
        """The equation as the file writes it (``var = rhs``)."""
        return f"{self.var} = {self.rhs}"

    def _fields(self):
        return (self.var, self.expr, self.line, self.col, self.source, self.text)

    def __eq__(self, other):
        return isinstance(other, Equation) and self._fields() == other._fields()

    def __hash__(self):
        return hash(self._fields())

    def __repr__(self):
        return ("Equation(var={!r}, expr={!r}, line={!r}, col={!r}, source={!r}, text={!r})"
                .format(*self._fields()))


SUPPORTED = (Add, Mul, Pow, Symbol, *BY_SYMPY)

# Names a reader may take for constants. orderdiff has no named constants, so an undefined
# one is an input like any other; System.notes says so and what to write instead.
LOOKALIKES = {"pi": ("π", "3.141592653589793"), "e": ("e", "exp(1)")}


class System:
    """Equations over sequential variables, checked and ordered.

    Parameters
    ----------
    equations : mapping or iterable
        Either ``{Symbol or str: sympy expression or number}`` or a sequence of
        :class:`Equation`; in file order.
    file : str, optional
        Name used in error messages.
    appearance : sequence of Symbol, optional
        Symbols in order of first appearance (orders the inputs; the parser gives it).

    Attributes
    ----------
    equations : dict
        ``{Symbol: Equation}`` in file order.
    inputs : tuple of Symbol
        Variables that no equation defines.
    order : tuple of Symbol
        Every variable, inputs first, in dependency order (ties broken by file order).
    graph : networkx.DiGraph
        Edge ``u -> v`` when ``u`` appears in the equation of ``v``.
    index : dict
        ``{Symbol: position in order}``.

    Raises
    ------
    DefinitionError
        A variable defined twice or not a symbol.
    UnsupportedExpressionError
        An operation orderdiff cannot differentiate or evaluate.
    CycleError
        Equations that depend on each other in a cycle.

    Examples
    --------
    >>> import sympy
    >>> from orderdiff import System
    >>> x, y, E = sympy.symbols("x y E")
    >>> System({y: sympy.sin(x), E: y**2}).order
    (x, y, E)
    """

    def __init__(self, equations, *, file=None, appearance=None):
        if isinstance(equations, Mapping):
            equations = from_mapping(equations)
        self.file = file
        self.equations = {}
        for eq in equations:
            if eq.var in self.equations:
                raise self._redefined(eq)
            self.equations[eq.var] = eq
        if appearance is None:
            appearance = [s for eq in self.equations.values()
                          for s in sorted(eq.free_symbols, key=str)]
        self.inputs = tuple(dict.fromkeys(s for s in appearance if s not in self.equations))
        self.order = graph.file_order(self.equations, self.inputs)
        if self.order is None:
            graph.check_acyclic(self.graph, self.equations, file)
            self.order = graph.topological_order(self.graph)
        self.index = {v: k for k, v in enumerate(self.order)}
        self._by_name = {v.name: v for v in self.order}
        self._parents = {}

    @cached_property
    def graph(self):
        """The dependency DAG (networkx), built on first use."""
        return graph.dependency_graph(list(self.equations.values()), self.inputs)

    @cached_property
    def users(self):
        """``{v: (the variables whose equations use v, in order)}``."""
        users = {v: [] for v in self.order}
        for v in self.order:
            eq = self.equations.get(v)
            if eq is not None:
                for u in eq.free_symbols:
                    users[u].append(v)
        return {v: tuple(js) for v, js in users.items()}

    @cached_property
    def constants(self):
        """The variables whose equations use no variable (``c = sqrt(2)``)."""
        return {v for v, eq in self.equations.items() if not eq.free_symbols}

    @cached_property
    def notes(self):
        """Remarks on how the text was read, for a reader to see: inputs named like constants.

        Examples
        --------
        >>> from orderdiff import parse
        >>> parse("y = sin(pi*x)").notes
        ["'pi' is an input variable, not the constant π: orderdiff has no named constants; write 3.141592653589793 instead, or define pi by an equation"]
        """
        return [f"'{v}' is an input variable, not the constant {LOOKALIKES[v.name][0]}: orderdiff has no "
                f"named constants; write {LOOKALIKES[v.name][1]} instead, or define {v} by an equation"
                for v in self.inputs if v.name in LOOKALIKES]

    def parents(self, v):
        """The variables in the equation of ``v``, in order (none for an input)."""
        found = self._parents.get(v)
        if found is None:  # the sweep asks several times per variable: each is sorted once
            eq = self.equations.get(v)
            found = () if eq is None else tuple(sorted(eq.free_symbols, key=self.index.__getitem__))
            self._parents[v] = found
        return found

    def ancestors(self, v):
        """The variables ``v`` depends on, directly or not."""
        equations = self.equations
        return graph.reached(v, lambda u: equations[u].free_symbols if u in equations else None) - {v}

    def _redefined(self, eq):
        first = self.equations[eq.var]
        where = f" (first defined on line {first.line})" if first.line else ""
        return DefinitionError(f"'{eq.var}' is defined twice{where}; each variable is defined once",
                               file=self.file, line=eq.line, col=eq.col, source=eq.source)

    def resolve(self, name, what="variable"):
        """The system's symbol for ``name`` (a ``str`` or ``Symbol``).

        Raises
        ------
        TargetError
            If the system has no such variable; the message suggests close names.
        """
        key = str(name)
        if key in self._by_name:
            return self._by_name[key]
        raise TargetError(f"unknown {what} '{key}'{did_you_mean(key, self._by_name)}; the variables are "
                          + ", ".join(self._by_name), file=self.file)

    def sinks(self):
        """The defined variables that no equation uses, in file order."""
        users = self.users
        return [v for v in self.equations if not users[v]]

    def __len__(self):
        return len(self.order)

    def __contains__(self, name):
        return str(name) in self._by_name

    def __repr__(self):
        return f"<System of {len(self.equations)} equations, inputs {', '.join(map(str, self.inputs))}>"


def from_mapping(mapping):
    """Equations from ``{Symbol or str: expression}``, symbols matched by name."""
    exprs = {key: as_expr(value, key) for key, value in mapping.items()}
    named = {}
    for expr in exprs.values():
        for s in expr.free_symbols:
            if named.setdefault(s.name, s) != s:
                raise DefinitionError(f"two different symbols are named '{s.name}' "
                                      "(e.g. with different assumptions); use one symbol per name")
    equations = []
    for key, expr in exprs.items():
        if isinstance(key, str):
            var = named.setdefault(key, Symbol(key))
        elif isinstance(key, Symbol):
            var = key
            if named.setdefault(key.name, key) != key:
                raise DefinitionError(f"two different symbols are named '{key.name}'")
        else:
            raise DefinitionError(f"a variable must be a sympy Symbol or a str, not {key!r}")
        equations.append(Equation(var, expr))
    return equations


def as_expr(value, var):
    """``value`` as a checked sympy expression (numbers become exact sympy numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Basic)):
        raise UnsupportedExpressionError(f"the equation of '{var}' is {value!r}, not a sympy expression")
    expr = Integer(value) if isinstance(value, int) else Float(value) if isinstance(value, float) else value
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, NumberSymbol) and node.is_extended_real:
            continue
        if isinstance(node, Number):
            if not node.is_finite:
                raise UnsupportedExpressionError(f"the equation of '{var}' contains {node}")
        elif not isinstance(node, SUPPORTED):
            raise UnsupportedExpressionError(
                f"the equation of '{var}' uses {type(node).__name__}, which orderdiff does not "
                f"support; the known functions are {', '.join(FUNCTIONS)}")
        stack.extend(node.args)
    try:
        check_form(from_sympy(expr), float("inf"))
    except TooLarge as e:
        raise UnsupportedExpressionError(f"the equation of '{var}' cannot be used: {e}") from None
    return expr
