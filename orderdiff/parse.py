"""Equation-file text to a :class:`~orderdiff.system.System`, never evaluating the text.

The file is UTF-8, one ``name = expression`` per line; ``#`` starts a comment and a
line ending in ``\\`` continues on the next. Expressions are read by a small
recursive-descent parser (numbers, names, ``+ - * /``, ``**`` or ``^``, unary minus,
parentheses and calls of the functions in :mod:`orderdiff.functions`) that builds
the expression from the tokens, never from text handed to a parser: symengine objects
for a scalar file (:class:`ScalarParser`, :mod:`orderdiff.algebra`), sympy objects for
the scalars of a block file (:class:`Parser`); :mod:`orderdiff.lexer` owns the line
and column numbers.
"""

from __future__ import annotations

import functools

from sympy import Add, Integer, S, Symbol

from . import algebra
from .errors import LimitError, ParseError, UnknownFunctionError, did_you_mean
from .functions import FUNCTIONS, build
from .lexer import tokenize
from .limits import MAX_LITERAL_DIGITS, MAX_NESTING, TooLarge, check_power
from .system import Equation, System

INVALID_RESULTS = (S.ComplexInfinity, S.NaN, S.Infinity, S.NegativeInfinity)


class Parser:
    """Recursive descent over one logical line's tokens, building sympy objects.

    The grammar and every error message live here; :class:`ScalarParser` builds the same
    expressions as symengine objects.
    """

    def __init__(self, line, symbols):
        self.line = line
        self.tokens = tokenize(line)
        self.i = 0
        self.symbols = symbols
        self.uses = []  # (name, offset) of every variable referenced

    @property
    def tok(self):
        return self.tokens[self.i]

    def error(self, message, pos=None, cls=ParseError, **kw):
        return self.line.error(cls, message, self.tok.pos if pos is None else pos, **kw)

    def expect(self, text, what):
        if self.tok.text != text:
            raise self.error(f"expected {what}, found {self.describe(self.tok)}")
        self.i += 1

    @staticmethod
    def describe(tok):
        return "end of line" if tok.kind == "end" else repr(tok.text)

    def equation(self):
        """``name = expression`` → (name, offset of name, expression)."""
        head = self.tok
        if head.kind != "name" or self.tokens[self.i + 1].text != "=":
            if head.kind == "name" or "=" in (t.text for t in self.tokens):
                if head.kind != "name":
                    raise self.error("the left side of an equation must be a variable name")
                raise self.error("expected '=' after the variable name",
                                 self.tokens[self.i + 1].pos)
            raise self.error("expected an equation 'name = expression'")
        if head.text in FUNCTIONS:
            raise self.error(f"'{head.text}' is the name of a function; choose another variable name")
        self.i += 2
        expr = self.sum(0)
        if self.tok.kind != "end":
            raise self.error(self.trailing_message())
        rhs = " ".join(self.line.text[self.tokens[2].pos:].split())
        return head.text, head.pos, expr, rhs

    def trailing_message(self):
        tok = self.tok
        if tok.text == "=":
            return "unexpected '=': one equation per line, 'name = expression'"
        if tok.text == ")":
            return "unmatched ')'"
        if tok.kind in ("name", "number") or tok.text == "(":
            return f"missing operator before {self.describe(tok)}"
        return f"unexpected {self.describe(tok)}"

    def sum(self, depth):
        terms = [self.product(depth)]
        while self.tok.text in ("+", "-"):
            sign = self.tok.text
            self.i += 1
            term = self.product(depth)
            terms.append(-term if sign == "-" else term)
        return terms[0] if len(terms) == 1 else self.checked(self.add(terms), self.tok.pos)

    @staticmethod
    def add(terms):
        return Add(*terms)

    def product(self, depth):
        expr = self.unary(depth)
        while self.tok.text in ("*", "/"):
            op = self.tokens[self.i]
            self.i += 1
            rhs = self.unary(depth)
            if op.text == "/":
                if rhs.is_zero:
                    raise self.error("division by zero", op.pos)
                expr = expr / rhs
            else:
                expr = expr * rhs
            expr = self.checked(expr, op.pos)
        return expr

    def unary(self, depth):
        if self.tok.text in ("-", "+"):
            sign = self.tok.text
            self.nest(depth)
            self.i += 1
            operand = self.unary(depth + 1)
            return self.negate(operand) if sign == "-" else operand
        return self.power(depth)

    @staticmethod
    def negate(x):
        return -x

    def operand(self, depth):
        """What a power's base is: an atom (block files add slices after it)."""
        return self.atom(depth)

    def power(self, depth):
        base = self.operand(depth)
        if self.tok.text not in ("**", "^"):
            return base
        op = self.tok
        self.nest(depth)
        self.i += 1
        return self.raised(base, self.unary(depth + 1), op)

    def raised(self, base, exp, op):
        """``base ** exp`` for the operator token ``op``, checked."""
        if base.is_zero and exp.is_Number and exp.is_negative:
            raise self.error("division by zero (0 to a negative power)", op.pos)
        try:
            check_power(base, exp)
        except TooLarge as e:
            raise self.error(str(e), op.pos, cls=LimitError) from None
        return self.checked(base ** exp, op.pos, f"{base}**{exp}")

    def atom(self, depth):
        tok = self.tok
        if tok.kind == "number":
            self.i += 1
            return self.number(tok)
        if tok.kind == "name":
            self.i += 1
            if self.tok.text == "(":
                return self.call(tok, depth)
            if tok.text in FUNCTIONS:
                raise self.error(f"'{tok.text}' is a function; call it as {tok.text}(...)", tok.pos)
            self.uses.append((tok.text, tok.pos))
            return self.symbols(tok.text)
        if tok.text == "(":
            self.nest(depth)
            self.i += 1
            expr = self.sum(depth + 1)
            self.expect(")", "')'")
            return expr
        if tok.kind == "end":
            raise self.error("expected an expression, found end of line")
        raise self.error(f"expected an expression, found {self.describe(tok)}")

    def call(self, name, depth):
        rule = FUNCTIONS.get(name.text)
        if rule is None:
            hint = did_you_mean(name.text, FUNCTIONS)
            raise self.error(f"unknown function '{name.text}'{hint}", name.pos, cls=UnknownFunctionError,
                             notes=["  known functions: " + ", ".join(FUNCTIONS)])
        self.nest(depth)
        self.i += 1
        args = self.arguments(name, depth)
        if len(args) != 1:
            raise self.error(f"{name.text}() takes exactly one argument ({len(args)} given)", name.pos)
        arg = args[0]
        if not arg.is_Number:
            return build(name.text, arg)
        value = self.checked(rule.sympy(arg), name.pos, f"{name.text}({arg})")
        return value if value.is_Rational else build(name.text, arg)  # exp(1) stays exp(1)

    def arguments(self, name, depth):
        """The comma-separated arguments of a call, up to and including its ')'."""
        args = []
        while self.tok.text != ")":
            if self.tok.kind == "end":
                raise self.error(f"expected ')' to close the call of {name.text}")
            if args:
                self.expect(",", "',' or ')'")
            if self.tok.kind == "name" and self.tokens[self.i + 1].text == "=":
                raise self.error("keyword arguments are not supported")
            args.append(self.sum(depth + 1))
        self.i += 1
        return args

    def number(self, tok):
        mantissa, _, exponent = tok.text.lower().partition("e")
        whole, _, frac = mantissa.partition(".")
        digits = (whole + frac).lstrip("0")
        if not digits:
            return S.Zero
        too_long = len(digits) > MAX_LITERAL_DIGITS or len(exponent.lstrip("+-0")) > 6
        scale = 0 if too_long else int(exponent or 0) - len(frac)
        if too_long or abs(scale + len(digits)) > MAX_LITERAL_DIGITS:
            raise self.error(f"number too large, too small or too long (orderdiff reads numbers "
                             f"exactly, up to {MAX_LITERAL_DIGITS} digits)",
                             tok.pos, cls=LimitError)
        value = Integer(int(digits))
        return value * Integer(10) ** scale if scale else value

    def nest(self, depth, pos=None):
        if depth >= MAX_NESTING:
            raise self.error(f"expression nested too deeply (more than {MAX_NESTING} levels)", pos,
                             cls=LimitError)

    def checked(self, expr, pos, what="this"):
        """``expr``, unless it is infinite, undefined, or (for numbers) not real."""
        if expr in INVALID_RESULTS or (expr.is_Mul and S.ComplexInfinity in expr.args):
            raise self.error(f"{what} is not a finite number", pos)
        if expr.is_number and expr.is_extended_real is False:
            raise self.error(f"{what} is not a real number ({expr}); orderdiff works over the reals", pos)
        return expr


