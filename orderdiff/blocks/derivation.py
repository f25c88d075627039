"""The finished derivation of a block system, and the views printers and users read.

A :class:`BlockDerivation` is generic in t (``steps is None``: nodes h[t], the
recurrences of backpropagation through time) or unrolled over ``steps`` steps (nodes
h[1], ..., h[T]). Notation: ``Adj(v)`` is d+E/dv, the ordered derivative; the explicit
dE/dv is the share of the target's own equation.
"""

from __future__ import annotations

import contextlib
from functools import cached_property

from sympy import Integer

from ..errors import ProgramShapeError, ValueInputError
from . import expr as B
from .derive import compact, generic, offset, recursive_form
from .simplify import lookahead, simplify


class BlockDerivation:
    """Explicit and ordered derivatives of a scalar target over a :class:`BlockSystem`.

    Attributes
    ----------
    system : BlockSystem
    target : Var
    steps_count : int or None
        T when unrolled, ``None`` when generic in t.
    order : tuple of Var
        The nodes, leaves first, in dependency order (one step's order for generic t).
    steps : dict
        ``{node: Step(explicit, ((user, share), ...))}``: Eq. 1 before it is summed.
    explicit, recursive : dict
        ``{node: dE/dv}`` and ``{node: Eq. 1 in the users' d+E/du}``.
    assumptions : tuple of str
        What the simplification assumed (inputs declared ``distribution``).
    """

    def __init__(self, system, target, steps, order, steps_count, assume):
        self.system = system
        self.target = target
        self.steps = steps
        self.order = tuple(v for v in order if v in steps)
        self.steps_count = steps_count
        self.assume = frozenset(assume)
        self.explicit = {v: s.explicit for v, s in steps.items()}
        self._programs = {}  # {(backend, dtype, checks): compiled program}, see _compiled

    @cached_property
    def recursive(self):
        return {v: recursive_form(self.steps[v], self.assume) for v in self.order}

    @cached_property
    def compact(self):
        """``{node: d+E/dv}`` keeping only the adjoints that recur or are shared (generic in t).

        Parameters and initial values get their gradients in terms of the kept
        adjoints; time-indexed nodes used once are folded into their user.
        """
        data = {d.name for d in self.system.inputs}
        keep = {v for v in self.order if v.name not in self.system.equations or not generic(v)}
        keep = {v for v in keep if v.name not in data}
        boundary = {v for v in keep if v.time}
        forms = {v: e for v, e in self.recursive.items() if v.name not in data and v != self.target}
        result = compact(forms, keep, boundary, self.assume)
        return {v: result[v] for v in self.order if v in result}

    @property
    def recurrences(self):
        """The compact forms of the defined nodes kept: the backward recurrences (and shared adjoints)."""
        return {v: e for v, e in self.compact.items() if v.name in self.system.equations and
                (generic(v) or not v.time)}

    @property
    def gradients(self):
        """The compact forms of the parameters and initial values."""
        kept = self.recurrences
        return {v: e for v, e in self.compact.items() if v not in kept}

    @cached_property
    def min_steps(self):
        """The fewest steps T the generated program handles: the latest fixed step an
        initial value's gradient reads (1 for h[0] feeding step 1)."""
        times = [int(x.time[0]) for e in self.gradients.values() for x in e.atoms(B.Var)
                 if x.time and not x.time[0].has(B.T_INDEX)]
        return max([1, *times])

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
        from .split import plan

        return plan(self)

    def boundary(self, expr):
        """``[(t, form)]`` for the last steps, where adjoints past T are zero.

        For a form that looks k steps ahead, the forms at t = T, ..., T-k+1 (with ``t``
        still written as ``t``; the printer substitutes ``T - j``).
        """
        ahead = lookahead(expr)
        out = []
        for j in range(ahead):
            past = {a: B.zero_like(a) for a in expr.atoms(B.Adj)
                    if a.args[0].time and offset(a.args[0]) > j}
            out.append((j, simplify(expr.xreplace(past), self.assume)))
        return out

    # ----- numbers ------------------------------------------------------------------------
    def numpy_source(self, readable=True, backend="numpy", checks=None):
        """The generated program: forward loop, backward loop, gradient sums (see :mod:`.program`);
        with ``checks`` (``"arrays"`` or ``"terms"``), the shape of each array checked (:mod:`.guard`)."""
        from .program import source

        return source(self, readable, backend, checks)

    def python_module(self):
        """A Python module that runs on its own (``--emit-python``): the program, a wrapper
        ``loss_and_gradients(params, inputs, init=None)`` and a demo on random data."""
        from .emitted import module_source

        return module_source(self)

    def _compiled(self, backend, dtype, checks=None):
        """The generated ``gradients`` function and its array maker, compiled once per backend and checks."""
        key = (backend, dtype, checks)
        cache = self._programs
        if key not in cache:
            from .backends import BACKENDS
            from .program import build

            namespace, asarray = BACKENDS[backend].namespace(dtype)
            text, labels = build(self, False, backend, checks)
            namespace.update(ProgramShapeError=ProgramShapeError, LABELS=labels)  # the names are data, not code
            exec(compile(text, "<orderdiff-bptt>", "exec"), namespace)  # safe: generated names only (v0, d_v0, ...)
            function = namespace["gradients"]
            if backend == "jax":
                import jax

                function = jax.jit(function)
            cache[key] = (function, asarray, namespace["numpy"])
        return cache[key]

    def lambdify(self, backend="numpy", dtype="float64"):
        """``f(params, inputs, init=None) -> (loss, grads)`` running the generated program.

        ``params`` maps each parameter to an array of its declared shape; ``inputs`` each
        time-indexed input to ``(T, B, n)`` (a static input to ``(B, n)``); ``init`` each
        recurrent variable to its value before step 1, ``(B, n)`` (keys ``h`` or ``h[0]``,
        ``h[-1]``; default: the declared fill value). ``loss`` is the target summed over
        the batch; ``grads`` maps each parameter, and each initial value as ``'h[0]'``,
        to d+loss/dv in the same shape.

        ``backend`` is ``'numpy'``, ``'torch'`` (PyTorch tensors on the CPU) or ``'jax'``
        (compiled with ``jax.jit``, each loop over t a ``lax.scan``; float64 is switched
        on around each call when ``dtype`` asks for it). Arrays of any kind are accepted
        and converted to ``dtype``; the results are the backend's arrays.

        The program checks the shape of every array it computes on the first call for
        each set of argument shapes (:class:`Gradients`), and raises
        :class:`~orderdiff.ProgramShapeError` where one is not the shape derived for it.
        """
        from .backends import BACKENDS

        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        if self.steps_count is not None:
            raise ValueError("lambdify works on the generic derivation (derive without steps)")
        if self.system.timed and not any(d.timed for d in self.system.inputs):
            raise ValueInputError("the generated program takes T from a time-indexed input; declare one "
                                  "(input x[t]: n)", file=self.system.file)
        return Gradients(self, backend, dtype)

    # ----- views --------------------------------------------------------------------------
    def to_text(self, *, unicode=True):
        from ..printers.blocktext import render_text

        return render_text(self, unicode=unicode)

    def to_latex(self, *, body_only=False, figure=None):
        from ..printers.blocklatex import render_latex

        return render_latex(self, body_only=body_only, figure=figure)

    def to_json(self):
        from ..printers.blockjson import render_json

        return render_json(self)

    def _repr_latex_(self):
        """The recurrences and gradients as one display, for Jupyter (see ``render_display``)."""
        from ..printers.blocklatex import render_display

        return render_display(self)

    def __repr__(self):
        mode = "generic in t" if self.steps_count is None else f"unrolled over {self.steps_count} steps"
        return f"<BlockDerivation of {self.target.name}, {mode}, {len(self.order)} nodes>"


