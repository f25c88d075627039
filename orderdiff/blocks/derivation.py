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
from .derive import fold_adjoints, generic, offset, recursive_form, substitute_all, sweep_system
from .nodes import NodeMap
from .simplify import lookahead, simplify

FORMS = ("recursive", "closed")


def derive_blocks(system, target=None, *, steps=None):
    """Explicit and ordered derivatives of a block system, generic in t or unrolled.

    Parameters
    ----------
    system : BlockSystem
    target : str, optional
        A scalar variable defined without [t]; by default the one nothing else uses.
    steps : int, optional
        Unroll over this many steps (every node h[1..T] its own derivative).

    Returns
    -------
    BlockDerivation
    """
    target, steps_of, order, assume = sweep_system(system, target, steps)
    return BlockDerivation(system, target, steps_of, order, steps, assume)


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

    def __init__(self, system, target, steps, order, steps_count, assume):
        self.system = system
        self.target = target
        self.order = tuple(v for v in order if v in steps)
        self.steps = NodeMap({**{v: steps[v] for v in self.order}, **steps})  # in dependency order
        self.steps_count = steps_count
        self.assume = frozenset(assume)
        self.explicit = NodeMap({v: s.explicit for v, s in self.steps.items()})
        self._programs = {}  # {(backend, dtype, checks): compiled program}, see _compiled

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

    # ----- views: the keywords of Derivation's; ``values`` is refused (numbers need arrays) -------
    def to_text(self, *, form=None, values=None, wrt=None, unicode=True):
        """The derivation as text (see :func:`orderdiff.printers.blocktext.render_text`)."""
        from ..printers.blocktext import render_text

        no_values(values)
        return render_text(self, form=form, wrt=wrt, unicode=unicode)

    def to_latex(self, *, form=None, values=None, wrt=None, body_only=False, figure=None):
        """The derivation as LaTeX (see :func:`orderdiff.printers.blocklatex.render_latex`)."""
        from ..printers.blocklatex import render_latex

        no_values(values)
        return render_latex(self, form=form, wrt=wrt, body_only=body_only, figure=figure)

    def to_json(self, *, form=None, values=None, wrt=None):
        """The derivation as JSON text (see :func:`orderdiff.printers.blockjson.render_json`)."""
        from ..printers.blockjson import render_json

        no_values(values)
        return render_json(self, form=form, wrt=wrt)

    def _repr_latex_(self):
        """The recurrences and gradients as one display, for Jupyter (see ``render_display``)."""
        from ..printers.blocklatex import render_display

        return render_display(self)

    def __repr__(self):
        mode = "generic in t" if self.steps_count is None else f"unrolled over {self.steps_count} steps"
        return f"<BlockDerivation of {self.target.name}, {mode}, {len(self.order)} nodes>"


def no_values(values):
    """Refuse a ``values`` point: the numbers of a block derivation need arrays."""
    if values is not None:
        raise ValueError("values are for scalar derivations; a block derivation's numbers need arrays of "
                         "its parameters and inputs: lambdify() returns f(params, inputs, init) -> "
                         "(loss, gradients)")


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
