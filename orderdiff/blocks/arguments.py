"""The arrays given to a block derivation's compiled function, checked against its declarations.

``f(params, inputs, init)`` (:mod:`.gradients`) takes a parameter in its declared shape,
a time-indexed input as ``(T, B, n)``, a static one as ``(B, n)`` and an initial value as
``(B, n)`` or anything that broadcasts to it. Every refusal names the array as the call
gives it (``inputs['x']``), its shape and the expected one, and where each dimension's
value came from: a dimension is bound by the first array that has it as an axis of its
own, parameters first, and T and B by the first time-indexed input.

The dtype is a floating one, and no complex array is converted to it (that would drop its
imaginary part). An input declared ``distribution`` must sum to 1 along its vector at
every step and sample: the derivation assumed it (``sum(yhat[t]) = 1`` turns the
softmax and cross-entropy adjoint ``sum(yhat) y - yhat`` into ``y - yhat``), so a call
whose data breaks it is refused rather than given a wrong gradient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy
from sympy import Integer

from ..errors import ValueInputError
from . import sizes

# The sum of a distribution input may miss 1 by the rounding of its n entries, each
# converted to the dtype, and of their sum: (8 + n) ulps of 1, at most 256.
ULPS, MAX_ULPS = 8, 256


def floating_dtype(backend, dtype):
    """``(name, machine epsilon)`` of ``dtype`` on ``backend``; anything but a floating dtype is refused.

    Raises
    ------
    ValueError
        An unknown dtype, or an integer, bool or complex one (parameters converted to an
        integer dtype would be truncated; the gradient of a real loss is real).
    """
    name = dtype if isinstance(dtype, str) else _dtype_name(dtype)
    found = _lookup(backend, name)
    if found is None:
        raise ValueError(f"unknown dtype {name!r} for {backend}; choose a floating dtype such as "
                         "'float64' or 'float32'")
    kind, eps = found
    if kind != "floating":
        why = ("the loss and its gradients are real" if kind == "complex" else
               "parameters and inputs converted to it would be truncated")
        raise ValueError(f"lambdify needs a floating dtype such as 'float64' or 'float32', not {name!r}: {why}")
    return name, eps


def _dtype_name(dtype):
    try:
        return numpy.dtype(dtype).name
    except TypeError:
        return str(dtype).removeprefix("torch.")


def _lookup(backend, name):
    """``(kind, eps)`` of the dtype named ``name`` on ``backend`` (kind ``'floating'``, ``'complex'``
    or ``'other'``; eps None but for a floating one), or None if the backend has no such dtype."""
    if backend == "torch":
        import torch

        dt = getattr(torch, name, None)
        if not isinstance(dt, torch.dtype):
            return None
        if dt.is_floating_point:
            return "floating", torch.finfo(dt).eps
        return ("complex" if dt.is_complex else "other"), None
    if backend == "jax":
        import jax.numpy as module
    else:
        module = numpy
    try:
        dt = module.dtype(name)
    except TypeError:
        return None
    if module.issubdtype(dt, module.floating):
        return "floating", float(module.finfo(dt).eps)
    return ("complex" if module.issubdtype(dt, module.complexfloating) else "other"), None


def label(d):
    """How the call names the array of declaration ``d``: ``params['W']``, ``inputs['x']``."""
    return f"{'params' if d.kind == 'param' else 'inputs'}['{d.name}']"


def lead_axes(d):
    """The names of the leading axes of ``d``'s array: none, ``(B,)`` or ``(T, B)``."""
    return () if d.kind == "param" else ("T", "B") if d.timed else ("B",)


def is_complex(x):
    dtype = getattr(x, "dtype", None)
    if dtype is not None and hasattr(dtype, "is_complex"):  # a torch dtype
        return bool(dtype.is_complex)
    return bool(numpy.iscomplexobj(x))


