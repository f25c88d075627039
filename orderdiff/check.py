"""Central finite differences of the perturbed forward pass, against the ordered derivatives.

For each variable v: nudge v by ±h, recompute every later variable from it, and watch
E: (E(v+h) - E(v-h)) / 2h. The ordered derivatives compared are those of the generated
program, which evaluates the derived symbolic partials (not the direct float sweep). All nudges of a batch of variables run as one vectorised
forward pass. The error reported is ``|fd - d+E/dv| / max(1, |d+E/dv|)``: relative
for large derivatives, absolute below 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy

from .codegen import bind_inputs, compiled_forward, compiled_sweep, evaluate
from .errors import OrderdiffError

BATCH = 256
STEP = 6e-6  # about eps**(1/3): balances truncation and rounding in central differences


@dataclass(frozen=True)
class Comparison:
    """At one point: ``{v: (d+E/dv, finite difference, error)}`` and the point itself."""

    point: dict
    rows: dict


def finite_differences(derivation, point, values=None):
    """``{variable: (E(v+h) - E(v-h)) / 2h}`` at ``point`` (``{input: number}``).

    ``values``, every variable's value at ``point``, is computed unless given.
    """
    order, index = derivation.order, derivation.system.index
    args = bind_inputs(derivation, point)
    if values is None:
        values = evaluate(derivation, point, compiled=True).values
    base = [values[v] for v in order]
    forward = compiled_forward(derivation)
    inputs = {v: i for i, v in enumerate(derivation.inputs)}
    out = {}
    for start in range(0, len(order), BATCH):
        chunk = order[start:start + BATCH]
        rows = 2 * len(chunk)
        cols = numpy.full((len(args), rows), [[float(a)] for a in args]) if args else []
        ov, steps = {"shape": (rows,)}, []
        for r, v in enumerate(chunk):
            k = index[v]
            h = STEP * max(1.0, abs(base[k]))
            steps.append(h)
            nudged = (base[k] + h, base[k] - h)
            if v in inputs:
                cols[inputs[v], 2 * r:2 * r + 2] = nudged
            else:
                ov[k] = (slice(2 * r, 2 * r + 2), nudged)
        with numpy.errstate(all="ignore"):
            E = numpy.broadcast_to(forward(*cols, ov)[index[derivation.target]], (rows,))
        for r, v in enumerate(chunk):
            out[v] = float((E[2 * r] - E[2 * r + 1]) / (2 * steps[r]))
    return out


def compare(derivation, point):
    """A :class:`Comparison` of the ordered derivatives with finite differences at ``point``."""
    at = evaluate(derivation, point, compiled=True)
    total = at.total
    fd = finite_differences(derivation, point, at.values)
    rows = {}
    for v in derivation.order:
        err = abs(fd[v] - total[v]) / max(1.0, abs(total[v]))
        rows[v] = (total[v], fd[v], err if numpy.isfinite(err) else float("inf"))
    return Comparison(dict(point), rows)


def random_points(derivation, count, seed=0, tries=100):
    """``count`` seeded random points where every variable is finite.

    Inputs are drawn from U(-1, 1); after half the tries fail, from U(0.1, 1.1)
    (for logarithms and square roots). Raises :class:`OrderdiffError` if none is found.
    """
    rng = numpy.random.default_rng(seed)
    sweep = compiled_sweep(derivation)
    names = [str(v) for v in derivation.inputs]
    points = []
    for attempt in range(tries):
        low, high = (-1.0, 1.0) if attempt < tries // 2 else (0.1, 1.1)
        point = dict(zip(names, rng.uniform(low, high, len(names)).tolist()))
        with numpy.errstate(all="ignore"):
            values = sweep(*bind_inputs(derivation, point))[0]
        if all(numpy.isfinite(values)):
            points.append(point)
            if len(points) == count:
                return points
    if points:
        return points
    raise OrderdiffError(f"no random point found where every variable is finite ({tries} tries); "
                         "choose one with --at", file=derivation.system.file)
