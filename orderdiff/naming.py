"""Every generated name comes from here: symbols for ordered derivatives, code identifiers.

``Dplus(E, z)`` stands for Werbos's ordered derivative d+E/dz inside the recursive
form of Eq. 1; generated NumPy code names values ``v<i>``, ordered derivatives
``g<i>``, partials ``p<i>`` and temporaries ``t<i>``, never a user's names.
"""

from __future__ import annotations

from collections.abc import Mapping

from sympy import Function


class Dplus(Function):
    """``Dplus(E, z)``: the ordered derivative d+E/dz, a placeholder in recursive forms.

    Examples
    --------
    >>> from orderdiff import parse, derive
    >>> d = derive(parse("z2 = 2*z1\\nE = z2**2"))
    >>> d.recursive["z1"]
    2*Dplus(E, z2)
    >>> d.recursive["z1"].subs(Dplus(d.target, d.system.resolve("z2")), d.closed["z2"])
    4*z2
    """

    nargs = 2

    @classmethod
    def eval(cls, target, var):  # safe: sympy's hook for automatic evaluation, not Python's eval
        return None


def value(i):
    return f"v{i}"


def adjoint(i):
    return f"g{i}"


def partial(i):
    return f"p{i}"


def temp(i):
    return f"t{i}"


def name_of(v):
    """The name of a variable given as ``Symbol`` or ``str`` (``str(Symbol)`` runs a printer)."""
    return v if isinstance(v, str) else getattr(v, "name", None) or str(v)


class NameMap(Mapping):
    """A read-only ``{Symbol: value}`` that also accepts a variable's name as key.

    Examples
    --------
    >>> from sympy import Symbol
    >>> m = NameMap({Symbol("x"): 1.0})
    >>> m["x"], m[Symbol("x")]
    (1.0, 1.0)
    """

    def __init__(self, data):
        self._data = dict(data)
        self._names = {name_of(k): k for k in self._data}

    def __getitem__(self, key):
        if key in self._data:
            return self._data[key]
        return self._data[self._names[name_of(key)]]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __contains__(self, key):
        return key in self._data or name_of(key) in self._names

    def __repr__(self):
        return "{" + ", ".join(f"{k}: {v!r}" for k, v in self._data.items()) + "}"
