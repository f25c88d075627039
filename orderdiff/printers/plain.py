"""sympy's str printer without its assumption queries: fast, sympy-readable text.

sympy's ``StrPrinter`` decides signs and parentheses by asking each product whether
it could extract a minus sign, which costs assumption queries per node and
dominates printing on large systems. This printer reads signs off the numeric
coefficient only and prints terms in sympy's internal order.
"""

from __future__ import annotations

from sympy import Add, Basic, Mul, Number, Pow, Rational, S
from sympy.printing.str import StrPrinter


class PlainPrinter(StrPrinter):
    """``str(expr)`` for orderdiff's expressions, readable back by sympy."""

    def __init__(self, settings=None):
        super().__init__({"order": "none", **(settings or {})})
        self._texts = {}

    def _print(self, expr, **kwargs):
        """Each expression's text is made once: a node's text depends on the node alone (its
        parent adds any brackets), and recursive forms repeat their partials."""
        if kwargs or not isinstance(expr, Basic):
            return super()._print(expr, **kwargs)
        text = self._texts.get(expr)
        if text is None:
            text = self._texts[expr] = super()._print(expr)
        return text

    def _print_Add(self, expr, order=None):
        out = []
        for term in expr.args:
            text = self._print(term)
            if out:
                out.append(f" - {text[1:]}" if text.startswith("-") else f" + {text}")
            else:
                out.append(text)
        return "".join(out)

    def _print_Mul(self, expr):
        c, factors = expr.as_coeff_mul()
        sign = "-" if negative(c) else ""
        c = -c if sign else c
        num, den = [], []
        if isinstance(c, Rational):
            num += [str(c.p)] if c.p != 1 else []
            den += [str(c.q)] if c.q != 1 else []
        else:
            num.append(self._print(c))
        for f in factors:
            if isinstance(f, Pow) and negative(f.exp):
                den.append(self.base_text(f.base) if f.exp == -1 else self._print(inverted(f)))
            else:
                num.append(self.factor_text(f))
        text = "*".join(num) or "1"
        if den:
            text += "/" + (den[0] if len(den) == 1 else "(" + "*".join(den) + ")")
        return sign + text

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.args
        if exp == S.Half:
            return f"sqrt({self._print(base)})"
        if negative(exp):
            return self._print_Mul(Mul(S.One, expr, evaluate=False))
        exp_text = self._print(exp)
        if not (exp.is_Symbol or (exp.is_Integer and exp >= 0)):
            exp_text = f"({exp_text})"
        return f"{self.base_text(base)}**{exp_text}"

    def _print_Exp1(self, expr):
        return "exp(1)"  # 'E' would read as a variable of the system

    def base_text(self, base):
        text = self._print(base)
        simple = base.is_Symbol or base.is_Function or (base.is_Integer and base >= 0)
        return text if simple else f"({text})"

    def factor_text(self, f):
        text = self._print(f)
        return f"({text})" if isinstance(f, Add) else text


def inverted(f):
    """``Pow(f.base, -f.exp)``, without its evaluation where that would change nothing: a sum
    of terms with exact coefficients in symbols without assumptions, to an exact power (sympy
    rewrites a power of a sum only for a number, a float coefficient, or an infinite term;
    the queries that rule those out cost most of printing a large system)."""
    b, e = f.base, -f.exp
    if b.is_Add and e.is_Rational and not b.is_number and all(
            not a.as_coeff_Mul()[0].is_Float for a in b.args) and all(
            n.is_Rational for n in b.atoms(Number)) and all(
            s.assumptions0 == PLAIN for s in b.free_symbols):
        return Pow(b, e, evaluate=False)
    return Pow(b, e)


PLAIN = {"commutative": True}


def negative(x):
    """Whether ``x`` is a negative number, without sympy's assumption system."""
    if isinstance(x, Rational):
        return x.p < 0
    return x.is_Number and float(x) < 0
