"""Where the generated program reads each dimension: off an axis of a parameter or an input.

A dimension that is some array's whole axis (``param W: n_h, n_x``) is that axis's size.
One that appears only in a sum or a multiple (``input x[t]: n + m``, with n known from
another array) is solved from it: m = x's size - n. A dimension the program needs that no
array gives (one used only in a slice, ``h[t][0:m]``) cannot be read off the arrays, and
is refused where the file first uses it.
"""

from __future__ import annotations

import re

from sympy import Integer, S

from ..errors import DefinitionError


def axes(system):
    """``[(decl, axis in the program's array, dimension expression)]`` of every parameter and input:
    a time-indexed input's array has time and batch axes first, a static input's the batch axis."""
    out = []
    for d in [*system.params, *system.inputs]:
        skip = 2 if d.timed else (1 if d.kind == "input" else 0)
        out += [(d, axis + skip, n) for axis, n in enumerate(d.shape)]
    return out


def sources(system):
    """``[(dimension, decl, axis, rest, coefficient)]`` in an order that binds each before it is
    read: the axis of ``decl``'s array is ``coefficient * dimension + rest``, both in the
    dimensions before it. Whole axes come first, in declaration order; then those solved from
    a sum or a multiple.

    Raises
    ------
    DefinitionError
        A dimension that the program needs and no axis gives, located at its first use.
    """
    dims = set(system.dims.values())
    found, out = set(), []
    for d, axis, n in axes(system):
        if n in dims and n not in found:
            found.add(n)
            out.append((n, d, axis, S.Zero, S.One))
    progress = True
    while progress:
        progress = False
        for d, axis, n in axes(system):
            unknown = (n.free_symbols & dims) - found
            if len(unknown) == 1:
                m = unknown.pop()
                rest, term = n.as_independent(m, as_Add=True)
                coeff = term / m
                if coeff.has(m) or not coeff.free_symbols <= found:
                    continue
                found.add(m)
                out.append((m, d, axis, rest, coeff))
                progress = True
    missing = needed(system) - found
    if missing:
        raise unknown_size(system, min(missing, key=str))
    return out


def bind(system, shapes):
    """``{dimension: size}`` from ``shapes`` (``{declared name: array shape}``), as :func:`sources`
    reads them; a dimension whose axis is missing, or whose sum gives no whole size > 0, is left
    out (the shape check then names the array)."""
    dims = {}
    for n, d, axis, rest, coeff in sources(system):
        shape = shapes[d.name]
        if axis < len(shape):
            value = ((Integer(shape[axis]) - rest) / coeff).xreplace(dims)
            if value.is_Integer and value > 0:
                dims[n] = value
    return dims


def needed(system):
    """The dimensions the generated program reads: in a shape, a slice, a block of a value."""
    dims = set(system.dims.values())
    out = set()
    for eq in system.equations.values():
        out |= eq.expr.free_symbols | set().union(*(S(n).free_symbols for n in eq.var.shape))
    for d, _, n in axes(system):
        out |= n.free_symbols
    return out & dims


def unknown_size(system, m):
    """The error for ``m``, at the first equation (or declaration) that writes it."""
    word = re.compile(rf"(?<![\w.]){re.escape(m.name)}(?!\w)")
    places = [*system.equations.values(), *(d for d, _, _ in axes(system))]
    for place in places:
        hit = word.search(place.source or "", place.col)
        if hit is not None:
            break
    else:
        place, hit = places[0], None
    return DefinitionError(
        f"no parameter or input has a shape that gives the size of the dimension '{m.name}', so the "
        f"generated program cannot know it; give a parameter or an input an axis of size {m.name}, "
        "or write the number in its place",
        file=system.file, line=place.line, col=hit.start() + 1 if hit else place.col, source=place.source)