def converted(value, where, asarray, dtype):
    """``value`` as the backend's array of ``dtype``; a complex or non-numeric value is refused."""
    if is_complex(value):
        kind = str(getattr(value, "dtype", None) or numpy.asarray(value).dtype).removeprefix("torch.")
        raise ValueInputError(f"{where} is complex ({kind}); lambdify computes in the real dtype {dtype} and "
                              "would drop the imaginary part: pass its real part (or its magnitude) if "
                              "that is what you mean")
    try:
        return asarray(value)
    except (TypeError, ValueError, RuntimeError) as e:
        raise ValueInputError(f"{where} cannot be converted to an array of {dtype}: {e}") from None


def arrays(given, decls, what, asarray, dtype):
    """The arrays of ``given`` in declaration order; a missing or unknown name is an error."""
    if not isinstance(given, Mapping):
        raise ValueInputError(f"{what} must be a dict of arrays by name, not {type(given).__name__}")
    names = [d.name for d in decls]
    listing = f"(the {what} are {', '.join(names) or 'none'})"
    missing = [n for n in names if n not in given]
    if missing:
        raise ValueInputError(f"missing {what}['{missing[0]}'] {listing}")
    unknown = [k for k in given if k not in names]
    if unknown:
        raise ValueInputError(f"unknown {what}: {', '.join(map(str, unknown))} {listing}")
    return [converted(given[d.name], label(d), asarray, dtype) for d in decls]


@dataclass
class Bound:
    """What the arrays of one call give: ``{dimension: (size, array, its shape)}``, and T and B so."""

    dims: dict
    outer: dict  # {'T' or 'B': (size, array, its shape)}
    known: dict = field(default_factory=dict)  # {shape: its sizes}, for the calls with these arrays' shapes

    def get(self, name, default=None):
        return self.outer[name][0] if name in self.outer else default

    def sizes(self, shape):
        """``shape`` with the bound dimensions: an int for each, or None where it is unknown."""
        if shape not in self.known:
            values = {n: Integer(v[0]) for n, v in self.dims.items()}
            self.known[shape] = tuple(None if n.free_symbols else int(n)
                                      for n in (n.xreplace(values) for n in shape))
        return self.known[shape]


def shape_text(a):
    return str(tuple(int(n) for n in a.shape))


def check_shapes(system, given):
    """Every parameter and input array against its declared shape.

    The number of axes first, then the declared dimensions (each bound by the first array
    with it as a whole axis, parameters first; then each solved from a sum or a multiple,
    as the program reads it), then T and B across the inputs. Returns
    a :class:`Bound`. Raises :class:`ValueInputError` naming the array, its shape, the
    expected one and where the values of its dimensions came from.
    """
    decls = [*system.params, *system.inputs]
    for d, a in zip(decls, given):
        if a.ndim != len(lead_axes(d)) + len(d.shape):
            raise ValueInputError(f"{label(d)} has shape {shape_text(a)}, {a.ndim} axes; expected "
                                  f"{len(lead_axes(d)) + len(d.shape)}: ({names_of(d)})" + input_hint(d))
    dims = {}
    for d, a in zip(decls, given):
        for n, size in zip(d.shape, a.shape[len(lead_axes(d)):]):
            if n.is_Symbol and n not in dims:
                dims[n] = (int(size), label(d), shape_text(a))
    # then those the program solves from a sum or a multiple (input x[t]: n + m), as it reads them
    arrays_of = {d.name: a for d, a in zip(decls, given)}
    solved = sizes.bind(system, {name: tuple(a.shape) for name, a in arrays_of.items()})
    for n, d, *_ in sizes.sources(system):
        if n in solved and n not in dims:
            dims[n] = (int(solved[n]), label(d), shape_text(arrays_of[d.name]))
    good = [(d, a) for d, a in zip(decls, given) if not core_mismatch(d, a, dims)]
    outer = outer_sizes([(d, a) for d, a in good if d.kind == "input"])
    for d, a in zip(decls, given):
        if core_mismatch(d, a, dims):
            raise ValueInputError(mismatch_message(d, a, dims, outer))
    for d, a in zip(decls, given):
        if any(outer[n][0] != int(s) for n, s in zip(lead_axes(d), a.shape) if n in outer):
            swapped = d.timed and "B" in outer and outer["T"][1] == outer["B"][1] and \
                tuple(int(n) for n in a.shape[:2]) == (outer["B"][0], outer["T"][0])
            hint = (f"; the T and B axes of {label(d)} or of {outer['T'][1]} look swapped"
                    if swapped else "")
            raise ValueInputError(mismatch_message(d, a, dims, outer, hint))
    return Bound(dims, outer)


