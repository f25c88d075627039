"""orderdiff: explicit and ordered (Werbos) derivatives of systems of sequential variables.

The public names load on first use (PEP 562), so that ``import orderdiff`` and
``orderdiff --help`` do not pay for sympy, networkx and NumPy; so does
:mod:`orderdiff.pytorch`, as ``orderdiff.pytorch``.

>>> import orderdiff
>>> d = orderdiff.derive(orderdiff.parse("z2 = 2*z1\\nE = z2**2"))
>>> d.total["z1"]
4*z2
"""

import importlib
import sys
import types

from .errors import (CycleError, DefinitionError, LimitError, OrderdiffError, ParseError, ProgramShapeError,
                     ShapeError, TargetError, UnknownFunctionError, UnsupportedExpressionError, ValueInputError)

__version__ = "0.1.0"

__all__ = [
    "parse", "load", "derive", "System", "Equation", "Derivation", "FormMap", "Dplus",
    "OrderdiffError", "ParseError", "UnknownFunctionError", "LimitError", "ShapeError", "DefinitionError",
    "CycleError", "TargetError", "ValueInputError", "UnsupportedExpressionError", "ProgramShapeError",
]

# The module of each name that loads on first use (the errors above cost nothing to import).
_HOME = {"parse": "api", "load": "api", "derive": "api", "System": "system", "Equation": "system",
         "Derivation": "api", "FormMap": "scalar", "Dplus": "naming"}
# The submodules that load on first use as attributes, without an import of their own.
_SUBMODULES = ("pytorch",)


def __getattr__(name):
    """Import the module of a public name on its first use, and keep the name (PEP 562)."""
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)  # the import binds it on the package
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    """The public names too, before they load."""
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))


class _Package(types.ModuleType):
    """The package's module type: ``orderdiff.parse`` and ``orderdiff.derive`` stay functions.

    Importing a submodule binds it on its package; the modules ``parse`` (the reader of
    scalar files) and ``derive`` (the sweep) share their names with the API's functions,
    so that binding is left out, and the names load from :mod:`orderdiff.api` on first use.
    """

    def __setattr__(self, name, value):
        if name in ("parse", "derive") and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