class Gradients:
    """The compiled loss-and-gradients function of a block derivation (see ``lambdify``).

    The first call for each set of argument shapes runs the program that checks the shape
    of every array and subexpression (:mod:`.guard`); as no shape in it depends on the
    numbers, later calls with those shapes run the plain one. JAX runs the checked one
    always: its checks run while ``jax.jit`` traces the program, once per set of shapes.
    """

    def __init__(self, derivation, backend="numpy", dtype="float64"):
        self.d = derivation
        self.system = derivation.system
        self.backend, self.dtype = backend, dtype
        self.function, self.asarray, _ = derivation._compiled(backend, dtype, "terms" if backend == "jax" else None)
        self.checked = {}  # {shapes of the arrays: what check_shapes found}
        self.proven = set()  # the shapes of the arguments of the calls that ran checked

    def __call__(self, params, inputs, init=None):
        with self.precision():
            return self.run(params, inputs, init)

    def precision(self):
        if self.backend == "jax" and self.dtype == "float64":
            import jax

            return jax.enable_x64(True)
        return contextlib.nullcontext()

    def run(self, params, inputs, init):
        system = self.system
        args = self.arrays(params, system.params, "params") + self.arrays(inputs, system.inputs, "inputs")
        shapes = tuple(tuple(a.shape) for a in args)
        if shapes not in self.checked:  # a training loop calls with the same shapes again and again
            self.checked[shapes] = check_shapes(system, args)
        steps = self.checked[shapes].get("T", self.d.min_steps)
        if steps < self.d.min_steps:
            raise ValueInputError(f"the time-indexed inputs have {steps} step(s); the gradients of the "
                                  f"initial values need at least T = {self.d.min_steps}")
        slots = [(name, s) for name, sl in system.inits.items() for s in sorted(sl, reverse=True)]
        args += [self.initial(init or {}, name, s) for name, s in slots]
        key = shapes + tuple(tuple(getattr(a, "shape", ())) for a in args[len(shapes):])  # a fill is a number
        function = self.function if key in self.proven else self.d._compiled(self.backend, self.dtype, "terms")[0]
        try:
            loss, grads, init_grads = function(*args)
        except ProgramShapeError as e:  # raised anew: without the notes JAX adds to what its trace raises
            raise ProgramShapeError(e.message, file=system.file) from None
        self.proven.add(key)
        out = {d.name: g for d, g in zip(system.params, grads)}
        out.update({f"{name}[{s}]": g for (name, s), g in zip(slots, init_grads)})
        return loss, out

    def arrays(self, given, decls, what):
        """The arrays of ``given`` in declaration order; a missing or unknown name is an error."""
        names = [d.name for d in decls]
        listing = f"(the {what} are {', '.join(names)})"
        missing = [n for n in names if n not in given]
        if missing:
            raise ValueInputError(f"missing {what}['{missing[0]}'] {listing}")
        unknown = [k for k in given if k not in names]
        if unknown:
            raise ValueInputError(f"unknown {what}: {', '.join(map(str, unknown))} {listing}")
        return [self.asarray(given[n]) for n in names]

    def initial(self, init, name, s):
        decl = self.system.inits[name][s]
        key = f"{name}[{s}]" if f"{name}[{s}]" in init else name if s == 0 and name in init else None
        if key is None:
            return decl.fill
        return self.asarray(init[key])