@functools.lru_cache(maxsize=4096)
def exact_literal(text):
    """The exact symengine number of a number literal as :meth:`Parser.number` reads it, or
    ``None`` where that refuses it (literals repeat in a file: each is read once)."""
    mantissa, _, exponent = text.lower().partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    if not digits:
        return algebra.ZERO
    if len(digits) > MAX_LITERAL_DIGITS or len(exponent.lstrip("+-0")) > 6:
        return None
    scale = int(exponent or 0) - len(frac)
    if abs(scale + len(digits)) > MAX_LITERAL_DIGITS:
        return None
    if scale >= 0:
        return algebra.Integer(int(digits) * 10**scale)
    return algebra.Rational(int(digits), 10**-scale)


class ScalarParser(Parser):
    """The grammar of :class:`Parser`, building symengine objects (:mod:`orderdiff.algebra`)."""

    @staticmethod
    def add(terms):
        return algebra.Add(*terms)

    @staticmethod
    def negate(x):
        return algebra.times(algebra.MINUS_ONE, x)

    # The grammar of Parser, with its common paths written out (a token is a (kind, text, pos)
    # tuple); everything else, and every error, goes to Parser's methods. Every operand is a
    # finite real (numbers, calls and powers are checked where they are built), and sums and
    # products of those are too: only a number result is checked again, cheaply.
    def sum(self, depth):
        tokens = self.tokens
        terms = [self.product(depth)]
        while tokens[self.i][1] in ("+", "-"):
            sign = tokens[self.i][1]
            self.i += 1
            term = self.product(depth)
            terms.append(self.negate(term) if sign == "-" else term)
        if len(terms) == 1:
            return terms[0]
        expr = algebra.Add(*terms)
        return self.checked(expr, tokens[self.i][2]) if expr.is_Number else expr

    def product(self, depth):
        tokens = self.tokens
        expr = self.unary(depth)
        while tokens[self.i][1] in ("*", "/"):
            op = tokens[self.i]
            self.i += 1
            rhs = self.unary(depth)
            if op[1] == "/":
                if rhs.is_zero:
                    raise self.error("division by zero", op[2])
                rhs = rhs ** algebra.MINUS_ONE
            expr = algebra.times(expr, rhs)
            if expr.is_Number:
                expr = self.checked(expr, op[2])
        return expr

    def unary(self, depth):
        text = self.tokens[self.i][1]
        return super().unary(depth) if text == "-" or text == "+" else self.power(depth)

    def power(self, depth):
        base = self.atom(depth)
        op = self.tokens[self.i]
        if op[1] != "**" and op[1] != "^":
            return base
        self.nest(depth)
        self.i += 1
        return self.raised(base, self.unary(depth + 1), op)

    def atom(self, depth):
        tokens, i = self.tokens, self.i
        kind, text, pos = tokens[i]
        if kind == "number":
            self.i = i + 1
            return self.number(tokens[i])
        if kind == "name" and tokens[i + 1][1] != "(" and text not in FUNCTIONS:
            self.i = i + 1
            self.uses.append((text, pos))
            return self.symbols(text)
        return super().atom(depth)

    def call(self, name, depth):
        rule = FUNCTIONS.get(name.text)
        if rule is None:
            return super().call(name, depth)  # the unknown-function error
        self.nest(depth)
        self.i += 1
        args = self.arguments(name, depth)
        if len(args) != 1:
            raise self.error(f"{name.text}() takes exactly one argument ({len(args)} given)", name.pos)
        arg = args[0]
        if name.text == "sqrt":
            return self.checked(arg ** algebra.HALF, name.pos, f"sqrt({arg})")
        if not arg.is_Number or not rule.folds:
            return algebra.call(name.text, arg)
        value = self.checked(rule.exact(arg), name.pos, f"{name.text}({arg})")
        return value if value.is_Rational else algebra.call(name.text, arg)  # exp(1) stays exp(1)

    def number(self, tok):
        value = exact_literal(tok.text)
        if value is None:
            super().number(tok)  # the error
        return value

    def checked(self, expr, pos, what="this"):
        """``expr``, unless it is infinite, undefined, or (for numbers) not real."""
        if expr.is_Number or not expr.free_symbols:
            if expr in algebra.INVALID or (expr.is_Mul and algebra.INVALID[0] in expr.args):
                raise self.error(f"{what} is not a finite number", pos)
            if not algebra.is_real_number(expr):
                raise self.error(f"{what} is not a real number ({expr}); orderdiff works over the reals", pos)
        return expr  # operations on finite operands give infinities only in the cases above


def scalar_system(lines, file):
    """The :class:`System` of the logical ``lines`` of a scalar equation file (see
    :func:`orderdiff.api.parse`)."""
    symbols, cores = {}, {}  # the system's sympy Symbol and symengine symbol of each name

    def core_symbol(name):
        s = cores.get(name)
        if s is None:
            s = cores[name] = algebra.Symbol(name)
        return s

    def symbol_of(name):
        s = symbols.get(name)
        if s is None:
            s = symbols[name] = Symbol(name)
        return s

    equations, seen = [], {}  # seen: the names used, in order of first use
    for line in lines:
        parser = ScalarParser(line, core_symbol)
        name, pos, core, rhs = parser.equation()
        number, col, source = line.where(pos)
        free = frozenset(symbol_of(s.name) for s in core.free_symbols)
        equations.append(Equation(symbol_of(name), None, number, col, source, rhs, core=core, free_symbols=free))
        seen.update(dict.fromkeys(n for n, _ in parser.uses))
    if not equations:
        raise ParseError("the file has no equations (expected lines of the form 'name = expression')",
                         file=file, line=1, col=1)
    return System(equations, file=file, appearance=[symbol_of(n) for n in seen])
