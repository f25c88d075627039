"""One line of a block file to a declaration or a block equation, never evaluating it.

A block file declares its dimensions and leaves, then gives equations over vectors
and matrices, optionally indexed by time ``t`` (docs/recurrent.md)::

    dim n_x, n_h
    input x[t]: n_x
    param W: n_h, n_x + n_h
    init h[0] = 0
    h[t] = tanh(W @ concat(x[t], h[t-1]))
    C = sum_t(sum(h[t]))

Every operator checks the shapes of its operands; :mod:`orderdiff.blocks.read` runs the
lines in the order that lets shapes be inferred.
"""

from __future__ import annotations

import math
import sys

from sympy import Integer, Rational, S, Symbol, expand
from sympy.core.symbol import Str

from ..errors import DefinitionError, LimitError, ShapeError, UnknownFunctionError, did_you_mean
from ..functions import FUNCTIONS, build
from ..lexer import tokenize
from ..limits import MAX_EXTENT, MAX_LAG, shown
from ..parse import Parser
from ..system import Decl
from . import expr as B
from .ops import OPS
from .shapes import below_one, broadcast

KEYWORDS = ("dim", "input", "param", "init")
BLOCK_OPS = frozenset("@[]:")
# Block functions: name -> (number of arguments or None for any, builder), from the
# operations' records, in their order
BLOCK_FUNCTIONS = {op.call: (op.arity[0] if op.arity[1] is not None else None, cls)
                   for cls, op in OPS.items() if op.call}
ALL_FUNCTIONS = [*FUNCTIONS, *BLOCK_FUNCTIONS]
FLOAT_MAX = sys.float_info.max
LARGEST = int(FLOAT_MAX)  # for exact comparisons with integers and fractions


class Scope:
    """What names mean while parsing: dimensions, declarations, shapes of defined variables."""

    def __init__(self, file):
        self.file = file
        self.dims = {}
        self.decls = {}        # name -> Decl (inputs and params)
        self.inits = {}        # name -> {time: Decl}
        self.defined = {}      # name -> (timed, line)
        self.shapes = {}       # name -> shape, once known
        self.last = None       # (line, col, source) of the last declaration: where to point when no equation follows

    def timed(self, name):
        if name in self.decls:
            return self.decls[name].timed
        return self.defined[name][0]

    def shape(self, name):
        if name in self.decls:
            return self.decls[name].shape
        if name in self.shapes:
            return self.shapes[name]
        for init in self.inits.get(name, {}).values():
            if init.shape is not None:
                return init.shape
        return (Symbol("?" + name),)  # provisional, first pass only

    def unsettled(self, name):
        """The shape of ``name`` that nothing but its own past gives (y[t] = a*y[t-1] + c): that
        of the leaf its initial value is (init h[0] = h0), else a scalar."""
        for init in self.inits.get(name, {}).values():
            leaf = self.decls.get(init.given_by)
            if leaf is not None and not leaf.timed:
                return leaf.shape
        return ()

    def known(self):
        return [*self.decls, *self.defined, *self.dims]


