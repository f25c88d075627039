"""Generated gradients of a block system against central finite differences of its loss.

Dimensions, parameters and inputs are drawn from a seeded generator (small sizes:
each dimension 2..4, T = 4 steps, a batch of 2); inputs declared ``distribution``
are drawn from a Dirichlet distribution, so they sum to 1 as the derivation assumed.
Where those sizes do not fit the file (a slice ``z[t][0:5]`` needs at least 5 rows,
``z[t][3:n]`` needs n > 3), the smallest sizes of at least 2 that fit every slice and
shape are drawn instead, each with a random margin of 0..2 where the file allows it.
Each entry of each parameter and initial value is nudged by ±h and the loss
recomputed. The error is ``|fd - g| / max(1, |g|)``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy
from sympy import Integer, Symbol

from ..errors import OrderdiffError, ValueInputError
from . import expr as B
from .gradients import lambdify

STEP = 6e-6
MAX_ENTRIES = 10_000
MAX_DIM = MAX_ENTRIES  # no array of at most MAX_ENTRIES entries has a longer axis
FIT_ROUNDS = 200
SIZES = "every size >= 1"
STEPS = 4  # T of check's random points, unless the file reads further back from the last step


@dataclass(frozen=True)
class BlockComparison:
    """``{name: (largest |gradient| entry, error of the worst entry)}`` at one random point of
    ``steps`` steps."""

    dims: dict
    rows: dict
    steps: int = 4


@dataclass(frozen=True)
class Condition:
    """``value >= 0`` must hold at the drawn dimensions; ``what`` and ``where`` say whose it is."""

    value: object  # a sympy expression in the dimensions
    what: str
    need: str  # the rule it is part of, as the user reads it
    where: tuple  # (line, col, source)

    def holds(self, dims):
        return int(self.value.xreplace(dims)) >= 0


def conditions(system):
    """What the dimensions must satisfy: every declared and computed shape has sizes >= 1,
    and every slice ``[a:b]`` of n rows (or columns) has 0 <= a < b <= n."""
    out = []
    for d in [*system.declarations.values(), *(x for slots in system.inits.values() for x in slots.values())]:
        out += [Condition(n - 1, f"the shape ({shown(d.shape)}) of {d.name}", SIZES, (d.line, d.col, d.source))
                for n in d.shape or ()]
    for eq in system.equations.values():
        where = (eq.line, eq.col, eq.source)
        out += [Condition(n - 1, f"the shape ({shown(eq.shape)}) of {eq.key}", SIZES, where) for n in eq.shape]
        for node in B.atoms(eq.expr, B.Rows, B.Cols):
            x, a, b = node.args
            size = x.shape[0 if isinstance(node, B.Rows) else 1]
            what = short(f"the slice [{a}:{b}] of {size} {'rows' if isinstance(node, B.Rows) else 'columns'}")
            need = short(f"0 <= {a} < {b} <= {size}")
            out += [Condition(B.as_dim(a), what, need, where), Condition(b - a - 1, what, need, where),
                    Condition(size - b, what, need, where)]
    return [c for c in out if not (c.value.is_Number and c.value >= 0)]


def shown(shape):
    return short(", ".join(map(str, shape)))


def short(text):
    """``text`` with each number of more than 12 digits written as its count of digits."""
    return re.sub(r"\d{13,}", lambda m: f"<a number of {len(m.group())} digits>", text)


def fitted_dims(system, rng):
    """Each dimension drawn in 2..4; where that breaks a slice or shape of the file, the
    smallest sizes >= 2 that fit (:func:`smallest`), with a random margin where it fits too."""
    dims = {Symbol(n, positive=True, integer=True): Integer(int(rng.integers(2, 5))) for n in system.dims}
    conds = conditions(system)
    if all(c.holds(dims) for c in conds):
        return dims
    low = smallest(system, conds, {s: Integer(2) for s in dims})
    wider = {s: v + int(rng.integers(0, 3)) for s, v in low.items()}
    return wider if all(c.holds(wider) for c in conds) else low


def smallest(system, conds, dims):
    """Raise one dimension at a time, by the least that mends a broken condition, until all hold.

    Raises :class:`ValueInputError` at the condition that no sizes up to ``MAX_DIM`` mend.
    """
    for _ in range(FIT_ROUNDS):
        broken = next((c for c in conds if not c.holds(dims)), None)
        if broken is None:
            return dims
        steps = [(v, s) for s in sorted(broken.value.free_symbols, key=str)
                 for v in [mending(broken, dims, s)] if v is not None]
        if not steps:
            break
        v, s = min(steps, key=lambda vs: (vs[0] - dims[vs[1]], str(vs[1])))
        dims = {**dims, s: Integer(v)}
    else:  # the last round's mend may have been the last one needed
        broken = next((c for c in conds if not c.holds(dims)), None)
        if broken is None:
            return dims
    line, col, source = broken.where
    if not broken.value.free_symbols:
        why = "which no dimensions give"
    else:
        why = f"which no sizes from 2 to {MAX_DIM} give together with the file's other slices and shapes"
    raise ValueInputError(f"check cannot choose dimensions for {broken.what}: it needs {broken.need}, {why}",
                          file=system.file, line=line, col=col, source=source)


def mending(cond, dims, s):
    """The least size of ``s`` above its own, at most ``MAX_DIM``, at which ``cond`` holds, or None."""
    def holds(v):
        return cond.holds({**dims, s: Integer(v)})

    low, high = int(dims[s]), int(dims[s]) + 1
    while not holds(high):
        if high >= MAX_DIM:
            return None
        low, high = high, min(2 * high, MAX_DIM)
    while high - low > 1:  # holds(high), not holds(low)
        mid = (low + high) // 2
        low, high = (low, mid) if holds(mid) else (mid, high)
    return high


def random_point(system, rng, steps=STEPS, batch=2):
    """Seeded dimensions, parameters, inputs and initial values for ``system``."""
    dims = fitted_dims(system, rng)

    def size(shape):
        out = tuple(int(n.xreplace(dims)) for n in shape)
        if math.prod(out) > MAX_ENTRIES:
            raise ValueInputError(f"check draws arrays of at most {MAX_ENTRIES} entries; a shape "
                                  f"({shown(shape)}) is {short(str(out))} here: use dimension names "
                                  "(dim n) rather than large numbers", file=system.file)
        return out

    params = {d.name: rng.normal(0.0, 0.5, size(d.shape)) for d in system.params}
    inputs = {}
    for d in system.inputs:
        lead = (steps, batch) if d.timed else (batch,)
        if d.distribution:  # flat Dirichlet: normalised exponentials, drawn by inverse CDF from uniforms, whose
            # stream NumPy keeps from version to version (its dirichlet's has changed)
            e = -numpy.log1p(-rng.random(lead + size(d.shape)[:1]))
            inputs[d.name] = e / e.sum(axis=-1, keepdims=True)
        else:
            inputs[d.name] = rng.normal(0.0, 1.0, lead + size(d.shape))
    init = {f"{n}[{s}]": rng.normal(0.0, 0.5, (batch,) + size(system.shape(n))) for n, s in system.given_inits()}
    return {str(k): int(v) for k, v in dims.items()}, params, inputs, init


def compare(derivation, seed=0):
    """Every parameter's and initial value's gradient against finite differences."""
    system = derivation.system
    if not system.params and not system.inits:
        raise OrderdiffError("check compares the gradients of the parameters and initial values with finite "
                             "differences, and this file has neither (its loss depends on its inputs alone): "
                             "declare what it learns with 'param', or 'init' for a recurrence's first value",
                             file=system.file)
    rng = numpy.random.default_rng(seed)
    steps = max(STEPS, derivation.min_steps)  # h[T-5] needs six steps
    dims, params, inputs, init = random_point(system, rng, steps=steps)
    f = lambdify(derivation)
    _, grads = f(params, inputs, init)
    rows = {}
    for name, value in [*params.items(), *init.items()]:
        fd = numpy.zeros_like(value)
        for index in numpy.ndindex(value.shape):
            fd[index] = nudged(f, params, inputs, init, name, index)
        err = numpy.abs(fd - grads[name]) / numpy.maximum(1.0, numpy.abs(grads[name]))
        rows[name] = (float(numpy.max(numpy.abs(grads[name]), initial=0.0)), float(numpy.max(err, initial=0.0)))
    return BlockComparison(dims, rows, steps)


def nudged(f, params, inputs, init, name, index):
    group = params if name in params else init
    base = group[name][index]
    h = STEP * max(1.0, abs(base))
    losses = []
    for x in (base + h, base - h):
        group[name][index] = x
        losses.append(f(params, inputs, init)[0])
    group[name][index] = base
    return (losses[0] - losses[1]) / (2 * h)
