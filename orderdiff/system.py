"""A system of sequential variables: equations, declared leaves, inputs, and their order.

One :class:`System` serves every file. A scalar file (``z3 = 3*z2 + z1``) is a system with no
declarations, whose undefined names are its inputs; so is a system built from sympy objects
(``System({z2: 2*z1, E: z2**2})``). A block file declares its dimensions, parameters,
inputs and initial values, and its variables are *static* (parameters, and equations
without ``[t]``) or *time-indexed* (``x[t]``, defined for t = 1..T); a use ``h[t-k]`` crosses
k steps and needs initial values ``h[0] .. h[1-k]``. Construction checks it: each
variable defined once, no cycle within one step, every initial value a lag needs; it then
holds the graph (:mod:`orderdiff.graph`) and one step's order. A scalar file is the case of
no time: every equation static, no lag. Static equations that sum over time
(``C = sum_t(...)``) come after the loop over t, the others before it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
from sympy import Add, Basic, Float, Integer, Mul, Number, NumberSymbol, Pow, Symbol

from . import graph
from .blocks import expr as B
from .convert import from_sympy, to_sympy
from .errors import DefinitionError, ShapeError, TargetError, UnsupportedExpressionError, did_you_mean
from .functions import BY_SYMPY, FUNCTIONS
from .limits import MAX_LAG, TooLarge, check_form
from .naming import name_of


@dataclass(frozen=True)
class Decl:
    """A declared leaf: ``input``, ``param`` or ``init`` (an initial value at ``time`` <= 0).

    An initial value is every entry ``fill``, or, with ``given_by``, the parameter or the
    once-per-sequence input of that name (``init h[0] = h0``, the name at ``given_col``).
    """

    kind: str
    name: str
    shape: tuple | None
    timed: bool
    time: int | None
    line: int
    col: int
    source: str
    fill: float = 0.0
    distribution: bool = False
    given_by: str | None = None
    given_col: int | None = None


class Equation:
    """``var = expr`` (``var[t] = expr`` when ``timed``); ``text`` is the right side as written,
    ``line``/``col`` where ``var`` is.

    A scalar equation's ``var`` is a sympy ``Symbol`` and its key in the system that symbol;
    ``expr`` is the sympy expression and ``core`` the same as a symengine one
    (:mod:`orderdiff.algebra`), on which orderdiff computes. The parser gives ``core`` and
    ``free_symbols``, and ``expr`` is converted on first use: reading, deriving and
    evaluating a large system then never builds sympy expressions. From sympy objects it
    is the other way round.

    A block equation's ``var`` is a :class:`~orderdiff.blocks.expr.Var` (its shape and time)
    and its key the variable's name; ``expr`` is a block expression, ``uses`` the
    ``(name, k)`` of each ``name[t-k]`` it reads (k = 0 within one step, or for a static
    variable or a last step ``h[T]``), and ``sums_over_time`` whether it runs after the loop:
    it contains ``sum_t``, or reads one of the last steps.
    """

    __slots__ = ("var", "key", "_expr", "line", "col", "source", "text", "_core", "_free", "uses",
                 "timed", "shape", "sums_over_time")

    def __init__(self, var, expr=None, line=None, col=None, source=None, text=None, *,
                 core=None, free_symbols=None, uses=None, sums_over_time=False):
        assert expr is not None or core is not None
        self.var, self._expr, self.line, self.col, self.source, self.text = var, expr, line, col, source, text
        self._core, self._free = core, free_symbols
        self.uses = uses
        scalar = uses is None
        self.key = var if scalar else var.name
        self.timed = False if scalar else bool(var.time)
        self.shape = () if scalar else var.shape
        self.sums_over_time = sums_over_time

    @property
    def expr(self):
        if self._expr is None:
            self._expr = to_sympy(self._core, Symbol)
        return self._expr

    @property
    def core(self):
        """The right side of a scalar equation as a symengine expression."""
        if self._core is None:
            self._core = from_sympy(self._expr)
        return self._core

    @property
    def free_symbols(self):
        return self._free if self._free is not None else self.expr.free_symbols

    @property
    def reads(self):
        """The keys of the variables the right side reads, at any lag."""
        return self.free_symbols if self.uses is None else {u for u, _ in self.uses}

    @property
    def parents(self):
        """The keys of the variables the right side reads within one step (all, without time)."""
        return self.free_symbols if self.uses is None else {u for u, k in self.uses if not k}

    @property
    def lagged(self):
        """``(name, k)`` for each use ``name[t-k]`` with k > 0."""
        return () if self.uses is None else [(u, k) for u, k in self.uses if k > 0]

    @property
    def leading(self):
        """``(name, k)`` for each use ``name[t+k]`` with k > 0: a look-ahead."""
        return () if self.uses is None else [(u, -k) for u, k in self.uses if k < 0]

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
        """The equation as the file writes it (``var = rhs``, ``h[t] = rhs``)."""
        return f"{self.key}{'[t]' if self.timed else ''} = {self.rhs}"

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
    scope : optional
        A block file's declarations (:class:`orderdiff.blocks.parse.Scope`): dimensions,
        parameters, inputs, initial values.

    Attributes
    ----------
    algebra : str
        ``"scalar"`` (no declarations) or ``"block"``: which algebra derives the equations.
    equations : dict
        ``{key: Equation}`` in file order: keyed by Symbol in a scalar system, by name in a block one.
    dims, declarations, inits : dict
        A block file's ``{name: Symbol}`` of dimensions, ``{name: Decl}`` of inputs and
        parameters, and ``{name: {time: Decl}}`` of initial values; empty for a scalar file.
    inputs : tuple
        The data a derivation is evaluated at: a scalar system's undefined variables (Symbols),
        a block system's declared inputs (Decls).
    leaves : tuple
        The keys of the variables no equation defines, declared or not.
    order : tuple
        Every key, leaves first, in one step's dependency order (ties broken by file order).
    graph : networkx.MultiDiGraph
        Edge ``u -> v`` with attribute ``lag`` k when ``u[t-k]`` appears in the equation of
        ``v`` (k = 0 without time).
    index : dict
        ``{key: position in order}``.
    lags : dict
        ``{name: largest k in name[t-k]}`` for every variable used with a lag.
    timed, before, after : tuple
        Time-indexed equations in the order of one step; static equations computed
        before the loop over t, and after it (those that sum over time).

    Raises
    ------
    DefinitionError
        A variable defined twice or not a symbol, or an initial value missing.
    UnsupportedExpressionError
        An operation orderdiff cannot differentiate or evaluate.
    CycleError
        Equations that depend on each other in a cycle (within one step).

    Examples
    --------
    >>> import sympy
    >>> from orderdiff import System
    >>> x, y, E = sympy.symbols("x y E")
    >>> System({y: sympy.sin(x), E: y**2}).order
    (x, y, E)
    """

    def __init__(self, equations, *, file=None, appearance=None, scope=None):
        if isinstance(equations, Mapping):
            equations = from_mapping(equations)
        self.file = file
        self.algebra = "scalar" if scope is None else "block"
        self.dims = dict(scope.dims) if scope else {}
        self.declarations = dict(scope.decls) if scope else {}
        self.inits = {k: dict(v) for k, v in scope.inits.items()} if scope else {}
        self.last_declaration = scope.last if scope else None
        self.equations = {}
        for eq in equations:
            if eq.key in self.equations:
                raise self._redefined(eq)
            self.equations[eq.key] = eq
        if appearance is None:
            appearance = [s for eq in self.equations.values() for s in sorted(eq.reads, key=str)]
        undefined = (s for s in appearance if s not in self.equations and s not in self.declarations)
        self.leaves = (*self.declarations, *dict.fromkeys(undefined))
        self.inputs = (tuple(d for d in self.declarations.values() if d.kind == "input") if scope
                       else self.leaves)
        self.order = graph.file_order(self.equations, self.leaves)
        if self.order is None:
            step = graph.same_step(self.graph)
            graph.check_acyclic(step, self.equations, file,
                                within_step=any(eq.timed for eq in self.equations.values()))
            self.order = graph.topological_order(step)
        self.index = {v: k for k, v in enumerate(self.order)}
        self._by_name = {name_of(v): v for v in self.order}
        self._parents = {}
        self.lags = self._lags()
        self.leads = self._lags(ahead=True)
        self._check_inits()
        self._check_directions()
        self.timed, self.before, self.after = self._split()

    @cached_property
    def graph(self):
        """The dependency graph (networkx), built on first use."""
        uses = [(u, v, k) for v, eq in self.equations.items()
                for u, k in (((u, 0) for u in eq.free_symbols) if eq.uses is None else eq.uses)]
        return graph.step_graph([*self.leaves, *self.equations], uses)

    @cached_property
    def backward(self):
        """The time-indexed variables computed from t = T down to 1: those on a recurrence that
        reads a later step (hb[t] from hb[t+1]), in the order of the step."""
        if not self.leads:
            return []  # no read of a later step, so every recurrence runs forward
        out = set().union(*(part for part, reads in self._recurrences() if any(k < 0 for *_, k in reads)))
        return [v for v in self.timed if v in out]

    def _recurrences(self):
        """``(part, [(u, v, k)])``: each strongly connected part of the graph and its uses across
        steps, k > 0 for u[t-k], k < 0 for u[t+|k|]."""
        for part in nx.strongly_connected_components(self.graph):
            yield part, [(u, v, k) for u, v, k in self.graph.subgraph(part).edges(data="lag") if k]

    def _lags(self, ahead=False):
        out = {}
        for eq in self.equations.values():
            for u, k in sorted(eq.leading if ahead else eq.lagged):  # uses are a set: in a fixed order
                out[u] = max(k, out.get(u, 0))
        return out

    def _check_directions(self):
        """Each recurrence runs one way: a loop of uses that reads both earlier and later steps
        (h[t] from g[t-1], g[t] from h[t+1]) has no order of the steps to compute it in."""
        if not self.leads:
            return
        position = {v: i for i, v in enumerate(self.order)}
        for part, uses in self._recurrences():
            if min((k for *_, k in uses), default=0) < 0 < max((k for *_, k in uses), default=0):
                reads = [(position[v], u, v, -k) for u, v, k in uses if k < 0]
                _, name, v, k = min(reads)  # the first equation's read of a later step within the loop
                eq = self.equations[v]
                hit = re.search(rf"(?<!\w){re.escape(name)}\s*\[\s*t\s*\+", eq.source)
                raise DefinitionError(
                    f"{name}[t+{k}] reads a later step on a recurrence that also reads earlier ones "
                    f"({', '.join(sorted(part))}); a recurrence runs forward (t-1) or backward (t+1), not both",
                    file=self.file, line=eq.line, col=hit.start() + 1 if hit else eq.col, source=eq.source)

    def _check_inits(self):
        for name, k in self.lags.items():
            if k > MAX_LAG:  # the parser refuses such a lag: this guards the range below
                raise DefinitionError(f"{name}[t-{k}] reaches back more than {MAX_LAG} steps", file=self.file)
            missing = [s for s in range(0, -k, -1) if s not in self.inits.get(name, {})]
            if missing:
                eq = next(eq for eq in self.equations.values() if (name, k) in eq.lagged)
                shown = missing if len(missing) <= 3 else missing[:3]
                more = "" if shown is missing else f", ... ({len(missing)} in all)"
                raise DefinitionError(
                    f"{name}[t-{k}] reaches back to t = {1 - k} at the first step, but "
                    f"{', '.join(f'{name}[{s}]' for s in shown)}{more} {'has' if len(missing) == 1 else 'have'} no initial value; add "
                    + " and ".join(f"'init {name}[{s}] = 0'" for s in shown) + (" and so on" if more else ""),
                    file=self.file, line=eq.line, col=eq.col, source=eq.source)
        for name, k in self.leads.items():
            missing = [B.T_LAST + s for s in range(1, k + 1) if B.T_LAST + s not in self.inits.get(name, {})]
            if missing:
                eq = next(eq for eq in self.equations.values() if (name, k) in eq.leading)
                raise DefinitionError(
                    f"{name}[t+{k}] reaches past the last step to t = T+{k}, but "
                    f"{', '.join(f'{name}[{B.show_time(s)}]' for s in missing[:3])} "
                    f"{'has' if len(missing) == 1 else 'have'} no value; add "
                    + " and ".join(f"'init {name}[{B.show_time(s)}] = 0'" for s in missing[:3])
                    + (" and so on" if len(missing) > 3 else ""),
                    file=self.file, line=eq.line, col=eq.col, source=eq.source)
        for name, slots in self.inits.items():
            for decl in slots.values():
                if decl.given_by is not None:
                    self._check_given_by(decl)
            if name not in self.equations and name not in self.declarations:
                decl = next(iter(slots.values()))
                raise DefinitionError(f"'{name}' has an initial value but no equation {name}[t] = ...",
                                      file=self.file, line=decl.line, col=decl.col, source=decl.source)

    def _check_given_by(self, decl):
        """An initial value taken from ``decl.given_by``: a parameter or a once-per-sequence input
        of the variable's shape."""
        leaf = self.declarations.get(decl.given_by)
        where = dict(file=self.file, line=decl.line, col=decl.given_col, source=decl.source)
        if leaf is None or leaf.timed:
            what = ("is given at every step" if leaf is not None else
                    "is defined by an equation" if decl.given_by in self.equations else "is not declared")
            raise DefinitionError(f"an initial value is a number, a parameter or an input given once per "
                                  f"sequence; '{decl.given_by}' {what}", **where)
        eq = self.equations.get(decl.name)
        if eq is not None and not B.same_shape(tuple(leaf.shape), tuple(eq.var.shape)):
            raise ShapeError(f"{decl.name}[{decl.time}] has the shape of {decl.name}, {B.show(eq.var.shape)}, "
                             f"but '{decl.given_by}' has shape {B.show(leaf.shape)}", **where)

    def given_inits(self):
        """``[(name, time)]`` of the initial values a caller gives (or leaves to their fill), in the
        order of the generated program's arguments: by variable, the latest time first."""
        return [(name, s) for name, slots in self.inits.items() for s in sorted(B.early(slots), reverse=True)
                if slots[s].given_by is None]

    def ends(self):
        """``[(name, T+k, fill)]``: the values past the last step that a look-ahead reads
        (``init hb[T+1] = 0``), numbers the program writes, as data."""
        return [(name, s, slots[s].fill) for name, slots in self.inits.items()
                for s in slots if s not in B.early(slots)]

    def inits_given_by(self):
        """``[(name, time, leaf)]`` of the initial values taken from a parameter or an input."""
        return [(name, s, slots[s].given_by) for name, slots in self.inits.items()
                for s in sorted(B.early(slots), reverse=True) if slots[s].given_by is not None]

    def _split(self):
        """The defined variables in one step's order: time-indexed, static before the loop, after it."""
        order = [v for v in self.order if v in self.equations]
        timed = tuple(v for v in order if self.equations[v].timed)
        after = set()
        if any(eq.sums_over_time for eq in self.equations.values()):
            for v in order:
                eq = self.equations[v]
                if not eq.timed and (eq.sums_over_time or any(u in after for u in eq.reads)):
                    after.add(v)
            for v in timed:
                late = sorted(u for u in self.equations[v].reads if u in after)
                if late:
                    eq = self.equations[v]
                    raise DefinitionError(f"'{late[0]}' sums over every step, so the step equation of "
                                          f"'{v}' cannot use it", file=self.file, line=eq.line, col=eq.col,
                                          source=eq.source)
        before = tuple(v for v in order if not self.equations[v].timed and v not in after)
        return timed, before, tuple(v for v in order if v in after)

    @cached_property
    def users(self):
        """``{v: (the variables whose equations use v, at any lag, in order)}``."""
        users = {v: [] for v in self.order}
        for v in self.order:
            eq = self.equations.get(v)
            if eq is not None:
                for u in eq.reads:
                    users[u].append(v)
        return {v: tuple(js) for v, js in users.items()}

    @cached_property
    def constants(self):
        """The variables whose equations use no variable (``c = sqrt(2)``)."""
        return {v for v, eq in self.equations.items() if not eq.reads}

    @cached_property
    def notes(self):
        """Remarks on how the text was read, for a reader to see: undefined inputs named like constants,
        and initial values that no step reads.

        Examples
        --------
        >>> from orderdiff import parse
        >>> parse("y = sin(pi*x)").notes
        ["'pi' is an input variable, not the constant π: orderdiff has no named constants; write 3.141592653589793 instead, or define pi by an equation"]
        """
        constants = [f"'{v}' is an input variable, not the constant {LOOKALIKES[name][0]}: orderdiff has no "
                     f"named constants; write {LOOKALIKES[name][1]} instead, or define {v} by an equation"
                     for v in self.leaves if (name := name_of(v)) in LOOKALIKES and name not in self.declarations]
        return constants + self._unread_inits()

    def _unread_inits(self):
        """Notes on the initial values that no step reads (a run never looks at them): a slip
        more often than a wish, such as h[0] for a state that runs from T down."""
        notes = []  # (an initial value is read by the steps alone: h[0] is not written after the loop)
        for name, slots in self.inits.items():
            back, ahead = self.lags.get(name, 0), self.leads.get(name, 0)
            for slot, decl in sorted(slots.items(), key=lambda item: B.time_key(item[0])):
                late = not isinstance(slot, int)
                if int(slot - B.T_LAST) <= ahead if late else slot >= 1 - back:
                    continue
                if not late and ahead:
                    why = f"{name}[t] reads {name}[t+{ahead}], so it runs from T down, from {name}[T+1]"
                elif late and back:
                    why = f"{name}[t] reads {name}[t-{back}], so it runs from step 1 up, from {name}[0]"
                elif late:
                    why = (f"the furthest ahead a step reads is {name}[t+{ahead}], which reaches {name}[T+{ahead}]"
                           if ahead else f"no equation reads {name} at a later step ({name}[t+1])")
                else:
                    why = (f"the furthest back a step reads is {name}[t-{back}], which reaches {name}[{1 - back}]"
                           if back else f"no equation reads {name} at an earlier step ({name}[t-1])")
                notes.append(f"line {decl.line}: the initial value {name}[{B.show_time(slot)}] is never read: "
                             f"{why}; it changes nothing")
        return notes

    def parents(self, v):
        """The variables in the equation of ``v`` within one step, in order (none for a leaf)."""
        found = self._parents.get(v)
        if found is None:  # the sweep asks several times per variable: each is sorted once
            eq = self.equations.get(v)
            found = () if eq is None else tuple(sorted(eq.parents, key=self.index.__getitem__))
            self._parents[v] = found
        return found

    def ancestors(self, v):
        """The variables ``v`` depends on, directly or not, at any lag."""
        equations = self.equations
        return graph.reached(v, lambda u: equations[u].reads if u in equations else None) - {v}

    def _redefined(self, eq):
        first = self.equations[eq.key]
        where = f" (first defined on line {first.line})" if first.line else ""
        return DefinitionError(f"'{eq.key}' is defined twice{where}; each variable is defined once",
                               file=self.file, line=eq.line, col=eq.col, source=eq.source)

    def resolve(self, name, what="variable"):
        """The system's key for ``name`` (a ``str`` or ``Symbol``): its Symbol in a scalar
        system, its name in a block one.

        Raises
        ------
        TargetError
            If the system has no such variable; the message suggests close names.
        """
        key = name_of(name)
        if key in self._by_name:
            return self._by_name[key]
        raise TargetError(f"unknown {what} '{key}'{did_you_mean(key, self._by_name)}; the variables are "
                          + ", ".join(self._by_name), file=self.file)

    def sinks(self):
        """The defined variables that no equation uses (at any lag), in file order."""
        users = self.users
        return [v for v in self.equations if not users[v]]

    # ----- a block file's leaves ------------------------------------------------------------
    @property
    def params(self):
        return tuple(d for d in self.declarations.values() if d.kind == "param")

    def var(self, name, time=None):
        """The :class:`~orderdiff.blocks.expr.Var` of ``name`` (at ``time`` if it is indexed by time)."""
        return B.Var(name, self.shape(name), ((B.T_INDEX if time is None else time),) if self.is_timed(name) else ())

    def shape(self, name):
        if name in self.equations:
            return self.equations[name].shape
        if name in self.declarations:
            return self.declarations[name].shape
        if name in self._by_name:
            return ()
        raise KeyError(name)

    def is_timed(self, name):
        if name in self.equations:
            return self.equations[name].timed
        return name in self.declarations and self.declarations[name].timed

    def __len__(self):
        return len(self.order)

    def __contains__(self, name):
        return name_of(name) in self._by_name

    def __repr__(self):
        leaves = self.params if self.declarations else self.inputs
        what = "parameters" if self.declarations else "inputs"
        return f"<System of {len(self.equations)} equations, {what} {', '.join(map(name_of, leaves))}>"


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
