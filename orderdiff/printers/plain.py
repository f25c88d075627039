"""Plain text of symengine expressions: readable, and read back by orderdiff and sympy.

The spelling is sympy's (``1/x``, ``-3*x/2``, ``1/(2*sqrt(x))``, ``x**(-2)`` only where a
power is all there is, ``exp(1)``), with an order that does not depend on hashes: in a
sum the number first, then the terms without a minus sign, then those with one, each by
their text; in a product the number first, then the factors by their text, sums after
them and ordered derivatives ``Dplus(E, z)`` last.
Every node's text is made once per printer.
"""

from __future__ import annotations

import sympy

from ..algebra import ADD, FUNCTION_SYMBOL, HALF, MINUS_ONE, MUL, POW, SYMBOL
from ..convert import from_sympy


class PlainPrinter:
    """``doprint(expr)``: the text of a symengine expression (a sympy one is converted)."""

    def __init__(self):
        self._texts = {}

    def doprint(self, expr):
        if isinstance(expr, sympy.Basic):
            expr = from_sympy(expr)
        return self.text(expr)

    def text(self, node):
        if node.is_Number:  # kept out of the dict: symengine's hash of large integers collides
            return number_text(node)
        text = self._texts.get(node)
        if text is None:
            text = self._texts[node] = self._compound(node)
        return text

    def _compound(self, node):
        cls = type(node)
        if cls is SYMBOL:
            return node.name
        if cls is ADD:
            return self._sum(node.args)
        if cls is MUL:
            return self._product(node.args)
        if cls is POW:
            return self._power(node)
        if cls is FUNCTION_SYMBOL:
            return f"{node.get_name()}({', '.join(self.text(a) for a in node.args)})"
        return str(node)  # a constant (pi) from a system built of sympy objects

    def _sum(self, args):
        const = [self.text(a) for a in args if a.is_Number]
        terms = sorted((self.text(a) for a in args if not a.is_Number), key=lambda t: (t[0] == "-", t))
        out = []
        for text in const + terms:
            if out:
                out.append(f" - {text[1:]}" if text[0] == "-" else f" + {text}")
            else:
                out.append(text)
        return "".join(out)

    def _product(self, args):
        c = args[0] if args[0].is_Number else None
        factors = args[1:] if c is not None else args
        sign = ""
        num, den = [], []
        if c is not None:
            if c.is_negative:
                sign, c = "-", -c
            if c.is_Rational:
                p, q = int(c.p), int(c.q)
                num += [str(p)] if p != 1 else []
                den += [str(q)] if q != 1 else []
            else:
                num.append(self.text(c))
        top, bottom = [], []
        for f in factors:
            if type(f) is POW and f.args[1].is_Number and f.args[1].is_negative:
                b, e = f.args
                bottom.append(self._base(b) if e == MINUS_ONE else self.text(b ** -e))
            else:
                top.append(f"({self.text(f)})" if type(f) is ADD else self.text(f))
        num += sorted(top, key=_factor_order)
        den += sorted(bottom, key=_factor_order)
        text = "*".join(num) or "1"
        if den:
            text += "/" + (den[0] if len(den) == 1 else "(" + "*".join(den) + ")")
        return sign + text

    def _power(self, node):
        base, exp = node.args
        if exp == HALF:
            return f"sqrt({self.text(base)})"
        if exp.is_Number and exp.is_negative:
            return self._product((node,))
        exp_text = self.text(exp)
        if not (type(exp) is SYMBOL or exp.is_Integer and not exp.is_negative):
            exp_text = f"({exp_text})"
        return f"{self._base(base)}**{exp_text}"

    def _base(self, base):
        text = self.text(base)
        simple = type(base) in (SYMBOL, FUNCTION_SYMBOL) or base.is_Integer and not base.is_negative
        return text if simple else f"({text})"


def _factor_order(text):
    """Factors by their text, sums after the others and ordered derivatives last (``x*(1 - h**2)*Dplus(E, h)``)."""
    return (2 if text.startswith("Dplus(") else 1 if text[0] == "(" else 0, text)


def number_text(x):
    if x.is_Rational:
        p, q = int(x.p), int(x.q)
        return str(p) if q == 1 else f"{p}/{q}"
    return str(x)
