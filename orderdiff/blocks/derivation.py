"""The Werbos sweep's result in the block algebra: what :class:`orderdiff.derivation.Derivation`
holds for a block file.

A :class:`BlockSweep` is generic in t (``steps is None``: nodes h[t], the
recurrences of backpropagation through time) or unrolled over ``steps`` steps (nodes
h[1], ..., h[T]). Notation: ``Adj(v)`` is d+E/dv, the ordered derivative; the explicit
dE/dv is the share of the target's own equation.
"""

from __future__ import annotations

from functools import cached_property

from sympy import S

from ..algebra import paused_gc
from . import expr as B
from .derive import fold_adjoints, generic, offset, recursive_form, substitute_all, sweep_system
from .nodes import NodeMap
from .simplify import lookahead, lookbehind, simplify
from .split import plan

FORMS = ("recursive", "closed")


class BlockSweep:
    """Explicit and ordered derivatives of a scalar target over a block :class:`~orderdiff.system.System`.

    Attributes
    ----------
    system : System
    target : Var
    steps_count : int or None
        T when unrolled, ``None`` when generic in t.
    order : tuple of Var
        The nodes, leaves first, in dependency order (one step's order for generic t).
    inputs : tuple of Var
        The nodes of the declared inputs (x[t]; unrolled, x[1], ..., x[T]).
    steps : mapping
        ``{node: Step(explicit, ((user, share), ...))}``: Eq. 1 before it is summed.
    explicit, recursive : mapping
        ``{node: dE/dv}`` and ``{node: Eq. 1 in the users' d+E/du}``.
    compact : mapping
        Generic in t: ``{node: d+E/dv}`` of the nodes whose ordered derivatives the
        generated program keeps, every adjoint used once substituted.
    recurrences, gradients, substituted : mapping
        ``compact`` split: the backward recurrences, and the parameters' and initial values';
        and the other nodes' forms in the adjoints that ``compact`` keeps.
    closed, total : mapping
        Generic in t: every node's ordered derivative in the adjoints kept, ``compact``
        and ``substituted`` together (see :meth:`form`).
    assumptions : tuple of str
        What the simplification assumed (inputs declared ``distribution``).

    Every mapping takes a node as a ``Var``, as its text (``'h[t]'``, ``'h[0]'``, ``'W_ih'``)
    or, for the node that stands for every step, as its bare name (``'h'`` or ``Symbol('h')``),
    and iterates in dependency order.
    """

    # What a block derivation adds to the attributes every derivation has
    ADDS = frozenset({"assume", "compact", "recurrences", "gradients", "substituted", "min_steps", "plan",
                      "boundary", "boundary_at_steps"})

    @classmethod
    def of(cls, system, target=None, *, steps=None):
        """Explicit and ordered derivatives of a block system, generic in t or unrolled.

        Parameters
        ----------
        system : System
        target : str, optional
            A scalar variable defined without [t]; by default the one nothing else uses.
        steps : int, optional
            Unroll over this many steps (every node h[1..T] its own derivative).

        Returns
        -------
        BlockSweep
        """
        with paused_gc():  # many small trees and no cycles, which collections would walk again and again
            target, steps_of, order, assume = sweep_system(system, target, steps)
        return cls(system, target, steps_of, order, steps, assume)

    def __init__(self, system, target, steps, order, steps_count, assume):
        self.system = system
        self.target = target
        self.order = tuple(v for v in order if v in steps)
        self.steps = NodeMap({**{v: steps[v] for v in self.order}, **steps})  # in dependency order
        self.steps_count = steps_count
        self.assume = frozenset(assume)
        self.explicit = NodeMap({v: s.explicit for v, s in self.steps.items()})

    @property
    def inputs(self):
        data = {d.name for d in self.system.inputs}
        return tuple(v for v in self.order if v.name in data)

    @cached_property
    def recursive(self):
        return NodeMap(self.order, compute=lambda v: recursive_form(self.steps[v], self.assume))

    @cached_property
    def _folding(self):
        """:func:`~orderdiff.blocks.derive.fold_adjoints` of the nodes' Eq. 1 (the data's left out)."""
        data = {d.name for d in self.system.inputs}
        keep = {v for v in self.order if v.name not in self.system.equations or not generic(v)}
        keep = {v for v in keep if v.name not in data}
        boundary = {v for v in keep if v.time}
        with paused_gc():
            forms = {v: e for v, e in self.recursive.items() if v.name not in data and v != self.target}
            return fold_adjoints(forms, keep, boundary, self.assume)

    @cached_property
    def compact(self):
        """``{node: d+E/dv}`` keeping only the adjoints that recur or are shared (generic in t).

        Parameters and initial values get their gradients in terms of the kept
        adjoints; time-indexed nodes used once are folded into their user.
        """
        result = self._folding[0]
        return NodeMap({v: result[v] for v in self.order if v in result})

    @cached_property
    def _closed(self):
        def form(v):
            if v in self.compact:
                return self.compact[v]
            folded = self._folding[1]
            return folded[v] if v in folded else substitute_all(self.recursive[v], folded, self.assume)

        return NodeMap(self.order, compute=form)

    @property
    def recurrences(self):
        """The compact forms of the defined nodes kept: the backward recurrences (and shared adjoints)."""
        return NodeMap({v: e for v, e in self.compact.items() if v.name in self.system.equations and
                        (generic(v) or not v.time)})

    @property
    def gradients(self):
        """The compact forms of the parameters and initial values."""
        kept = self.recurrences
        return NodeMap({v: e for v, e in self.compact.items() if v not in kept})

    @property
    def closed(self):
        return self.form("closed")

    @property
    def total(self):
        return self.form("closed")

    @property
    def substituted(self):
        """The closed forms of the nodes whose adjoints ``compact`` substitutes into their users:
        each in the adjoints kept (generic in t)."""
        return NodeMap({v: e for v, e in self.closed.items() if v not in self.compact})

    def choose_form(self, form=None):
        """The name of ``form`` where it applies; by default ``closed`` generic in t, ``recursive``
        unrolled.

        Raises
        ------
        ValueError
            A form that does not apply: ``inputs`` (a recurrence over the steps cannot be
            written in the inputs alone), or ``closed`` unrolled.
        """
        if form is None:
            return "closed" if self.steps_count is None else "recursive"
        if form == "inputs":
            raise ValueError("the inputs form does not apply to a block file: its ordered derivatives "
                             "are written in its nodes, a recurrence over the steps in the adjoints of "
                             "the next one; choose recursive or closed")
        if form == "closed" and self.steps_count is not None:
            raise ValueError(f"unrolled over {self.steps_count} steps, every node keeps its own ordered "
                             "derivative, written in the adjoints of its users (the recursive form); the "
                             "closed form, the recurrences of BPTT, is that of the derivation generic in t: "
                             "leave out the steps")
        if form not in FORMS:
            raise ValueError(f"unknown form {form!r}; choose one of {', '.join(FORMS)}")
        return form

    def form(self, name=None):
        """The ordered derivatives in form ``name`` (see :meth:`choose_form`).

        ``recursive``: Eq. 1 of every node, in its users' ordered derivatives. ``closed``
        (generic in t): every adjoint used once substituted into its user, so that only the
        recurrences of BPTT (and the shared adjoints) keep theirs; every node's form is
        written in those (``compact`` and ``substituted`` together).

        Examples
        --------
        >>> import orderdiff
        >>> from orderdiff.printers.blockexpr import BlockTextPrinter
        >>> d = orderdiff.derive(orderdiff.parse("dim n\\nparam w: n\\ninput x[t]: n\\n"
        ...                                      "z[t] = w * x[t]\\nh[t] = tanh(z[t])\\nC = sum_t(sum(h[t]))"))
        >>> p = BlockTextPrinter(d.target, unicode=False)
        >>> p.doprint(d.form("recursive")["z"]), p.doprint(d.form("closed")["w"])
        ('d+C/dh[t] * (1 - h[t] * h[t])', 'sum_t((1 - h[t] * h[t]) * x[t])')
        """
        return self.recursive if self.choose_form(name) == "recursive" else self._closed

    @cached_property
    def min_steps(self):
        """The fewest steps T the generated program handles: the latest fixed step an
        initial value's gradient reads (1 for h[0] feeding step 1), k + 1 for a last
        step h[T-k] that an equation reads, k for an early step h[k], j + k for a recurrence
        that reads the adjoints j steps ahead and k back, and as many steps as a form has
        forms at its first and its last steps together (each its own step)."""
        times = [int(x.time[0]) for e in self.gradients.values() for x in B.atoms(e, B.Var)
                 if x.time and x.time[0].is_Integer]
        equations = self.system.equations.values()
        lasts = [k + 1 for eq in equations for k in B.last_steps(eq.expr)]
        firsts = [k for eq in equations for k in B.first_steps(eq.expr)]
        both = [lookahead(e) + lookbehind(e) for e in self.recurrences.values()] if self.system.leads else []
        ends = [sum(self.ends(e)) for e in self.compact.values() if B.is_array(e) and B.holds(e, B.First)]
        return max([1, *times, *lasts, *firsts, *both, *ends])

    @property
    def assumptions(self):
        notes = []
        for name in sorted(self.assume):
            decl = self.system.declarations[name]
            where = f"({name} is declared 'distribution' on line {decl.line})"
            notes.append(f"sum({name}[t]) = 1 for every t {where}" if decl.timed else f"sum({name}) = 1 {where}")
        return tuple(notes)

    @cached_property
    def plan(self):
        """Which work of the generated program stays in its loops over t (:mod:`.split`)."""
        return plan(self)

    def boundary(self, expr):
        """``[(step, form)]`` for the steps at either end, where adjoints past T (or before 1) are zero.

        For a form that looks k steps ahead, the forms at the steps T, ..., T-k+1 (with ``t``
        still written as ``t``; the printer substitutes the step); for one that holds the
        share of a last step (``[t = T-k] · g``), to T - k, each with that share where it is
        its step and without it elsewhere; for one that looks k steps back (a look-ahead
        recurrence, d+E/dhb[t-1]), or holds the share of an early step (``[t = k] · g``), the
        steps 1, ..., k, alike.
        """
        ahead, behind = self.ends(expr)
        out = []
        for j in range(ahead):
            past = {a: B.zero_like(a) for a in B.adjoints(expr)
                    if a.args[0].time and offset(a.args[0]) > j}
            out.append((B.T_LAST - j, simplify(B.at_last(expr, j).xreplace(past), self.assume)))
        for j in range(behind):
            before = {a: B.zero_like(a) for a in B.adjoints(expr)
                      if a.args[0].time and offset(a.args[0]) < -j}
            out.append((S.One + j, simplify(B.at_first(expr, j + 1).xreplace(before), self.assume)))
        return out

    @staticmethod
    def ends(expr):
        """``(late, early)``: how many of the last and of the first steps have forms of their own."""
        if not B.is_array(expr):
            return 0, 0
        late = max(lookahead(expr), *(k + 1 for k in (B.last_steps(expr) if B.holds(expr, B.Last) else ())), 0)
        early = max(lookbehind(expr), *(int(e.args[1]) for e in B.atoms(expr, B.First)), 0)
        return late, early

    def boundary_at_steps(self, expr):
        """``[(step, form)]`` as :meth:`boundary`, each form written at its step and simplified
        there, for printing: 2·h[t] + 2·h[T-1] at t = T-1 is 4·h[T-1]."""
        return [(when, simplify(B.at_time(form, when), self.assume)) for when, form in self.boundary(expr)]

    def __repr__(self):
        mode = "generic in t" if self.steps_count is None else f"unrolled over {self.steps_count} steps"
        return f"<Derivation of {self.target.name}, {mode}, {len(self.order)} nodes>"
