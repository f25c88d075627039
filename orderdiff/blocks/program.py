"""The generated NumPy program of a block derivation: forward loop, backward loop, sums.

:func:`source` writes one function ``gradients(<parameters>, <inputs>, <initial values>)``
returning ``(loss, parameter gradients, initial-value gradients)``; :mod:`.codegen` prints
each expression, :mod:`.guard` the checks of its shapes. The loss is the target summed
over the batch. :mod:`.emitted` wraps the program in a module that runs on its own; both
sources pass :func:`orderdiff.pysource.check_module` before they are returned.
"""

from __future__ import annotations

import re

from .. import pysource
from ..errors import DefinitionError
from . import expr as B
from . import sizes
from .codegen import HELPERS, Names, Printer, unbatch
from .backends import BACKENDS
from .guard import CHECKS, CheckedPrinter, Guard, helper

# the names that the namespace of each backend (backends.Backend.namespace) supplies, and
# those that derivation._compiled adds to a program that checks its arrays (.guard)
PROVIDED = {"numpy": ("numpy",), "torch": ("numpy",), "jax": ("numpy", "lax")}
GUARD_PROVIDED = ("ProgramShapeError", "LABELS")


class Program:
    """Lines of the generated function, built in the order they run.

    ``checks`` (:data:`.guard.CHECKS`) asks for the shape guard: each array checked,
    raising ``error`` on a mismatch.
    """

    def __init__(self, derivation, readable, backend=BACKENDS["numpy"], checks=None, error="ProgramShapeError"):
        assert checks in CHECKS, checks
        refuse_lagged_inputs(derivation.system)
        self.d = derivation
        self.backend = backend
        self.system = system = derivation.system
        self.names = Names(system, readable)
        self.readable = readable
        self.offsets = dict(system.lags)
        self.error = error
        self.guard = checks and Guard(derivation.target, Printer(system, self.names, self.offsets), readable)
        kind, extra = (CheckedPrinter, {"guard": self.guard}) if checks == "terms" else (Printer, {})
        self.p = kind(system, self.names, self.offsets, **extra)  # one step, in the loops
        self.s = kind(system, self.names, self.offsets, stacked=True, **extra)  # all steps at once
        self.plan = derivation.plan
        self.kept = {}  # hoisted subtrees computed once, valid to the end
        self.lines = []
        self.inits = system.given_inits()  # the arguments; those given by a parameter or an input are not

    def emit(self, text, indent=1):
        self.lines.append("    " * indent + text)

    def comment(self, text, indent=1):
        if self.readable:
            self.emit(pysource.comment(text), indent)

    def code(self, printer, e, what, whole=False):
        """``printer``'s code of ``e``, the value of ``what`` (a variable, an adjoint, a hoisted
        subexpression): the terms that the guard checks are named as parts of it; with
        ``whole``, ``e`` too, where the statement reduces it before its own check."""
        if isinstance(printer, CheckedPrinter):
            printer.owner = self.guard.label(what)
            return printer.code(e) if whole else printer.parts(e)
        return printer.code(e)

    def checked(self, text, printer, e, what, lead=None):
        """``text``, the code of ``e``, checked (when the program checks) to have the shape of
        ``what`` after the leading axes of ``e`` (``lead`` of them where the code sums some)."""
        if not self.guard or not B.is_array(e) or B.is_zero(e):
            return text  # a number or zeros, written as a number: it fits any slot
        return self.guard.fits(text, printer.lead(e) if lead is None else lead, what.shape, what)

    def value(self, printer, e, what):
        return self.checked(self.code(printer, e, what), printer, e, what)

    def signature(self):
        args = [self.names.value(d.name) for d in self.system.params]
        args += [self.names.value(d.name) for d in self.system.inputs]
        args += [self.names.init(name, s) for name, s in self.inits]
        return f"def gradients({', '.join(args)}):"

    def dims(self):
        timed = [d for d in self.system.inputs if d.timed]
        if timed:
            first = self.names.value(timed[0].name)
            self.emit(f"T, B = {first}.shape[0], {first}.shape[1]")
        else:  # checked by lambdify: no equation is indexed by time
            inputs = [self.names.value(d.name) for d in self.system.inputs]
            self.emit(f"T, B = 0, {inputs[0] + '.shape[0]' if inputs else 1}")
        for n, d, axis, rest, coeff in sizes.sources(self.system):
            size = f"{self.names.value(d.name)}.shape[{axis}]"
            if rest != 0:  # the axis is a sum: the dimension is its size less the other terms
                size = f"{size} - {self.p.dim(rest) if rest.is_Atom and rest > 0 else f'({self.p.dim(rest)})'}"
            if coeff != 1:
                size = f"({size}) // {self.p.dim(coeff) if coeff.is_Atom else f'({self.p.dim(coeff)})'}"
            self.emit(f"{self.names.value(n.name)} = {size}")

    def block_axes(self, shape):
        return ", ".join(self.p.block_axes(shape))

    def lift_scalar_inputs(self):
        """A scalar input, given as (T, B) or (B,), gets the program's trailing axis."""
        for d in self.system.inputs:
            if not d.shape:
                name = self.names.value(d.name)
                text = f"{name}[..., None]"
                if self.guard:
                    text = self.guard.fits(text, 2 if d.timed else 1, (), self.system.var(d.name))
                self.emit(f"{name} = {text}")

    def forward(self):
        system, p, s, halves = self.system, self.p, self.s, self.plan.forward
        self.comment("forward: parameters-only equations; the nodes off the recurrence for all t "
                     "at once; the loop; the rest for all t")
        for v in system.before:
            self.emit(f"{self.names.value(v)} = {self.value(p, system.equations[v].expr, system.var(v))}")
        looped = [v for half in halves for v, _ in half.loop]
        for v in [*looped, *(v for half in halves for v in [*half.before, *half.after] if self.slots(v))]:
            shape = self.block_axes(system.equations[v].var.shape)
            k = self.slots(v)
            self.emit(f"{self.names.value(v)} = numpy.empty((T + {k}, B, {shape}))" if k else
                      f"{self.names.value(v)} = numpy.empty((T, B, {shape}))")
        leaves = {(name, slot): leaf for name, slot, leaf in system.inits_given_by()}
        for name, slot in [*self.inits, *leaves.keys()]:  # unchecked: the user's, anything that broadcasts to (B, n)
            if slot <= -self.offsets.get(name, 0):
                continue  # never read back (no lag reaches it): the argument is taken, its gradient is zeros
            value = self.names.value(leaves[name, slot]) if (name, slot) in leaves else self.names.init(name, slot)
            if not system.shape(name):  # a scalar's, given as (B,) or a number: the program's trailing axis
                value = f"numpy.asarray({value})[..., None]"
            self.store(self.names.value(name), slot + self.offsets[name] - 1, value)
        for name, slot, fill in system.ends():  # past the last step: the number the file gives
            if slot - B.T_LAST <= system.leads.get(name, 0):
                self.store(self.names.value(name), p.index(B.Var(name, system.shape(name), (slot,))), repr(float(fill)))
        for half in halves:
            for v in half.before:
                self.stacked_value(v)
            self.hoist_out(half)
            if half.loop:
                self.open_loop([self.names.value(v) for v, _ in half.loop], reverse=half.reverse)
                shared = repeated([e for _, e in half.loop], skip=p.temps)
                for v, e in half.loop:
                    var = system.equations[v].var
                    self.hoist(e, shared, 2)
                    self.store(self.names.value(v), p.index(var), self.value(p, e, var), 2)
                self.close_loop()
            p.temps = dict(self.kept)
        half = halves[-1]
        for v in half.after:
            self.stacked_value(v)
        for v in system.after:
            expr = system.equations[v].expr
            sums = {}
            for node in dict.fromkeys(n for n in B.preorder(expr) if isinstance(n, B.SumT)):  # as written
                sums[node] = acc = self.names.fresh("sum")
                x = node.args[0]
                text = self.code(s, x, node, whole=True)
                if s.lead(x) == 2:
                    text = s.fill(node.op.numpy, text)
                elif s.lead(x) == 1:
                    text = s.fill(node.op.numpy_cases["constant"], x)
                else:  # no data in it: the same for every sequence of the batch, as its gradient counts it
                    text = s.fill(node.op.numpy_cases["unbatched"], x, ones=", ".join(["B"] + ["1"] * max(1, len(x.shape))))
                self.emit(f"{acc} = {self.checked(text, s, x, node, lead=1)}")
            p.temps.update(sums)
            self.emit(f"{self.names.value(v)} = {self.value(p, expr, system.var(v))}")
            for node in sums:
                del p.temps[node]
        total = f"numpy.sum({self.names.value(self.d.target.name)})"
        self.emit(f"loss = {total}" if self.backend.functional else f"loss = float({total})")

    def slots(self, v):
        """The slots of ``v``'s array besides its T steps: initial values before step 1, and
        values past the last step (a look-ahead's)."""
        return self.offsets.get(v, 0) + self.system.leads.get(v, 0)

    def stacked_value(self, v):
        """A time-indexed node off the recurrence, for all steps at once."""
        var, e = self.system.equations[v].var, self.system.equations[v].expr
        if self.slots(v) or self.s.lead(e) < 2:
            if not self.slots(v):
                shape = self.block_axes(var.shape)
                self.emit(f"{self.names.value(v)} = numpy.empty((T, B, {shape}))")
            self.store(self.names.value(v), self.s.index(var), self.value(self.s, e, var))
        else:
            self.emit(f"{self.names.value(v)} = {self.value(self.s, e, var)}")

    def hoist_out(self, half):
        """The hoisted subtrees: once, or for all t; the loop reads them at its step."""
        for e in half.once:
            if e in self.kept:
                continue
            name = self.names.fresh("w")
            text = self.code(self.s, e, e)
            if isinstance(e, (B.Cols, B.Rows)):  # a strided view would be copied at every use
                text = f"numpy.ascontiguousarray({text})"
            self.emit(f"{name} = {self.checked(text, self.s, e, e)}")
            self.p.temps[e] = self.s.temps[e] = self.kept[e] = name
        for e in half.stacked:
            name = self.names.fresh("pre")
            self.emit(f"{name} = {self.value(self.s, e, e)}")
            self.p.temps[e] = f"{name}[t]"

    def backward(self):
        d, system, p, s, halves = self.d, self.system, self.p, self.s, self.plan.backward
        forms = d.compact
        self.comment("backward: the adjoints off the recurrence for all t at once, the recurrences "
                     + ("each in its direction (t = T..1, or 1..T for a state that reads the next step)"
                        if system.leads else "t = T..1") + ", the sums over t")
        target = self.names.adjoint(d.target.name)
        self.emit(f"{target} = numpy.ones((B, 1))" if p.batched(d.target) else f"{target} = 1.0")
        for v in reversed(system.after):
            if v != d.target.name and system.var(v) in forms:
                self.emit(f"{self.names.adjoint(v)} = {self.value(p, forms[system.var(v)], B.Adj(system.var(v)))}")
        # d+C/dv[t+j] (j up to the largest lag) of a v stored k slots late is read at t + j + k
        lag = max(system.lags.values(), default=0)
        timed = [v for v in system.timed if system.var(v) in forms]
        for v in timed:
            shape = self.block_axes(system.equations[v].var.shape)
            ahead = lag + max(1, self.offsets.get(v, 0))
            self.emit(f"{self.names.adjoint(v)} = numpy.zeros((T + {ahead}, B, {shape}))")
        statics = [v for v in [*system.before, *(x.name for x in system.params)] if system.var(v) in forms]
        for v in statics:
            shape = system.shape(v)
            zeros = f"numpy.zeros(({', '.join(self.p.dim(n) for n in shape)},))" if shape else "0.0"
            self.emit(f"{self.names.adjoint(v)} = {'0.0' if p.batched(system.var(v)) else zeros}")
        for half in halves:
            for v in half.before:
                self.store(self.names.adjoint(v), s.index(system.var(v)), self.value(s, forms[system.var(v)],
                                                                                     B.Adj(system.var(v))))
            self.hoist_out(half)
            if half.loop:
                self.open_loop([self.names.adjoint(v) for v, *_ in half.loop], reverse=half.reverse)
                shared = repeated([f for _, f, bounds in half.loop if not bounds], skip=p.temps)
                for v, form, bounds in half.loop:
                    self.recurrence(system.var(v), form, bounds, shared)
                self.close_loop()
            p.temps = dict(self.kept)
        for v in halves[-1].after:
            self.store(self.names.adjoint(v), s.index(system.var(v)), self.value(s, forms[system.var(v)],
                                                                                 B.Adj(system.var(v))))
        for name, slot, _ in system.inits_given_by():  # read by its parameter's gradient, as a name
            var = B.Var(name, system.shape(name), (slot,))
            if var in forms:
                adj = self.names.init_adjoint(name, slot)
                self.emit(f"{adj} = {self.value(p, forms[var], B.Adj(var))}")
                p.temps[B.Adj(var)] = s.temps[B.Adj(var)] = adj
        for v in statics:
            for term in self.terms(v, summed=True):
                self.accumulate(v, self.plan.summed[term.args[0]], 1, over_time=True)
        for v in [*reversed([v for v in statics if v in system.before]),
                  *(v for v in statics if v not in system.before)]:
            for term in self.terms(v, summed=False):
                self.accumulate(v, term, 1)
        for name, slot in self.inits:
            var = B.Var(name, system.shape(name), (slot,))
            if var in forms:
                self.emit(f"{self.names.init_adjoint(name, slot)} = {self.value(p, forms[var], B.Adj(var))}")

    def store(self, array, index, value, indent=1):
        """``array[index] = value``; for immutable arrays, a new array with that part replaced."""
        if self.backend.functional:
            self.emit(f"{array} = {array}.at[{index}].set({value})", indent)
        else:
            self.emit(f"{array}[{index}] = {value}", indent)

    def open_loop(self, carried, reverse):
        """``for t in range(T)`` (reversed), or the step function of a ``lax.scan`` carrying ``carried``."""
        if not self.backend.functional:
            self.emit("for t in reversed(range(T)):" if reverse else "for t in range(T):")
            return
        self.scan = (self.names.fresh("step"), carried, reverse)
        self.emit(f"def {self.scan[0]}(carry, t):")
        self.emit(f"{', '.join(carried)}, = carry", 2)

    def close_loop(self):
        if self.backend.functional:
            step, carried, reverse = self.scan
            state = f"({', '.join(carried)},)"
            self.emit(f"return {state}, None", 2)
            self.emit(f"{state}, _ = lax.scan({step}, {state}, numpy.arange(T){', reverse=True' if reverse else ''})")

    def recurrence(self, var, form, bounds, shared):
        """``d_v[t] = form``; in the steps at the ends, the boundary forms without adjoints past T
        (or before step 1)."""
        p, array, index, adj = self.p, self.names.adjoint(var.name), self.p.index(var), B.Adj(var)
        if not bounds:
            self.hoist(form, shared, 2)
            self.store(array, index, self.value(p, form, adj), 2)
            return
        steps = [(f"t == T - {B.T_LAST - when + 1}" if when.has(B.T_LAST) else f"t == {when - 1}", last)
                 for when, last in bounds]
        if self.backend.functional:  # every branch computed, the one of each step selected
            value = self.branch(form, adj, 2)
            for test, last in steps:
                value = f"numpy.where({test}, {self.branch(last, adj, 2)}, {value})"
            self.store(array, index, value, 2)
            return
        late = sum(1 for when, _ in bounds if when.has(B.T_LAST))
        early = len(bounds) - late
        inside = [f"t + {late} < T" if late else "", f"t >= {early}" if early else ""]
        self.emit(f"if {' and '.join(c for c in inside if c)}:", 2)
        self.store(array, index, self.branch(form, adj, 3), 3)
        for k, (test, last) in enumerate(steps):
            self.emit("else:" if k == len(steps) - 1 else f"elif {test}:", 2)
            self.store(array, index, self.branch(last, adj, 3), 3)

    def branch(self, form, adj, indent):
        """One branch of a recurrence: its own shared subexpressions, forgotten after it."""
        before = dict(self.p.temps)
        self.hoist(form, repeated([form], skip=self.p.temps), indent)
        text = self.value(self.p, form, adj)
        self.p.temps = before
        return text

    def hoist(self, e, shared, indent):
        """Compute the subexpressions of ``e`` that ``shared`` lists, once, into named temporaries."""
        for node in reversed(list(B.preorder(e))):  # children before parents
            if node in shared and node not in self.p.temps:
                inner = repeated([node]) - {node}
                if inner:
                    self.hoist(node, inner, indent)
                text = self.value(self.p, node, node)
                self.p.temps[node] = name = self.names.fresh("tmp")
                self.emit(f"{name} = {text}", indent)

    def terms(self, v, summed):
        form = self.d.compact[self.system.var(v)]
        items = form.args if isinstance(form, B.Plus) else (form,)
        return [s for s in items if not B.is_zero(s) and isinstance(s, B.SumT) == summed]

    def accumulate(self, v, share, indent, over_time=False):
        """``d_v += share``, summed over the axes ``v`` lacks; ``over_time``: a term of a sum over t."""
        s, adj = self.s, B.Adj(self.system.var(v))
        target_batched = s.batched(self.system.var(v))
        text = unbatch(s, self.code(s, share, adj, whole=True), share, int(target_batched))
        lead = min(s.lead(share), int(target_batched))
        if not (target_batched or s.batched(share) or B.holds(share, B.Adj)) and s.batched(self.d.target):
            # a term of the target's own equation that no data touches: the loss counts it
            # once per sequence of the batch, so its gradient does too
            text = f"B*{s.wrap(share)}"
        if over_time and s.lead(share) < 2:
            # the same at every step (sum_t(sum(U @ s))): the sum over t is T of it, as forward
            text = f"T*({text})"
        self.emit(f"{self.names.adjoint(v)} += {self.checked(text, s, share, adj, lead)}", indent)

    def init_gradient(self, name, slot):
        """The gradient of the initial value ``name[slot]`` as returned: (B, n), or (B,) for a scalar,
        whose adjoint the program keeps with a trailing axis."""
        shape = self.system.shape(name)
        var = B.Var(name, shape, (slot,))
        if var not in self.d.compact or B.is_zero(self.d.compact[var]):  # a zero is written 0.0, unshaped
            return f"numpy.zeros((B, {', '.join(self.p.block_axes(shape))}))" if shape else "numpy.zeros((B,))"
        return self.names.init_adjoint(name, slot) + ("" if shape else "[..., 0]")

    def returns(self):
        """The loss, each parameter's gradient, each initial value's. A parameter's is zeros of
        its shape plus shares of that shape (checked, with the guard), or zeros without a share;
        an initial value's without a share is zeros of its shape, (B, n), and a scalar's (B,)."""
        system = self.system
        grads = [self.names.adjoint(x.name) if system.var(x.name) in self.d.compact else
                 f"numpy.zeros(({', '.join(self.p.dim(n) for n in x.shape)},))" if x.shape else "0.0"
                 for x in system.params]
        inits = [self.init_gradient(name, s) for name, s in self.inits]
        self.emit(f"return loss, ({', '.join(grads)}{',' if len(grads) == 1 else ''}), "
                  f"({', '.join(inits)}{',' if len(inits) == 1 else ''})")