def names_of(d):
    return ", ".join([*lead_axes(d), *(str(n) for n in d.shape)])


def input_hint(d):
    if d.kind == "param":
        return ""
    return ("; a time-indexed input is (T, B, ...): time first, then the batch" if d.timed
            else "; an input without [t] is (B, ...): the batch first")


def expected_core(d, dims):
    """The sizes ``d``'s declared shape has with ``dims`` bound: an int, or None where unknown."""
    values = {n: Integer(v[0]) for n, v in dims.items()}
    out = []
    for n in d.shape:
        n = n.xreplace(values)
        out.append(None if n.free_symbols else int(n))
    return out


def core_mismatch(d, a, dims):
    want = expected_core(d, dims)
    return any(w is not None and w != int(g) for w, g in zip(want, a.shape[len(lead_axes(d)):]))


def outer_sizes(inputs):
    """``{'T': (size, array, shape), 'B': ...}`` from the first inputs that have each axis."""
    outer = {}
    for d, a in inputs:
        for n, size in zip(lead_axes(d), a.shape):
            outer.setdefault(n, (int(size), label(d), shape_text(a)))
    return outer


def mismatch_message(d, a, dims, outer, hint=None):
    """``W has shape (4, 8); expected (n_h, n_h + n_x) = (4, 7) with n_h = 4 from ..., ...``."""
    lead = lead_axes(d)
    want = [outer[n][0] if n in outer else None for n in lead] + expected_core(d, dims)
    shown = ", ".join("?" if w is None else str(w) for w in want)
    used = [n for n in lead if n in outer] + sorted({s for n in d.shape for s in n.free_symbols if s in dims},
                                                     key=str)
    sources = {}
    for n in used:
        size, *where = outer[n] if isinstance(n, str) else dims[n]
        sources.setdefault(tuple(where), []).append(f"{n} = {size}")
    whence = "; ".join(f"{' and '.join(v)} from {name} of shape {shape}" for (name, shape), v in sources.items())
    text = f"{label(d)} has shape {shape_text(a)}; expected ({names_of(d)}) = ({shown})"
    hint = permutation_hint(d, a, want) if hint is None else hint + input_hint(d)
    return text + (f", with {whence}" if whence else "") + hint


def permutation_hint(d, a, want):
    """Where ``a``'s axes match the expected sizes in another order: the order they look like."""
    names = [*lead_axes(d), *(str(n) for n in d.shape)]
    order = looks_like([int(n) for n in a.shape], want, names)
    if order is None or order == names:
        return input_hint(d)
    return f"; it looks like ({', '.join(order)}): transpose it to ({', '.join(names)})" + input_hint(d)


def looks_like(got, want, names):
    """The names of the axes of ``got``, each known size of ``want`` matched to the one axis of
    that size and the unknown ones in their order; None where a size matches no axis or several."""
    order = [None] * len(got)
    for w, name in zip(want, names):
        if w is None:
            continue
        hits = [i for i, g in enumerate(got) if g == w]
        if len(hits) != 1 or order[hits[0]] is not None:
            return None
        order[hits[0]] = name
    rest = iter([name for w, name in zip(want, names) if w is None])
    return [o if o is not None else next(rest) for o in order]


def check_distributions(system, given, eps):
    """Refuse an input declared ``distribution`` whose vectors do not sum to 1 (see the module)."""
    for d, a in zip(system.inputs, given):
        if not d.distribution or 0 in tuple(a.shape):
            continue
        n = int(a.shape[-1])
        tol = min(ULPS + n, MAX_ULPS) * eps
        plain = a.detach() if hasattr(a, "detach") else a  # a tensor that requires its gradient
        gap = float(abs(plain.sum(-1) - 1.0).max())
        if not gap <= tol:
            raise ValueInputError(distribution_message(d, host(a), tol), file=system.file)


