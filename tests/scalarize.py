"""A block system unrolled into scalar sympy equations, one symbol per entry, for the oracle tests.

An independent reading of the block semantics, sharing nothing with the block
derivation: every dimension gets a small number, every entry of a parameter, input,
initial value and variable at every step gets its own ``Symbol``, and each block
equation becomes one scalar equation per entry (``softmax`` as exp(z_i)/sum_j exp(z_j),
``cross_entropy`` as -sum p_i log y_i). The result is a plain ``{Symbol: expr}``
mapping that :class:`orderdiff.System` and the core's scalar engine take as is.
"""

from __future__ import annotations

import numpy
import sympy

from orderdiff.blocks import expr as B
from orderdiff.functions import build


class Unrolled:
    """The scalar equations of a block system over ``T`` steps with every dimension ``n``.

    Attributes
    ----------
    equations : dict
        ``{Symbol: sympy expression}`` in computation order.
    leaves : dict
        ``{key: object array of Symbols}``; keys are parameter names, ``(input, s)`` for
        s = 1..T, and ``'h[0]'``-style names for initial values.
    target : Symbol
    """

    def __init__(self, system, T, n=2, target="C"):
        self.system, self.T = system, T
        self.sizes = {d: n for d in system.dims.values()}
        self.values = {}          # (name, s or None) -> object array of symbols or expressions
        self.equations = {}
        self.leaves = {}
        self._declare()
        for name in system.before:
            self._define(name, None)
        for s in range(1, T + 1):
            for name in system.timed:
                if (name, s) not in self.values:  # a look-ahead's h[s] is defined once h[s+1] is
                    self._define(name, s)
        for name in system.after:
            self._define(name, None)
        self.target = self.values[target, None][()]

    def shape(self, shape):
        return tuple(int(sympy.sympify(d).subs(self.sizes)) for d in shape)

    def symbols(self, label, shape):
        out = numpy.empty(self.shape(shape), dtype=object)
        for index in numpy.ndindex(out.shape):
            out[index] = sympy.Symbol("_".join([label, *map(str, index)]))
        return out

    def _declare(self):
        for decl in self.system.declarations.values():
            if decl.timed:
                for s in range(1, self.T + 1):
                    self.leaves[decl.name, s] = self.values[decl.name, s] = self.symbols(f"{decl.name}_{s}",
                                                                                        decl.shape)
            else:
                self.leaves[decl.name] = self.values[decl.name, None] = self.symbols(decl.name, decl.shape)
        for name, slots in self.system.inits.items():
            shape = self.system.shape(name)
            for s in slots:
                if isinstance(s, sympy.Basic) and s.has(B.T_LAST):  # T+k: a number, not a leaf
                    at = int(s.subs(B.T_LAST, self.T))
                    self.values[name, at] = numpy.full(self.shape(shape), sympy.Float(slots[s].fill), dtype=object)
                    continue
                label = f"{name}_{'m' if s < 0 else ''}{abs(s)}"
                self.leaves[f"{name}[{s}]"] = self.values[name, s] = self.symbols(label, shape)

    def _define(self, name, s):
        value = numpy.asarray(self.expand(self.system.equations[name].expr, s), dtype=object)
        label = name if s is None else f"{name}_{s}"
        syms = self.symbols(label, self.system.shape(name))
        for index in numpy.ndindex(syms.shape):
            self.equations[syms[index]] = value[index]
        self.values[name, s] = syms

    # ----- one block expression at step s, entry by entry --------------------------------
    def expand(self, e, s):
        if not B.is_array(e):
            return e
        handler = getattr(self, "_" + type(e).__name__.lower(), None)
        if handler is None:
            raise NotImplementedError(f"no scalar reading of {type(e).__name__}")
        return handler(e, s)

    def args(self, e, s):
        return [self.expand(a, s) for a in e.args]

    def _var(self, e, s):
        if not e.time:
            return self.values[e.name, None]
        key = e.name, int(e.time[0].subs(B.T_INDEX, s))
        if key not in self.values:  # h[t+1] of a state that runs backward: defined on first read
            self._define(*key)
        return self.values[key]

    def _plus(self, e, s):
        out = 0
        for a in self.args(e, s):
            out = out + a
        return out

    def _neg(self, e, s):
        return -self.expand(e.args[0], s)

    def _hadamard(self, e, s):
        out = 1
        for a in self.args(e, s):
            out = out * a
        return out

    def _divide(self, e, s):
        a, b = self.args(e, s)
        return a / b

    def _power(self, e, s):
        x = self.expand(e.args[0], s)
        return numpy.vectorize(lambda v: v ** e.args[1], otypes=[object])(x)

    def _matprod(self, e, s):
        A, X = self.args(e, s)
        return numpy.dot(A, X)

    def _trans(self, e, s):
        return self.expand(e.args[0], s).T

    def _cat(self, e, s):
        return numpy.concatenate(self.args(e, s), axis=0)

    def _rows(self, e, s):
        x = self.expand(e.args[0], s)
        a, b = (int(sympy.sympify(k).subs(self.sizes)) for k in e.args[1:])
        return x[a:b]

    def _elementwise(self, e, s):
        x = self.expand(e.args[1], s)
        return numpy.vectorize(lambda v: build(e.function, v), otypes=[object])(x)

    def _softmax(self, e, s):
        z = self.expand(e.args[0], s)
        exps = [sympy.exp(v) for v in z]
        total = sympy.Add(*exps)
        return numpy.array([v / total for v in exps], dtype=object)

    def _crossentropy(self, e, s):
        p, y = self.args(e, s)
        return -sympy.Add(*[a * sympy.log(b) for a, b in zip(p.ravel(), y.ravel())])

    def _squarederror(self, e, s):
        p, y = self.args(e, s)
        return sympy.Add(*[(b - a) ** 2 for a, b in zip(p.ravel(), y.ravel())]) / 2

    def _total(self, e, s):
        return sympy.Add(*numpy.ravel(self.expand(e.args[0], s)))

    def _inner(self, e, s):
        a, b = self.args(e, s)
        return sympy.Add(*numpy.ravel(a * b))

    def _sumt(self, e, s):
        return sum((self.expand(e.args[0], k) for k in range(1, self.T + 1)), sympy.S.Zero)