def refuse_lagged_inputs(system):
    """An input read steps back (x[t-1], with init x[0]) is refused where it is read: the
    derivation counts its values before step 1 as data, without gradients, and the program
    takes none; a variable that copies it (xp[t] = x[t], init xp[0]) has both."""
    for name, k in system.leads.items():
        decl = system.declarations.get(name)
        if decl is not None and decl.kind == "input":
            eq = next(eq for eq in system.equations.values() if (name, k) in eq.leading)
            hit = re.search(rf"(?<!\w){re.escape(name)}\s*\[\s*t\s*\+", eq.source)
            raise DefinitionError(
                f"{name}[t+{k}] reads the input {name} past the last step, which the generated program does not "
                f"take; copy it into a variable and read that: 'xn[t] = {name}[t]' with 'init xn[T+1] = 0', "
                f"then xn[t+{k}]", file=system.file, line=eq.line, col=hit.start() + 1 if hit else eq.col,
                source=eq.source)
    for name, k in system.lags.items():
        decl = system.declarations.get(name)
        if decl is not None and decl.kind == "input":
            eq = next(eq for eq in system.equations.values() if (name, k) in eq.lagged)
            hit = re.search(rf"(?<!\w){re.escape(name)}\s*\[\s*t\s*-", eq.source)
            inits = " and ".join(f"'init xp[{-s}] = 0'" for s in range(k))
            raise DefinitionError(
                f"{name}[t-{k}] reads the input {name} before step 1, which the generated program does not "
                f"take; copy it into a variable and read that back: 'xp[t] = {name}[t]' with {inits}, then xp[t-{k}]",
                file=system.file, line=eq.line, col=hit.start() + 1 if hit else eq.col, source=eq.source)


