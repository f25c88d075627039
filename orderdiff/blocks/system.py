"""A block system: declared leaves, equations over vectors and matrices, and their order.

Variables are *static* (parameters, and equations without ``[t]``) or *time-indexed*
(``x[t]``, defined for t = 1..T). The cell is the DAG of one step; a reference
``h[t-k]`` is an edge that crosses k steps and needs initial values ``h[0] .. h[1-k]``.
Static equations that sum over time (``C = sum_t(...)``) come after the loop; the
others before it. Unrolled over T steps the whole system is one DAG (:meth:`unrolled_graph`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import graph
from ..errors import DefinitionError, TargetError, did_you_mean
from . import expr as B


@dataclass(frozen=True)
class Decl:
    """A declared leaf: ``input``, ``param`` or ``init`` (an initial value at ``time`` <= 0)."""

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


@dataclass(frozen=True)
class BlockEquation:
    """``var = expr``, ``var`` generic in t (``h[t]``) or static; where it is written."""

    var: B.Var
    expr: object
    line: int
    col: int
    source: str
    text: str
    uses: frozenset = field(default=frozenset(), compare=False)

    @property
    def rhs(self):
        return self.text

    @property
    def written(self):
        """The equation as the file writes it (``h[t] = ...``)."""
        return f"{self.var.name}{'[t]' if self.var.time else ''} = {self.text}"


class BlockSystem:
    """Equations over blocks, checked, with the order of one step.

    Attributes
    ----------
    dims : dict
        ``{name: sympy Symbol}`` of the declared dimensions.
    declarations : dict
        ``{name: Decl}`` for inputs and parameters.
    inits : dict
        ``{name: {time: Decl}}``, the initial values of recurrent variables.
    equations : dict
        ``{name: BlockEquation}`` in file order.
    timed, before, after : tuple of str
        Time-indexed equations in the order of one step; static equations computed
        before the loop over t, and after it (those that sum over time).
    lags : dict
        ``{name: largest k in name[t-k]}`` for every variable used with a lag.
    """

    def __init__(self, equations, scope, *, file=None):
        self.file = file
        self.dims = dict(scope.dims)
        self.declarations = dict(scope.decls)
        self.inits = {k: dict(v) for k, v in scope.inits.items()}
        self.last_declaration = scope.last
        self.equations = {eq.var.name: eq for eq in equations}
        self.graph = graph.step_graph([*self.declarations, *self.equations], self._uses())
        self.lags = graph.reach(self.graph)
        self._check_inits()
        self.timed, self.before, self.after = self._split()
        self.target_candidates = self._sinks()

    def _uses(self):
        """``(u, v, k)`` for each use of ``u[t-k]`` (or of a static ``u``: k = 0) in the equation of ``v``."""
        return [(var.name, name, B.lag(var) if var.time else 0)
                for name, eq in self.equations.items() for var in B.variables(eq.expr)]

    def _check_inits(self):
        for name, k in self.lags.items():
            missing = [s for s in range(0, -k, -1) if s not in self.inits.get(name, {})]
            if missing:
                eq = self._user_of(name, k)
                raise DefinitionError(
                    f"{name}[t-{k}] reaches back to t = {1 - k} at the first step, but "
                    f"{', '.join(f'{name}[{s}]' for s in missing)} has no initial value; add "
                    + " and ".join(f"'init {name}[{s}] = 0'" for s in missing),
                    file=self.file, line=eq.line, col=eq.col, source=eq.source)
        for name, slots in self.inits.items():
            if name not in self.equations and name not in self.declarations:
                decl = next(iter(slots.values()))
                raise DefinitionError(f"'{name}' has an initial value but no equation {name}[t] = ...",
                                      file=self.file, line=decl.line, col=decl.col, source=decl.source)

    def _user_of(self, name, k):
        for eq in self.equations.values():
            if any(v.name == name and v.time and B.lag(v) == k for v in B.variables(eq.expr)):
                return eq
        raise AssertionError(name)

    def _split(self):
        step = graph.same_step(self.graph)
        graph.check_acyclic(step, self.equations, self.file, within_step=True)
        order = [v for v in graph.topological_order(step) if v in self.equations]
        timed = tuple(v for v in order if self.equations[v].var.time)
        after = set()
        for v in order:
            eq = self.equations[v]
            if not eq.var.time and (eq.expr.has(B.SumT) or any(u.name in after for u in B.variables(eq.expr))):
                after.add(v)
        for v in timed:
            late = [u for u in B.variables(self.equations[v].expr) if u.name in after]
            if late:
                eq = self.equations[v]
                raise DefinitionError(f"'{late[0].name}' sums over every step, so the step equation of "
                                      f"'{v}' cannot use it", file=self.file, line=eq.line, col=eq.col,
                                      source=eq.source)
        before = tuple(v for v in order if not self.equations[v].var.time and v not in after)
        return timed, before, tuple(v for v in order if v in after)

    def _sinks(self):
        return [v for v in self.equations if not any(True for _ in self.graph.successors(v))]

    # ----- leaves ----------------------------------------------------------------------------
    @property
    def notes(self):
        """Remarks on how the text was read (as :attr:`orderdiff.System.notes`): none, every name is declared."""
        return []

    @property
    def params(self):
        return tuple(d for d in self.declarations.values() if d.kind == "param")

    @property
    def inputs(self):
        return tuple(d for d in self.declarations.values() if d.kind == "input")

    def var(self, name, time=None):
        """The :class:`Var` of ``name`` (at ``time`` if it is indexed by time)."""
        shape, timed = self.shape(name), self.is_timed(name)
        return B.Var(name, shape, ((B.T_INDEX if time is None else time),) if timed else ())

    def shape(self, name):
        if name in self.equations:
            return self.equations[name].var.shape
        if name in self.declarations:
            return self.declarations[name].shape
        raise KeyError(name)

    def is_timed(self, name):
        if name in self.equations:
            return bool(self.equations[name].var.time)
        return self.declarations[name].timed

    def resolve(self, name, what="variable"):
        key = str(name)
        if key in self.equations or key in self.declarations:
            return key
        names = [*self.declarations, *self.equations]
        raise TargetError(f"unknown {what} '{key}'{did_you_mean(key, names)}; the variables are "
                          + ", ".join(names), file=self.file)

    def __contains__(self, name):
        return str(name) in self.equations or str(name) in self.declarations

    def __repr__(self):
        return (f"<BlockSystem of {len(self.equations)} equations, parameters "
                f"{', '.join(d.name for d in self.params)}>")