class BlockParser(Parser):
    """Recursive descent over one block line: declarations, or equations building block nodes."""

    def __init__(self, line, scope, tokens=None):
        self.line = line
        self.tokens = tokenize(line, BLOCK_OPS) if tokens is None else tokens
        self.i = 0
        self.scope = scope
        self.timed_eq = False
        self.in_sum_t = False

    # ----- declarations -------------------------------------------------------------------
    def declaration(self):
        kw = self.tok
        self.scope.last = self.line.where(kw.pos)
        self.i += 1
        if kw.text == "dim":
            while True:
                name = self.name_token("a dimension name")
                self.scope.dims[name.text] = Symbol(name.text, positive=True, integer=True)
                if self.tok.kind == "end":
                    return
                self.expect(",", "',' or end of line")
        name = self.name_token("a name")
        timed, time = False, None
        if self.tok.text == "[":
            self.i += 1
            time = self.decl_time(kw.text)
            self.expect("]", "']'")
            timed = kw.text == "input"
        shape = self.decl_shape() if self.tok.text == ":" else None
        extra = {}
        if kw.text == "init":
            self.expect("=", "'=' and the initial value, e.g. init h[0] = 0")
            value_pos = self.tok.pos
            if self.tok.kind == "name" and isinstance(time, int):  # a learned initial state, or one per sequence
                extra["given_by"], extra["given_col"] = self.tok.text, self.line.where(value_pos)[1]
                self.i += 1
            elif self.tok.kind == "name":
                raise self.error(f"a value past the last step is a number (init {name.text}[{B.show_time(time)}] = 0); "
                                 "one from a parameter or an input cannot be written yet")
            else:
                extra["fill"] = float(self.signed_number())
                if not math.isfinite(extra["fill"]):
                    raise self.error("an initial value must be a finite number", value_pos, cls=LimitError)
        elif self.tok.text == "distribution" and kw.text == "input":
            self.i += 1
            extra["distribution"] = True
        if self.tok.kind != "end":
            raise self.error(f"unexpected {self.describe(self.tok)} in the declaration")
        where = self.line.where(name.pos)
        decl = Decl(kw.text, name.text, shape if shape is not None else (() if kw.text != "init" else None),
                    timed, time, *where, **extra)
        self.register(decl, name)

    def register(self, decl, name):
        scope = self.scope
        if decl.kind == "init":
            slot = scope.inits.setdefault(decl.name, {})
            if decl.time in slot:
                raise self.error(f"{decl.name}[{decl.time}] already has an initial value", name.pos,
                                 cls=DefinitionError)
            slot[decl.time] = decl
            return
        if decl.name in scope.decls or decl.name in scope.dims:
            raise self.error(f"'{decl.name}' is declared twice", name.pos, cls=DefinitionError)
        scope.decls[decl.name] = decl

    def name_token(self, what):
        tok = self.tok
        if tok.kind != "name":
            raise self.error(f"expected {what}, found {self.describe(tok)}")
        if tok.text in FUNCTIONS or tok.text in BLOCK_FUNCTIONS:
            raise self.error(f"'{tok.text}' is the name of a function; choose another name")
        self.i += 1
        return tok

    def decl_time(self, kind):
        if kind == "init" and self.tok.text == "T":  # past the last step: a look-ahead's value there
            self.i += 1
            if self.tok.text != "+" or self.tokens[self.i + 1].kind != "number":
                raise self.error("a value past the last step is for T+K, a whole number K >= 1, e.g. "
                                 "init hb[T+1] = 0")
            self.i += 1
            k = self.exact(self.tok)
            if not k.is_Integer or k < 1 or k > MAX_LAG:
                raise self.error(f"a value past the last step is for T+K, K a whole number from 1 to {MAX_LAG}",
                                 self.tok.pos, **({"cls": LimitError} if k.is_Integer and k > MAX_LAG else {}))
            self.i += 1
            return B.T_LAST + int(k)
        if kind == "init":
            value = self.signed_number()
            if not value.is_Integer or value > 0:
                raise self.error("an initial value is for a time t <= 0, e.g. init h[0] = 0",
                                 self.tokens[self.i - 1].pos)
            if value <= -MAX_LAG:
                raise self.error(f"an initial value is for a time from {1 - MAX_LAG} to 0: a step reaches "
                                 f"back at most {MAX_LAG} steps", self.tokens[self.i - 1].pos, cls=LimitError)
            return int(value)
        if kind != "input":
            raise self.error(f"only inputs and initial values are indexed by time, not a {kind}")
        if self.tok.text != "t":
            raise self.error("a time-indexed input is declared as name[t]")
        self.i += 1
        return None

    def signed_number(self):
        sign = -1 if self.tok.text == "-" else 1
        if self.tok.text in ("+", "-"):
            self.i += 1
        if self.tok.kind != "number":
            raise self.error(f"expected a number, found {self.describe(self.tok)}")
        tok = self.tok
        self.i += 1
        return sign * self.exact(tok)

    def decl_shape(self):
        self.i += 1
        dims = [self.declared_dim()]
        while self.tok.text == ",":
            self.i += 1
            dims.append(self.declared_dim())
        if len(dims) > 2:
            raise self.error("a shape has one dimension (a vector) or two (a matrix)")
        return tuple(dims)

    def declared_dim(self):
        """A dimension of a declared shape: at least 1 for every value (>= 1) of the dims it uses."""
        start = self.tok.pos
        value = self.dim_expr()
        below = below_one(value, MAX_EXTENT)
        if below is not None:
            written = " ".join(self.line.text[start:self.tok.pos].split())
            at = (" for " + ", ".join(f"{s} = {v}" for s, v in below[1].items())) if below[1] else ""
            raise self.error(f"the dimension '{written}' is {below[0]}{at}: a shape needs at least 1 row and "
                             "column for every value (>= 1) of its dims; declare another dim for it", start)
        return value

    # ----- dimension expressions: integers and dims with + - * ----------------------------
    def dim_expr(self):
        value = self.dim_term()
        while self.tok.text in ("+", "-"):
            sign = 1 if self.tok.text == "+" else -1
            self.i += 1
            value = value + sign * self.dim_term()
        return expand(value)

    def dim_term(self):
        value = self.dim_atom()
        while self.tok.text == "*":
            self.i += 1
            value = value * self.dim_atom()
        return value

    def dim_atom(self):
        tok = self.tok
        if tok.kind == "number":
            self.i += 1
            value = self.exact(tok)
            if not value.is_Integer:
                raise self.error("a dimension is a whole number", tok.pos)
            if value > MAX_EXTENT:
                raise self.error(f"a number of rows or columns is at most {MAX_EXTENT}; name a larger one "
                                 "with 'dim'", tok.pos, cls=LimitError)
            return value
        if tok.kind == "name":
            self.i += 1
            if tok.text not in self.scope.dims:
                hint = did_you_mean(tok.text, self.scope.dims)
                raise self.error(f"unknown dimension '{tok.text}'{hint}; declare it with 'dim {tok.text}'",
                                 tok.pos, cls=DefinitionError)
            return self.scope.dims[tok.text]
        if tok.text == "(":
            self.i += 1
            value = self.dim_expr()
            self.expect(")", "')'")
            return value
        raise self.error(f"expected a dimension, found {self.describe(tok)}")

    # ----- equations -----------------------------------------------------------------------
    def equation(self):
        head = self.name_token("the variable name")
        timed = False
        if self.tok.text == "[":
            self.i += 1
            if self.tok.text != "t" or self.tokens[self.i + 1].text != "]":
                raise self.error("an equation defines name[t] (for every step t) or name")
            self.i += 2
            timed = True
        if self.tok.text != "=":
            raise self.error("expected '=' after the variable")
        self.i += 1
        self.timed_eq = timed
        start = self.tok.pos
        body = self.sum(0)
        if self.tok.kind != "end":
            raise self.error(self.trailing_message())
        return head, timed, body, " ".join(self.line.text[start:].split())

    def shaped(self, make, pos, *args):
        try:
            return make(*args)
        except B.ShapeMismatch as e:
            raise self.error(str(e), pos, cls=ShapeError) from None

    def sum(self, depth):
        # One n-ary Plus for a whole run of terms, shapes checked at each operator: a long
        # flat sum stays one level deep, as sympy (which walks trees recursively) needs
        terms = [self.product(depth)]
        shape = B.shape_of(terms[0])
        while self.tok.text in ("+", "-"):
            op = self.tok
            self.i += 1
            rhs = self.product(depth)
            shape = self.shaped(broadcast, op.pos, "+", [shape, B.shape_of(rhs)])
            terms.append(rhs if op.text == "+" else self.negate(rhs))
        return B.flat_sum(terms)

    @staticmethod
    def negate(x):
        return B.Neg(x) if B.is_array(x) else -x

    def product(self, depth):
        # A run of '*' over blocks is one n-ary Hadamard, as a run of '+' is one Plus; each '/' or
        # '@' between blocks wraps the run once more (x / y / z is (x / y) / z), so it nests
        run, levels = [self.unary(depth)], 0
        shape = B.shape_of(run[0])
        while self.tok.text in ("*", "/", "@"):
            op = self.tok
            self.i += 1
            rhs = self.unary(depth)
            if op.text == "/" and rhs.is_Number and rhs.is_zero:
                raise self.error("division by zero", op.pos)
            last = run[-1]
            if not B.is_array(last) and not B.is_array(rhs) and op.text != "@":
                run[-1] = self.in_range(last * rhs if op.text == "*" else last / rhs, op.pos)
            elif op.text == "*":
                shape = self.shaped(broadcast, op.pos, "*", [shape, B.shape_of(rhs)])
                run.append(rhs)
            else:
                levels += 1
                self.nest(depth + levels, op.pos)
                make = B.Divide if op.text == "/" else B.MatProd
                run = [self.shaped(make, op.pos, B.flat_product(run), rhs)]
                shape = run[0].shape
        return B.flat_product(run)

    def number(self, tok):
        return self.in_range(super().number(tok), tok.pos, tok.text)

    def exact(self, tok):
        """A number literal where it is a count or a time, not a value: bounded by its use."""
        return super().number(tok)

    def checked(self, expr, pos, what="this"):
        return self.in_range(super().checked(expr, pos, what), pos, None if what == "this" else what)

    def in_range(self, x, pos, written=None):
        """``x``, unless it is a number beyond the floats the generated program computes in."""
        if B.is_array(x) or not x.is_number or x.free_symbols:
            return x
        if abs(x.p) > LARGEST * x.q if x.is_Rational else abs(x.evalf(15)) > FLOAT_MAX:  # exact for fractions
            raise self.error(f"the number {written or shown(x)} is beyond the range of floating-point numbers "
                             f"(about {FLOAT_MAX:.3g}), in which the generated program computes", pos,
                             cls=LimitError)
        return x

    def raised(self, base, exponent, op):
        if B.is_array(exponent) or not exponent.is_Number:
            raise self.error("an exponent must be a number", op.pos)
        if not B.is_array(base):
            return super().raised(base, exponent, op)
        return B.Power(base, exponent)

    def operand(self, depth):
        expr = self.atom(depth)
        while self.tok.text == "[":
            self.nest(depth)  # each slice wraps the block once more: x[t][0:n][0:n]... nests
            depth += 1
            expr = self.slice(expr)
        return expr

    def atom(self, depth):
        tok = self.tok
        if tok.kind == "name" and self.tokens[self.i + 1].text != "(":
            self.i += 1
            return self.reference(tok)
        return super().atom(depth)

    def reference(self, tok):
        name, scope = tok.text, self.scope
        if name in FUNCTIONS or name in BLOCK_FUNCTIONS:
            raise self.error(f"'{name}' is a function; call it as {name}(...)", tok.pos)
        if name in scope.dims:  # a dimension as a number: mu[t] = sum(a[t]) / n_h
            if self.tok.text == "[":
                raise self.error(f"'{name}' is a dimension, a whole number: it has no entries or steps to index",
                                 self.tok.pos)
            return scope.dims[name]
        if name not in scope.decls and name not in scope.defined:
            if name in scope.inits:
                raise self.error(f"'{name}' has initial values but no equation {name}[t] = ...", tok.pos,
                                 cls=DefinitionError)
            hint = did_you_mean(name, scope.known())
            raise self.error(f"'{name}' is not declared or defined{hint}; declare it with 'param {name}: ...' or "
                             f"'input {name}: ...', or give it an equation", tok.pos, cls=DefinitionError)
        shape = scope.shape(name)
        if not scope.timed(name):
            if self.tok.text == "[" and self.tokens[self.i + 1].text == "t":
                raise self.error(f"'{name}' is not indexed by time; write {name}", self.tok.pos)
            return B.Var(name, shape)
        if self.tok.text == "[" and self.tokens[self.i + 1].text == "T":
            return B.Var(name, shape, (B.T_LAST - self.last_index(name),))
        if self.tok.text == "[" and self.tokens[self.i + 1].kind == "number":
            return B.Var(name, shape, (Integer(self.first_index(name)),))
        if self.tok.text != "[" or self.tokens[self.i + 1].text != "t":
            raise self.error(f"'{name}' is indexed by time: write {name}[t] or {name}[t-1]", tok.pos)
        return B.Var(name, shape, (B.T_INDEX - self.time_index(name),))

    def time_index(self, name):
        self.i += 2  # '[' 't'
        k = 0
        if self.tok.text in ("-", "+"):
            sign = self.tok
            self.i += 1
            if self.tok.kind != "number" or not self.exact(self.tok).is_Integer:
                raise self.error("a time index is t or t-K for a whole number K")
            k = self.exact(self.tok)
            if k > MAX_LAG:
                raise self.error(f"{name}[t{sign.text}...] reaches {'back' if sign.text == '-' else 'ahead'} more "
                                 f"than {MAX_LAG} steps, the most orderdiff unrolls", cls=LimitError)
            if not k:
                raise self.error(f"{name}[t{sign.text}0] is {name}[t], this step: write {name}[t], or "
                                 f"{name}[t-1] for the step before")
            k = int(k) if sign.text == "-" else -int(k)  # t+k looks ahead: a recurrence run from T down
            self.i += 1
        self.expect("]", "']' to close the time index")
        if self.in_sum_t and k:
            raise self.error(f"inside sum_t(...) use {name}[t]: each step's term sees its own step",
                             self.tokens[self.i - 1].pos)
        if not (self.timed_eq or self.in_sum_t):
            raise self.error(f"{name}[t...] in an equation without a time index: sum it over time with "
                             "sum_t(...), or index the equation by t", self.tokens[self.i - 1].pos)
        return k

    def first_index(self, name):
        """``k`` of ``name[k]``: one of the early steps 1, 2, ..., read after the loop."""
        at = self.tokens[self.i + 1]
        self.i += 1  # '['
        k = self.exact(self.tok)
        if not k.is_Integer or k < 1:
            raise self.error(f"an early step is {name}[K] for a whole number K from 1 (the first step) to {MAX_LAG}; "
                             f"an initial value is not read after the loop (read its parameter instead)")
        if k > MAX_LAG:
            raise self.error(f"{name}[...] is more than {MAX_LAG} steps from the first", cls=LimitError)
        self.i += 1
        self.expect("]", "']' to close the time index")
        if self.timed_eq or self.in_sum_t:
            raise self.error(f"{name}[{k}] is one step of {name}, read after the loop: use it in an equation without "
                             "[t] and outside sum_t(...)", at.pos)
        return int(k)

    def last_index(self, name):
        """``k`` of ``name[T]`` (0) or ``name[T-k]``: one of the last steps, read after the loop."""
        at = self.tokens[self.i + 1]
        self.i += 2  # '[' 'T'
        k = 0
        if self.tok.text == "+":
            raise self.error(f"{name}[T+...] is past the last step T; a last step is T or T-K for a whole number K")
        if self.tok.text == "-":
            self.i += 1
            if self.tok.kind != "number" or not self.exact(self.tok).is_Integer:
                raise self.error("a last step is T or T-K for a whole number K")
            k = self.exact(self.tok)
            if k >= MAX_LAG:
                raise self.error(f"{name}[T-...] reaches back more than {MAX_LAG - 1} steps from the last",
                                 cls=LimitError)
            k = int(k)
            self.i += 1
        self.expect("]", "']' to close the time index")
        if self.timed_eq or self.in_sum_t:
            step = f"{name}[T-{k}]" if k else f"{name}[T]"
            raise self.error(f"{step} is one step of {name}, read after the loop: use it in an equation without [t] "
                             "and outside sum_t(...)", at.pos)
        return k

    def slice(self, expr):
        open_ = self.tok
        self.i += 1
        size = B.shape_of(expr)
        if not size:
            raise self.error("a scalar cannot be sliced", open_.pos, cls=ShapeError)
        start = S.Zero if self.tok.text == ":" else self.dim_expr()
        if self.tok.text != ":":
            raise self.error("a slice is [a:b] with whole numbers or dimensions")
        self.i += 1
        stop = size[0] if self.tok.text == "]" else self.dim_expr()
        self.expect("]", "']' to close the slice")
        return self.shaped(B.Rows, open_.pos, expr, start, stop)

    def call(self, name, depth):
        if name.text not in FUNCTIONS and name.text not in BLOCK_FUNCTIONS:
            hint = did_you_mean(name.text, ALL_FUNCTIONS)
            raise self.error(f"unknown function '{name.text}'{hint}", name.pos, cls=UnknownFunctionError,
                             notes=["  known functions: " + ", ".join(ALL_FUNCTIONS)])
        self.nest(depth)
        self.i += 1
        outer = self.in_sum_t  # a call inside sum_t(...) is still inside it
        if name.text == "sum_t":
            if self.timed_eq or self.in_sum_t:
                raise self.error("sum_t(...) sums over every step; use it only in equations without [t]",
                                 name.pos)
            self.in_sum_t = True
        args = self.arguments(name, depth)
        self.in_sum_t = outer
        return self.apply(name, args)

    def arguments(self, name, depth):
        args = super().arguments(name, depth)
        arity = BLOCK_FUNCTIONS[name.text][0] if name.text in BLOCK_FUNCTIONS else 1
        if arity is not None and len(args) != arity:
            raise self.error(f"{name.text}() takes {arity} argument{'s' if arity > 1 else ''} "
                             f"({len(args)} given)", name.pos)
        if not args:
            raise self.error(f"{name.text}() needs at least one argument", name.pos)
        return args

    def apply(self, name, args):
        if name.text in BLOCK_FUNCTIONS:
            return self.shaped(BLOCK_FUNCTIONS[name.text][1], name.pos, *args)
        x = args[0]
        if not B.is_array(x):
            if x.is_number:  # a constant, kept as written (tanh(1)), but only if it is a finite real
                self.checked(FUNCTIONS[name.text].sympy(x), name.pos, f"{name.text}({x})")
            return build(name.text, x)
        if name.text == "sqrt":
            return B.Power(x, Rational(1, 2))
        return B.Elementwise(Str(name.text), x)