def check_shapes(system, arrays):
    """Every parameter and input array against its declared shape, dimensions bound on first sight.

    Returns ``{'T': steps, 'B': batch}`` as the inputs give them. Raises
    :class:`ValueInputError` naming the array, its shape and the expected one.
    """
    decls = [*system.params, *system.inputs]
    lead = [(0 if d.kind == "param" else 2 if d.timed else 1) for d in decls]
    dims, outer = {}, {}
    for d, k, a in zip(decls, lead, arrays):
        for n, size in zip(d.shape, a.shape[k:]):
            if n.is_Symbol:
                dims.setdefault(n, Integer(size))
    for d, k, a in zip(decls, lead, arrays):
        where = f"{'params' if d.kind == 'param' else 'inputs'}['{d.name}']"
        want = [n.xreplace(dims) for n in d.shape]
        want = tuple(None if n.free_symbols else int(n) for n in want)
        lead_names = ("T", "B")[2 - k:] if k else ()
        if a.ndim != k + len(d.shape) or any(w is not None and w != g for w, g in zip(want, a.shape[k:])):
            shown = ", ".join([*lead_names, *(str(n) for n in d.shape)])
            raise ValueInputError(f"{where} has shape {a.shape}; expected ({shown}) = "
                                  f"({', '.join([*(str(x) for x in a.shape[:k]), *map(str, want)])}) with "
                                  + (", ".join(f"{n} = {v}" for n, v in dims.items()) or "no dimensions"))
        for name, size in zip(lead_names, a.shape[:k]):
            if outer.setdefault(name, size) != size:
                raise ValueInputError(f"{where} has {name} = {size}, another input {outer[name]}")
    return outer
