"""Every generated name comes from here: symbols for ordered derivatives, code identifiers.

``Dplus(E, z)`` stands for Werbos's ordered derivative d+E/dz inside the recursive
form of Eq. 1; generated NumPy code names values ``v<i>``, ordered derivatives
``g<i>``, partials ``p<i>`` and temporaries ``t<i>``, never a user's names.
"""

from __future__ import annotations

import builtins
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

    With ``compute``, ``data`` is just the keys and each value is ``compute(key)``, built on
    first access (a derivation of a large system builds only what is read).

    Examples
    --------
    >>> from sympy import Symbol
    >>> m = NameMap({Symbol("x"): 1.0})
    >>> m["x"], m[Symbol("x")]
    (1.0, 1.0)
    >>> NameMap([Symbol("y")], compute=lambda v: v.name * 2)["y"]
    'yy'
    """

    def __init__(self, data, compute=None):
        if compute is None:
            self._data = dict(data)
            self._keys = self._data
        else:
            self._data = {}
            self._keys = dict.fromkeys(data)
        self._compute = compute
        self._names = None

    def _key(self, key):
        if key in self._keys:
            return key
        if self._names is None:
            self._names = {name_of(k): k for k in self._keys}
        return self._names[name_of(key)]

    def __getitem__(self, key):
        if key in self._data:
            return self._data[key]
        key = self._key(key)
        if key not in self._data:
            self._data[key] = self._compute(key)
        return self._data[key]

    def __iter__(self):
        return iter(self._keys)

    def __len__(self):
        return len(self._keys)

    def __contains__(self, key):
        try:
            self._key(key)
        except (KeyError, TypeError):
            return False
        return True

    def __repr__(self):
        return "{" + ", ".join(f"{k}: {self[k]!r}" for k in self._keys) + "}"


# The builtins a generated program may call; it binds none of Python's own names.
# "_" is left out: an interactive session puts it among the builtins.
CALLED_BUILTINS = frozenset({"ValueError", "dict", "float", "list", "print", "range", "reversed", "tuple", "zip"})
PYTHON_NAMES = frozenset(dir(builtins)) - {"_"} | {"__builtins__", "__file__", "__cached__", "__annotations__"}