def repeated(exprs, least=3, skip=()):
    """The largest subexpressions (of ``least`` nodes or more) that occur twice or more in ``exprs``.

    A subexpression is listed where it first repeats from the top: the parts of a listed
    one are not listed for their occurrences inside it, nor those inside ``skip``
    (computed already).
    """
    count = {}
    stack = list(exprs)
    while stack:
        node = stack.pop()
        if B.is_array(node) and node not in skip and not isinstance(node, (B.Var, B.Adj, B.Zeros)):
            count[node] = count.get(node, 0) + 1
            stack.extend(node.args)
    chosen, stack = set(), list(exprs)
    while stack:
        node = stack.pop()
        if count.get(node, 0) > 1 and sum(1 for _ in B.preorder(node)) >= least:
            chosen.add(node)
        elif B.is_array(node) and not isinstance(node, (B.Var, B.Zeros)):
            stack.extend(node.args)
    return chosen


def source(derivation, readable=True, backend="numpy", checks=None):
    """The source of ``gradients(...)`` (with ``readable``: the user's names, comments).

    ``backend`` (a name of :data:`.backends.BACKENDS`) decides only how arrays are
    assigned and how loops are written; the names are NumPy's either way. ``checks``
    (:data:`.guard.CHECKS`) adds the shape guard.
    """
    return build(derivation, readable, backend, checks)[0]


def build(derivation, readable, backend, checks):
    """``(source, labels)``: :func:`source`, and the names its checks show, ``LABELS`` where
    they are not written in it."""
    program = Program(derivation, readable, BACKENDS[backend], checks)
    text = program_body(program) + "\n"
    pysource.check_module(text, provided=PROVIDED[backend] + (GUARD_PROVIDED if checks else ()))
    return text, tuple(program.guard.labels) if checks else ()


def program_body(program):
    program.dims()
    program.lift_scalar_inputs()
    program.forward()
    program.backward()
    program.returns()
    helpers = HELPERS + helper(program.error) if program.guard else HELPERS
    return "\n".join([helpers, "", program.signature(), *program.lines])
