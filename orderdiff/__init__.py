"""orderdiff: explicit and ordered (Werbos) derivatives of systems of sequential variables.

>>> import orderdiff
>>> d = orderdiff.derive(orderdiff.parse("z2 = 2*z1\\nE = z2**2"))
>>> d.total["z1"]
4*z2
"""

from .derivation import Derivation, FormMap
from .derive import derive
from .errors import (CycleError, DefinitionError, LimitError, OrderdiffError, ParseError, ShapeError,
                     TargetError, UnknownFunctionError, UnsupportedExpressionError, ValueInputError)
from .naming import Dplus
from .parse import load, parse
from .system import Equation, System

__version__ = "0.1.0"

__all__ = [
    "parse", "load", "derive", "System", "Equation", "Derivation", "FormMap", "Dplus",
    "OrderdiffError", "ParseError", "UnknownFunctionError", "LimitError", "ShapeError", "DefinitionError",
    "CycleError", "TargetError", "ValueInputError", "UnsupportedExpressionError",
]
