"""The generated NumPy program of a block derivation: forward loop, backward loop, sums.

:func:`source` writes one function ``gradients(<parameters>, <inputs>, <initial values>)``
returning ``(loss, parameter gradients, initial-value gradients)``; :mod:`.codegen` prints
each expression. The loss is the target summed over the batch.
"""

from __future__ import annotations

from . import expr as B
from .codegen import HELPERS, Names, Printer, unbatch


class Program:
    """Lines of the generated function, built in the order they run."""

    def __init__(self, derivation, readable):
        self.d = derivation
        self.system = system = derivation.system
        self.names = Names(system, readable)
        self.readable = readable
        self.offsets = dict(system.lags)
        self.p = Printer(system, self.names, self.offsets)
        self.lines = []
        self.inits = [(name, s) for name, slots in system.inits.items() for s in sorted(slots, reverse=True)]

    def emit(self, text, indent=1):
        self.lines.append("    " * indent + text)

    def comment(self, text, indent=1):
        if self.readable:
            self.emit("# " + text, indent)

    def init_name(self, name, s):
        base = self.names.value(name)
        return f"{base}_init" if s == 0 else f"{base}_init{-s}"

    def signature(self):
        args = [self.names.value(d.name) for d in self.system.params]
        args += [self.names.value(d.name) for d in self.system.inputs]
        args += [self.init_name(name, s) for name, s in self.inits]
        return f"def gradients({', '.join(args)}):"

    def dims(self):
        timed = [d for d in self.system.inputs if d.timed]
        first = self.names.value(timed[0].name)
        self.emit(f"T, B = {first}.shape[0], {first}.shape[1]")
        bound = set()
        for d in [*self.system.params, *self.system.inputs]:
            skip = 2 if d.timed else (1 if d.kind == "input" else 0)
            for axis, n in enumerate(d.shape):
                if n.is_Symbol and n.name in self.system.dims and n not in bound:
                    bound.add(n)
                    self.emit(f"{self.names.value(n.name)} = {self.names.value(d.name)}.shape[{axis + skip}]")

    def forward(self):
        system, p = self.system, self.p
        self.comment("forward: parameters-only equations, then one step at a time")
        for v in system.before:
            self.emit(f"{self.names.value(v)} = {p.code(system.equations[v].expr)}")
        for v in system.timed:
            shape = ", ".join(self.p.dim(n) for n in system.equations[v].var.shape)
            k = self.offsets.get(v, 0)
            self.emit(f"{self.names.value(v)} = numpy.empty((T + {k}, B, {shape}))" if k else
                      f"{self.names.value(v)} = numpy.empty((T, B, {shape}))")
        for name, s in self.inits:
            self.emit(f"{self.names.value(name)}[{s + self.offsets[name] - 1}] = {self.init_name(name, s)}")
        self.sums = {}
        for v in system.after:
            for node in system.equations[v].expr.atoms(B.SumT):
                if node not in self.sums:
                    self.sums[node] = self.names.fresh("sum")
        for acc in self.sums.values():
            self.emit(f"{acc} = 0.0")
        self.emit("for t in range(T):")
        for v in system.timed:
            var = system.equations[v].var
            self.emit(f"{p.code(var)} = {p.code(system.equations[v].expr)}", 2)
        for node, acc in self.sums.items():
            self.emit(f"{acc} = {acc} + {p.code(node.args[0])}", 2)
        for v in system.after:
            expr = system.equations[v].expr.xreplace({n: B.Var(a, n.shape) for n, a in self.sums.items()})
            self.emit(f"{self.names.value(v)} = {p.code(expr)}")
        self.emit(f"loss = float(numpy.sum({self.names.value(self.d.target.name)}))")

    def backward(self):
        d, system, p = self.d, self.system, self.p
        forms = d.compact
        self.comment("backward: the recurrences, t = T..1, then the sums over t")
        self.emit(f"{self.names.adjoint(d.target.name)} = 1.0")
        for v in reversed(system.after):
            if v != d.target.name and system.var(v) in forms:
                self.emit(f"{self.names.adjoint(v)} = {p.code(forms[system.var(v)])}")
        ahead = 1 + max(system.lags.values(), default=0)
        timed = [v for v in system.timed if system.var(v) in forms]
        for v in timed:
            shape = ", ".join(self.p.dim(n) for n in system.equations[v].var.shape)
            self.emit(f"{self.names.adjoint(v)} = numpy.zeros((T + {ahead}, B, {shape}))")
        statics = [v for v in [*system.before, *(x.name for x in system.params)] if system.var(v) in forms]
        for v in statics:
            shape = system.shape(v)
            zeros = f"numpy.zeros(({', '.join(self.p.dim(n) for n in shape)},))" if shape else "0.0"
            self.emit(f"{self.names.adjoint(v)} = {'0.0' if p.batched(system.var(v)) else zeros}")
        self.emit("for t in reversed(range(T)):")
        for v in reversed(timed):
            var = system.var(v)
            self.emit(f"{p.code(B.Adj(var))} = {p.code(forms[var])}", 2)
        for v in statics:
            for term in self.terms(v, summed=True):
                self.accumulate(v, term.args[0], 2)
        for v in reversed(statics):
            for term in self.terms(v, summed=False):
                self.accumulate(v, term, 1)
        for name, s in self.inits:
            var = B.Var(name, system.shape(name), (s,))
            if var in forms:
                self.emit(f"d_{self.init_name(name, s)} = {p.code(forms[var])}")

    def terms(self, v, summed):
        form = self.d.compact[self.system.var(v)]
        items = form.args if isinstance(form, B.Plus) else (form,)
        return [s for s in items if not B.is_zero(s) and isinstance(s, B.SumT) == summed]

    def accumulate(self, v, share, indent):
        target_batched = self.p.batched(self.system.var(v))
        text = unbatch(self.p, self.p.code(share), share, target_batched)
        self.emit(f"{self.names.adjoint(v)} += {text}", indent)

    def returns(self):
        system = self.system
        grads = [self.names.adjoint(x.name) if system.var(x.name) in self.d.compact else "0.0"
                 for x in system.params]
        inits = [f"d_{self.init_name(name, s)}" if B.Var(name, system.shape(name), (s,)) in self.d.compact
                 else "0.0" for name, s in self.inits]
        self.emit(f"return loss, ({', '.join(grads)}{',' if len(grads) == 1 else ''}), "
                  f"({', '.join(inits)}{',' if len(inits) == 1 else ''})")


def source(derivation, readable=True):
    """The NumPy source of ``gradients(...)`` (with ``readable``: the user's names, comments)."""
    program = Program(derivation, readable)
    program.dims()
    program.forward()
    program.backward()
    program.returns()
    return "\n".join([HELPERS, "", program.signature(), *program.lines]) + "\n"
