"""Equation lines to fast forms (:mod:`orderdiff.partials`) without sympy, or ``None``.

A second recursive descent, over plain token strings, with the grammar of
:class:`orderdiff.parse.Parser`. A line it does not vouch for -- an error, a number to
evaluate, terms sympy might combine -- is left to that parser, so errors and the sympy
expressions built later are exactly the parser's.
"""

from __future__ import annotations

import functools
import keyword
import re
from fractions import Fraction

from .functions import FUNCTIONS
from .limits import MAX_LITERAL_DIGITS, MAX_NESTING
from .partials import Fallback, call, plus, power, symbol, times

FAST_TOKEN = re.compile(r"[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
                        r"|[A-Za-z_][A-Za-z0-9_]*|\*\*|\S")
KEYWORDS = frozenset(keyword.kwlist)
NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
NUMBER_START = frozenset("0123456789.")
MINUS_ONE, HALF = -1, Fraction(1, 2)


def read_fast(lines):
    """For each logical line, ``(name, offset, fast form, rhs, names used)`` or ``None``."""
    out, numbers = [], {}
    for line in lines:
        try:
            out.append(_FastLine(line.text, numbers).equation())
        except (Fallback, IndexError, RecursionError):
            out.append(None)
    return out


class _FastLine:
    """One line's tokens to a fast form, or :class:`Fallback` (see :class:`Parser` for the grammar)."""

    def __init__(self, text, numbers):
        self.text, self.numbers, self.uses = text, numbers, []
        self.t = FAST_TOKEN.findall(text)
        self.t.append("")
        self.i = 0

    def equation(self):
        t = self.t
        name = t[0]
        if t[1] != "=" or name[:1] not in NAME_START or name in FUNCTIONS or name in KEYWORDS:
            raise Fallback
        self.i = 2
        form = self.sum(0)
        if t[self.i] != "":
            raise Fallback
        text = self.text
        rhs = " ".join(text.split("=", 1)[1].split())
        return name, len(text) - len(text.lstrip()), form, rhs, self.uses

    def sum(self, depth):
        terms = [self.product(depth)]
        t = self.t
        while t[self.i] in ("+", "-"):
            sign = t[self.i]
            self.i += 1
            term = self.product(depth)
            terms.append(times(MINUS_ONE, term) if sign == "-" else term)
        return terms[0] if len(terms) == 1 else plus(terms)

    def product(self, depth):
        value = self.unary(depth)
        t = self.t
        while t[self.i] in ("*", "/"):
            op = t[self.i]
            self.i += 1
            rhs = self.unary(depth)
            if op == "/":
                if rhs.__class__ is not tuple and rhs == 0:
                    raise Fallback
                rhs = _reciprocal(rhs) if rhs.__class__ is int else power(rhs, MINUS_ONE)
            value = times(value, rhs)
        return value

    def unary(self, depth):
        tok = self.t[self.i]
        if tok == "-" or tok == "+":
            if depth >= MAX_NESTING:
                raise Fallback
            self.i += 1
            operand = self.unary(depth + 1)
            return times(MINUS_ONE, operand) if tok == "-" else operand
        base = self.atom(depth)
        if self.t[self.i] not in ("**", "^"):
            return base
        if depth >= MAX_NESTING:
            raise Fallback
        self.i += 1
        return power(base, self.unary(depth + 1))

    def atom(self, depth):
        tok = self.t[self.i]
        self.i += 1
        first = tok[:1]
        if first in NUMBER_START:
            return self.number(tok)
        if first in NAME_START:
            if tok in KEYWORDS:
                raise Fallback
            if self.t[self.i] == "(":
                rule = FUNCTIONS.get(tok)
                if rule is None or depth >= MAX_NESTING:
                    raise Fallback
                self.i += 1
                arg = self.sum(depth + 1)
                if self.t[self.i] != ")":
                    raise Fallback
                self.i += 1
                return power(arg, HALF) if rule.name == "sqrt" else call(rule.cls, arg)
            if tok in FUNCTIONS:
                raise Fallback
            self.uses.append(tok)
            return symbol(tok)
        if tok == "(" and depth < MAX_NESTING:
            value = self.sum(depth + 1)
            if self.t[self.i] != ")":
                raise Fallback
            self.i += 1
            return value
        raise Fallback

    def number(self, literal):
        value = self.numbers.get(literal)
        if value is None:
            value = self.numbers[literal] = exact_number(literal)
        return value


@functools.lru_cache(maxsize=256)
def _reciprocal(n):
    return Fraction(1, n)


def exact_number(literal):
    """The exact value of a number literal, as :meth:`Parser.number` reads it."""
    mantissa, _, exponent = literal.lower().partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    if not digits:
        return 0
    if len(digits) > MAX_LITERAL_DIGITS or len(exponent.lstrip("+-0")) > 6:
        raise Fallback
    scale = int(exponent or 0) - len(frac)
    if abs(scale + len(digits)) > MAX_LITERAL_DIGITS:
        raise Fallback
    value = Fraction(int(digits), 10 ** -scale) if scale < 0 else int(digits) * 10 ** scale
    return value.numerator if value.denominator == 1 else value