def host(a):
    """``a`` as a NumPy array (a PyTorch tensor or a JAX array copied to the host)."""
    return a.detach().cpu().numpy() if hasattr(a, "detach") else numpy.asarray(a)


def distribution_message(d, a, tol):
    sums = a.astype(numpy.float64).sum(-1)
    bad = numpy.argwhere(~(numpy.abs(sums - 1.0) <= tol))
    first = tuple(int(i) for i in bad[0])
    at = f"step t = {first[0] + 1}, sample {first[1]}" if d.timed else f"sample {first[0]}"
    return (f"{label(d)} is declared 'distribution' (line {d.line}), but its entries at {at} sum to "
            f"{sums[first]:.17g}, not 1 to within {tol:.2g} ({len(bad)} of {sums.size} vectors miss it): the "
            f"derivation simplified sum({d.name}) to 1, so its gradient would be wrong here; normalise "
            f"{d.name}, or remove 'distribution' from its declaration for the general form")


def initial_values(system, init, bound, asarray, dtype):
    """The initial values of ``init`` (or their fill numbers) in slot order, each shape-checked."""
    if init is None:
        init = {}
    if not isinstance(init, Mapping):
        raise ValueInputError(f"init must be a dict of arrays by name ('h' or 'h[0]'), not {type(init).__name__}")
    slots = system.given_inits()
    keys = {f"{name}[{s}]": (name, s) for name, s in slots}
    keys.update({name: (name, 0) for name, s in slots if s == 0})
    unknown = [k for k in init if k not in keys]
    given_by = {k: leaf for name, s, leaf in system.inits_given_by() for k in (f"{name}[{s}]", name)}
    taken = [k for k in unknown if k in given_by]
    if taken:
        leaf = system.declarations[given_by[taken[0]]]
        where, kind = ("params", "parameter") if leaf.kind == "param" else ("inputs", "input")
        raise ValueInputError(f"init['{taken[0]}'] is not taken: the file sets it to the {kind} "
                              f"'{leaf.name}' (line {leaf.line}); give {where}['{leaf.name}'] instead")
    if unknown:
        known = ", ".join(f"'{k}'" for k in keys) or "none: the file declares no initial value"
        raise ValueInputError(f"unknown init: {', '.join(map(repr, unknown))} (the initial values are {known})")
    chosen = {}
    for key in init:
        if keys[key] in chosen:
            raise ValueInputError(f"init gives {keys[key][0]}[{keys[key][1]}] twice, as "
                                  f"'{chosen[keys[key]]}' and '{key}'; give one")
        chosen[keys[key]] = key
    return [initial(system, name, s, init, chosen.get((name, s)), bound, asarray, dtype) for name, s in slots]


def initial(system, name, s, init, key, bound, asarray, dtype):
    if key is None:
        return system.inits[name][s].fill
    a = converted(init[key], f"init['{key}']", asarray, dtype)
    want = (bound.get("B"), *bound.sizes(tuple(system.shape(name))))
    got = tuple(int(n) for n in a.shape)
    fits = len(got) <= len(want) and all(g in (1, w) or w is None
                                         for g, w in zip(reversed(got), reversed(want)))
    if not fits:
        shown = ", ".join("?" if w is None else str(w) for w in want)
        whence = (", with B = {} from {} of shape {}".format(*bound.outer["B"]) if "B" in bound.outer else "")
        T = bound.outer.get("T")
        swapped = (f"; {T[1]} of shape {T[2]} may be (B, T, ...): a time-indexed input is (T, B, ...)"
                   if T and len(got) == len(want) and got[0] == T[0] != want[0] else "")
        raise ValueInputError(f"init['{key}'] has shape {got}; expected (B, {', '.join(map(str, system.shape(name)))}) "
                              f"= ({shown}){whence}, or a shape that broadcasts to it{swapped}")
    return a
