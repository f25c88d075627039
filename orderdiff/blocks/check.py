"""Generated gradients of a block system against central finite differences of its loss.

Dimensions, parameters and inputs are drawn from a seeded generator (small sizes:
each dimension 2..4, T = 4 steps, a batch of 2); inputs declared ``distribution``
are drawn from a Dirichlet distribution, so they sum to 1 as the derivation assumed.
Each entry of each parameter and initial value is nudged by ±h and the loss
recomputed. The error is ``|fd - g| / max(1, |g|)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy
from sympy import Symbol

from ..errors import ValueInputError
from .gradients import lambdify

STEP = 6e-6
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class BlockComparison:
    """``{name: (largest |gradient| entry, error of the worst entry)}`` at one random point."""

    dims: dict
    rows: dict


def random_point(system, rng, steps=4, batch=2):
    """Seeded dimensions, parameters, inputs and initial values for ``system``."""
    dims = {Symbol(n, positive=True, integer=True): int(rng.integers(2, 5)) for n in system.dims}

    def size(shape):
        out = tuple(int(n.xreplace(dims)) for n in shape)
        if numpy.prod(out, dtype=float) > MAX_ENTRIES:
            raise ValueInputError(f"check draws arrays of at most {MAX_ENTRIES} entries; a shape "
                                  f"({', '.join(map(str, shape))}) is {out} here: use dimension names "
                                  "(dim n) rather than large numbers", file=system.file)
        return out

    params = {d.name: rng.normal(0.0, 0.5, size(d.shape)) for d in system.params}
    inputs = {}
    for d in system.inputs:
        lead = (steps, batch) if d.timed else (batch,)
        if d.distribution:
            inputs[d.name] = rng.dirichlet(numpy.ones(size(d.shape)[0]), lead)
        else:
            inputs[d.name] = rng.normal(0.0, 1.0, lead + size(d.shape))
    init = {f"{n}[{s}]": rng.normal(0.0, 0.5, (batch,) + size(system.shape(n)))
            for n, slots in system.inits.items() for s in slots}
    return {str(k): v for k, v in dims.items()}, params, inputs, init


def compare(derivation, seed=0):
    """Every parameter's and initial value's gradient against finite differences."""
    rng = numpy.random.default_rng(seed)
    dims, params, inputs, init = random_point(derivation.system, rng)
    f = lambdify(derivation)
    _, grads = f(params, inputs, init)
    rows = {}
    for name, value in [*params.items(), *init.items()]:
        fd = numpy.zeros_like(value)
        for index in numpy.ndindex(value.shape):
            fd[index] = nudged(f, params, inputs, init, name, index)
        err = numpy.abs(fd - grads[name]) / numpy.maximum(1.0, numpy.abs(grads[name]))
        rows[name] = (float(numpy.max(numpy.abs(grads[name]), initial=0.0)), float(numpy.max(err, initial=0.0)))
    return BlockComparison(dims, rows)


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
