"""The compiled loss-and-gradients function of a block derivation: what ``lambdify`` returns.

:func:`lambdify` compiles the generated program (:mod:`.program`) once per backend, dtype
and kind of checks, and wraps it in :class:`Gradients`, which checks every parameter,
input and initial value it is given (:mod:`.arguments`) and runs the program that checks
its own arrays (:mod:`.guard`) on the first call for each set of shapes.
"""

from __future__ import annotations

import contextlib
import weakref

from ..errors import ProgramShapeError, ValueInputError
from .arguments import arrays, check_distributions, check_shapes, floating_dtype, initial_values
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
    and converted to ``dtype``, a floating one; the results are the backend's arrays.

    Every array is checked before the program runs (:mod:`.arguments`): no complex one,
    each in its declared shape, and each input declared ``distribution`` summing to 1.

    Raises
    ------
    ValueError
        An unknown backend or dtype, or a dtype that is not floating.
    ValueInputError
        From ``f``: a missing, unknown, complex or misshapen array, or a distribution
        input that does not sum to 1, each named as the call gives it (``inputs['x']``).

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
        self.backend = backend
        self.dtype, self.eps = floating_dtype(backend, dtype)
        dtype = self.dtype
        self.function, self.asarray, _ = compiled(derivation, backend, dtype, "terms" if backend == "jax" else None)
        self.checked = {}  # {shapes of the arrays: the sizes check_shapes bound}
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
        args = (arrays(params, system.params, "params", self.asarray, self.dtype)
                + arrays(inputs, system.inputs, "inputs", self.asarray, self.dtype))
        shapes = tuple(tuple(a.shape) for a in args)
        if shapes not in self.checked:  # a training loop calls with the same shapes again and again
            self.checked[shapes] = check_shapes(system, args)
        bound = self.checked[shapes]
        steps = bound.get("T", self.d.min_steps)
        if steps < self.d.min_steps:
            raise ValueInputError(f"the time-indexed inputs have {steps} step(s); the generated program needs at "
                                  f"least T = {self.d.min_steps}, so that the fixed steps the gradients read "
                                  "(h[T-k], an initial value's first users) and the boundary forms at each end "
                                  "of the recurrences fall inside the sequence")
        check_distributions(system, args[len(system.params):], self.eps)  # the values change every call
        slots = system.given_inits()
        args += initial_values(system, init, bound, self.asarray, self.dtype)
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
