"""The compiled loss-and-gradients function of a block derivation: what ``lambdify`` returns.

:func:`lambdify` compiles the generated program (:mod:`.program`) once per backend, dtype
and kind of checks, and wraps it in :class:`Gradients`, which checks every parameter,
input and initial value against its declared shape (:func:`check_shapes`) and runs the
program that checks its own arrays (:mod:`.guard`) on the first call for each set of shapes.
"""

from __future__ import annotations

import contextlib
import weakref

from ..errors import ProgramShapeError, ValueInputError
from . import sizes
from .backends import BACKENDS
from .program import build

_PROGRAMS = weakref.WeakKeyDictionary()  # {derivation: {(backend, dtype, checks): compiled program}}


def compiled(derivation, backend, dtype, checks=None):
    """The generated ``gradients`` function and its array maker, compiled once per backend and checks."""
    key = (backend, dtype, checks)
    cache = _PROGRAMS.setdefault(derivation, {})
    if key not in cache:
        namespace, asarray = BACKENDS[backend].namespace(dtype)
        text, labels = build(derivation, False, backend, checks)
        namespace.update(ProgramShapeError=ProgramShapeError, LABELS=labels)  # the names are data, not code
        exec(compile(text, "<orderdiff-bptt>", "exec"), namespace)  # safe: generated names only (v0, d_v0, ...)
        function = namespace["gradients"]
        if backend == "jax":
            import jax

            function = jax.jit(function)
        cache[key] = (function, asarray, namespace["numpy"])
    return cache[key]


def lambdify(derivation, backend="numpy", dtype="float64"):
    """``f(params, inputs, init=None) -> (loss, grads)`` running the generated program of ``derivation``.

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
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if derivation.steps_count is not None:
        raise ValueError("lambdify works on the generic derivation (derive without steps)")
    if derivation.system.timed and not any(d.timed for d in derivation.system.inputs):
        raise ValueInputError("the generated program takes T from a time-indexed input; declare one "
                              "(input x[t]: n)", file=derivation.system.file)
    return Gradients(derivation, backend, dtype)


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
        self.function, self.asarray, _ = compiled(derivation, backend, dtype, "terms" if backend == "jax" else None)
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
        function = self.function if key in self.proven else compiled(self.d, self.backend, self.dtype, "terms")[0]
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
    dims, outer = sizes.bind(system, {d.name: tuple(a.shape) for d, a in zip(decls, arrays)}), {}
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
