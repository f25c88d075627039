r"""Block expressions as text and LaTeX: one precedence table, one short ``_print_X`` per block class.

``Adj(v)`` is the ordered derivative d+C/dv of the target C. The notations, unicode text /
ASCII text / LaTeX:

=================  ========================  ==========================  ===================================
block              unicode                   ASCII                       LaTeX
=================  ========================  ==========================  ===================================
Var                ``h[t-1]``, ``W_ih``      same                        ``h_{t-1}``, ``W_{ih}``
Adj                ``∂⁺C/∂h[t]``             ``d+C/dh[t]``               ``\frac{\partial^{+} C}{\partial h_{t}}``
Hadamard, Divide   ``a ⊙ b``, ``a / b``      ``a * b``, ``a / b``        ``a \odot b``, ``\frac{a}{b}``
MatProd, Outer     ``A x``, ``a bᵀ``         ``A @ x``, ``a @ b^T``      ``A x``, ``a b^{\top}``
Rows, Cols         ``v[a:b]``, ``W[:, a:b]``  same                       ``v[a{:}b]``, ``W[:,\, a{:}b]``
SumT               ``Σₜ x``                  ``sum_t(x)``                ``\sum_{t=1}^{T} x``
Broadcast, Zeros   ``c·1``, ``0``            ``c*1``, ``0``              ``c \mathbf{1}``, ``\mathbf{0}``
=================  ========================  ==========================  ===================================

and ``pad(g, a, n)``, ``sum(x)``, ``dot(a, b)``, ``softmax(z)``, ``tanh(z)``, ``H(x)`` (Heaviside)
as calls. :data:`PRECEDENCE` holds, per notation, each operation's level (how tightly it
binds), the least level of each operand printed without brackets, and how it prints; an
operand that binds less tightly than its place asks is bracketed. Loosest first:

    Σₜ < + - < unary - < ⊙ / · < juxtaposition (A x, a bᵀ) < ∂⁺C/∂v, \frac < powers < ᵀ [a:b] < atoms

A factor of ``⊙``, ``/`` or ``·`` is never a product of another kind without brackets, a
juxtaposed one included: ``(W_hoᵀ g) ⊙ (1 - h ⊙ h)``, ``c · (A x)``, ``(A x) / b``.
Juxtaposition reads left to right (``A B x`` is ``(A B) x``; ``A (B x)`` keeps its
brackets), a unary minus takes a whole product (``-A x`` is ``-(A x)``), an ordered
derivative is bracketed as the operand of a division (``(∂⁺C/∂h) / b``), a power as
the operand of a postfix (``(h²)ᵀ``), and ``Σₜ`` wherever it is not the whole
expression or a last term. The ASCII form is read as the file format reads it:
``*``, ``/`` and ``@`` bind alike, left to right, and a unary minus binds tighter
than all three, so ``(W^T @ g) * (1 - h * h)`` and ``-(a / b)``.
"""

from __future__ import annotations

from typing import NamedTuple

from sympy import Number, Symbol
from sympy.printing.precedence import PRECEDENCE as SYMPY_PRECEDENCE
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from ..blocks import expr as B
from ..functions import BY_NAME
from .latex import OrderdiffLatexPrinter, explicit

SUMT, SUM, NEG, PRODUCT, MATPROD, FRACTION, POWER, POSTFIX, ATOM = 5, 10, 15, 20, 30, 35, 38, 40, 50
FACTOR = MATPROD + 1  # a factor of ⊙ / ·: no juxtaposed product bare
QUOTIENT = FRACTION + 1  # an operand of a written-out division: no ∂⁺C/∂v bare either


class Op(NamedTuple):
    """One operation in one notation: ``level``, the least level of each operand printed
    bare (the last one for any further operands), and ``form``, a format string over the
    printed operands."""

    level: int
    operands: tuple
    form: str


def spelled(unicode, ascii, latex):
    return {"unicode": Op(*unicode), "ascii": Op(*ascii), "latex": Op(*latex)}


# Keys are block classes, and for the forms of a class that print apart: "minus" (a - b,
# binary), "scale" and "number" (a factor of ⊙ next to a scalar or after a number),
# "ones" (the broadcast of 1) and "rational" (a number p/q).
PRECEDENCE = {
    #              unicode                                ASCII                                  LaTeX
    B.SumT: spelled((SUMT, (NEG,), "Σₜ {0}"), (ATOM, (0,), "sum_t({0})"),
                    (SUMT, (NEG,), r"\sum_{{t=1}}^{{T}} {0}")),
    B.Plus: spelled((SUM, (SUM,), "{0} + {1}"), (SUM, (SUM,), "{0} + {1}"), (SUM, (SUM,), "{0} + {1}")),
    "minus": spelled((SUM, (SUM, PRODUCT), "{0} - {1}"), (SUM, (SUM, PRODUCT), "{0} - {1}"),
                     (SUM, (SUM, PRODUCT), "{0} - {1}")),
    B.Neg: spelled((NEG, (PRODUCT,), "-{0}"), (NEG, (FACTOR,), "-{0}"), (NEG, (PRODUCT,), "-{0}")),
    B.Hadamard: spelled((PRODUCT, (FACTOR,), "{0} ⊙ {1}"), (PRODUCT, (FACTOR,), "{0} * {1}"),
                        (PRODUCT, (FACTOR,), r"{0} \odot {1}")),
    "scale": spelled((PRODUCT, (FACTOR,), "{0} · {1}"), (PRODUCT, (FACTOR,), "{0} * {1}"),
                     (PRODUCT, (FACTOR,), r"{0} \cdot {1}")),
    "number": spelled((PRODUCT, (FACTOR,), "{0}·{1}"), (PRODUCT, (FACTOR,), "{0}*{1}"),
                      (PRODUCT, (FACTOR,), "{0} {1}")),
    B.Broadcast: spelled((PRODUCT, (ATOM,), "{0}·1"), (PRODUCT, (ATOM,), "{0}*1"),
                         (PRODUCT, (ATOM,), r"{0} \mathbf{{1}}")),
    "rational": spelled((PRODUCT, (), "{0}/{1}"), (PRODUCT, (), "{0}/{1}"), (FRACTION, (), r"\frac{{{0}}}{{{1}}}")),
    B.Divide: spelled((PRODUCT, (QUOTIENT, QUOTIENT), "{0} / {1}"), (PRODUCT, (QUOTIENT, QUOTIENT), "{0} / {1}"),
                      (FRACTION, (0, 0), r"\frac{{{0}}}{{{1}}}")),
    B.MatProd: spelled((MATPROD, (MATPROD, FACTOR), "{0} {1}"), (PRODUCT, (FACTOR, FACTOR), "{0} @ {1}"),
                       (MATPROD, (MATPROD, FACTOR), "{0} {1}")),
    B.Outer: spelled((MATPROD, (MATPROD, ATOM), "{0} {1}ᵀ"), (PRODUCT, (FACTOR, ATOM), "{0} @ {1}^T"),
                     (MATPROD, (MATPROD, ATOM), r"{0} {1}^{{\top}}")),
    B.Adj: spelled((FRACTION, (), "∂⁺{0}/∂{1}"), (FRACTION, (), "d+{0}/d{1}"),
                   (FRACTION, (), r"\frac{{\partial^{{+}} {0}}}{{\partial {1}}}")),
    B.Power: spelled((POWER, (ATOM,), "{0}^{1}"), (POWER, (ATOM,), "{0}**{1}"), (POWER, (ATOM,), "{0}^{{{1}}}")),
    B.Trans: spelled((POSTFIX, (POSTFIX,), "{0}ᵀ"), (POSTFIX, (POSTFIX,), "{0}^T"),
                     (POSTFIX, (POSTFIX,), r"{0}^{{\top}}")),
    B.Rows: spelled((POSTFIX, (POSTFIX,), "{0}[{1}:{2}]"), (POSTFIX, (POSTFIX,), "{0}[{1}:{2}]"),
                    (POSTFIX, (POSTFIX,), "{0}[{1}{{:}}{2}]")),
    B.Cols: spelled((POSTFIX, (POSTFIX,), "{0}[:, {1}:{2}]"), (POSTFIX, (POSTFIX,), "{0}[:, {1}:{2}]"),
                    (POSTFIX, (POSTFIX,), r"{0}[:,\, {1}{{:}}{2}]")),
    "ones": spelled((ATOM, (), "1"), (ATOM, (), "1"), (ATOM, (), r"\mathbf{{1}}")),
    B.Zeros: spelled((ATOM, (), "0"), (ATOM, (), "0"), (ATOM, (), r"\mathbf{{0}}")),
}
NOTATIONS = {name: {key: ops[name] for key, ops in PRECEDENCE.items()} for name in ("unicode", "ascii", "latex")}

SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def time_text(time):
    """``t - 1`` as written in an index: ``t-1``."""
    return str(time).replace(" ", "")


class Levels:
    """Bracketing and the operators shared by the text and LaTeX printers, read from ``table``
    (one notation's rows of :data:`PRECEDENCE`)."""

    table = NOTATIONS["unicode"]
    brackets = ("(", ")")

    def form(self, key, *parts):
        return self.table[key].form.format(*parts)

    # the operators alone, which subclasses (and the pictures' labels) may respell
    odot = property(lambda self: self.form(B.Hadamard, "", ""))
    scalar_times = property(lambda self: self.form("scale", "", ""))
    number_times = property(lambda self: self.form("number", "", ""))
    matmul = property(lambda self: self.form(B.MatProd, "", ""))
    top = property(lambda self: self.form(B.Trans, ""))
    zero = property(lambda self: self.form(B.Zeros))

    def level(self, e):
        if isinstance(e, B.Broadcast) and e.args[0] == 1:
            return self.table["ones"].level
        if isinstance(e, B.Block):
            op = self.table.get(type(e))
            return op.level if op else ATOM
        if isinstance(e, Number):
            return NEG if e < 0 else self.table["rational"].level if e.is_Rational and not e.is_Integer else ATOM
        p = precedence(e)
        return SUM if p <= SYMPY_PRECEDENCE["Add"] else PRODUCT if p <= SYMPY_PRECEDENCE["Mul"] else ATOM

    def wrap(self, e, least):
        text = self._print(e)
        return f"{self.brackets[0]}{text}{self.brackets[1]}" if self.level(e) < least else text

    def operand(self, e, key, k=0):
        """``e`` printed as operand ``k`` of the operation ``key``, bracketed if it binds less tightly."""
        slots = self.table[key].operands
        return self.wrap(e, slots[min(k, len(slots) - 1)])

    def terms(self, expr):
        """``[(sign, text)]`` of the terms of a sum (one term for anything else)."""
        args = expr.args if isinstance(expr, B.Plus) else (expr,)
        out = []
        for k, a in enumerate(args):
            if isinstance(a, B.Neg):  # the first minus is unary, the others binary
                out.append(("-", self.operand(a.args[0], B.Neg) if k == 0 else self.operand(a.args[0], "minus", 1)))
            elif isinstance(a, B.Hadamard) and isinstance(a.args[0], Number) and a.args[0] < 0:
                c, rest = -a.args[0], a.args[1:]
                if c != 1:
                    rest = (B.Hadamard(c, *rest),)
                out.append(("-", self.operand(rest[0] if len(rest) == 1 else B.Hadamard(*rest), "minus", 1)))
            elif isinstance(a, Number) and a < 0:
                out.append(("-", self._print(-a)))
            else:
                last_sum = k == len(args) - 1 and isinstance(a, B.SumT)
                out.append(("+", self._print(a) if last_sum else self.operand(a, B.Plus)))
        return out

    def _print_Plus(self, expr):
        return join_terms(self.terms(expr))

    def _print_Neg(self, expr):
        return self.form(B.Neg, self.operand(expr.args[0], B.Neg))

    def _print_Hadamard(self, expr):
        out = self.operand(expr.args[0], B.Hadamard)
        for left, right in zip(expr.args, expr.args[1:]):
            scalar = not B.shape_of(left) or not B.shape_of(right)
            sep = (self.number_times if isinstance(left, Number) else self.scalar_times) if scalar else self.odot
            out += sep + self.operand(right, B.Hadamard)
        return out

    def _print_Divide(self, expr):
        return self.form(B.Divide, *(self.operand(x, B.Divide, k) for k, x in enumerate(expr.args)))

    def _print_MatProd(self, expr):
        return self.operand(expr.args[0], B.MatProd) + self.matmul + self.operand(expr.args[1], B.MatProd, 1)

    def _print_Outer(self, expr):
        return self.operand(expr.args[0], B.Outer) + self.matmul + self.operand(expr.args[1], B.Outer, 1) + self.top

    def _print_Trans(self, expr):
        return self.operand(expr.args[0], B.Trans) + self.top

    def _print_Adj(self, expr):
        return self.ordered(expr.args[0])

    def ordered(self, var, of=None):
        """``∂⁺C/∂v`` in this notation (``of`` the target by default)."""
        return self.form(B.Adj, self._print(of or self.target), self._print(var))

    def _print_Rows(self, expr):
        x, a, b = expr.args
        return self.form(B.Rows, self.operand(x, B.Rows), self._print(a), self._print(b))

    def _print_Cols(self, expr):
        W, a, b = expr.args
        return self.form(B.Cols, self.operand(W, B.Cols), self._print(a), self._print(b))

    def _print_SumT(self, expr):
        return self.form(B.SumT, self.operand(expr.args[0], B.SumT))

    def _print_Broadcast(self, expr):
        c = expr.args[0]
        return self.form("ones") if c == 1 else self.form(B.Broadcast, self.operand(c, B.Broadcast))

    def _print_Zeros(self, expr):
        return self.zero


def join_terms(terms):
    """``[(sign, text)]`` joined as a sum: ``a - b + c``."""
    out = ""
    for k, (sign, text) in enumerate(terms):
        out += (f"-{text}" if sign == "-" else text) if k == 0 else f" {sign} {text}"
    return out


class BlockTextPrinter(Levels, StrPrinter):
    """Block expressions as text: ``unicode=True`` for ∂⁺ ⊙ ᵀ Σₜ, else ASCII.

    Examples
    --------
    >>> from orderdiff.blocks import expr as B
    >>> from sympy import Symbol
    >>> n, t = Symbol("n"), B.T_INDEX
    >>> W, h, C = B.Var("W", (n, n)), B.Var("h", (n,), (t,)), B.Var("C")
    >>> g = B.Hadamard(B.MatProd(B.Trans(W), B.Adj(h.at(t + 1))), B.Plus(1, B.Neg(B.Hadamard(h, h))))
    >>> print(BlockTextPrinter(C).doprint(g))
    (Wᵀ ∂⁺C/∂h[t+1]) ⊙ (1 - h[t] ⊙ h[t])
    >>> print(BlockTextPrinter(C, unicode=False).doprint(g))
    (W^T @ d+C/dh[t+1]) * (1 - h[t] * h[t])
    """

    def __init__(self, target, *, unicode=True):
        super().__init__({"order": "none"})
        self.target, self.unicode = target, unicode
        self.table = NOTATIONS["unicode" if unicode else "ascii"]
        self.d = "∂" if unicode else "d"

    def explicit(self, of, var):
        return f"{self.d}{self._print(of)}/{self.d}{self._print(var)}"

    def _print_Var(self, expr):
        return expr.name + (f"[{time_text(expr.time[0])}]" if expr.time else "")

    def _print_Power(self, expr):
        x, p = expr.args
        base = self.operand(x, B.Power)
        if self.unicode and isinstance(p, Number) and p.is_Integer:
            return base + str(p).translate(SUPERSCRIPTS)
        bare = isinstance(p, Number) and p.is_Integer and p >= 0
        return self.form(B.Power, base, str(p) if bare else f"({self._print(p)})")

    def call(self, name, *args):
        return f"{name}({', '.join(self._print(a) for a in args)})"

    def _print_Elementwise(self, expr):
        return self.call("H" if expr.function == "Heaviside" else expr.function, expr.args[1])

    def _print_Cat(self, expr):
        return self.call("concat", *expr.args)

    def _print_Pad(self, expr):
        return self.call("pad", *expr.args)

    def _print_Softmax(self, expr):
        return self.call("softmax", *expr.args)

    def _print_CrossEntropy(self, expr):
        return self.call("cross_entropy", *expr.args)

    def _print_SquaredError(self, expr):
        return self.call("squared_error", *expr.args)

    def _print_Total(self, expr):
        return self.call("sum", *expr.args)

    def _print_Inner(self, expr):
        return self.call("dot", *expr.args)


class BlockLatexPrinter(Levels, OrderdiffLatexPrinter):
    r"""Block expressions as LaTeX; names as sympy writes them (``W_ih`` -> ``W_{ih}``).

    Examples
    --------
    >>> from orderdiff.blocks import expr as B
    >>> from sympy import Symbol
    >>> n, t = Symbol("n"), B.T_INDEX
    >>> W, h, C = B.Var("W_hh", (n, n)), B.Var("h", (n,), (t,)), B.Var("C")
    >>> print(BlockLatexPrinter(C).doprint(B.MatProd(B.Trans(W), B.Adj(h.at(t + 1)))))
    W_{hh}^{\top} \frac{\partial^{+} C}{\partial h_{t+1}}
    """

    brackets = (r"\left(", r"\right)")
    table = NOTATIONS["latex"]

    def __init__(self, target):
        super().__init__({"order": "none"})
        self.target = target

    def explicit(self, of, var):
        return explicit(self, of, var)

    def _print_Var(self, expr):
        return self.entry(expr)

    def entry(self, var, *index):
        r"""``var`` with its time and then ``index`` as subscripts: ``\hat{y}_{t,i}``."""
        name = self._print(Symbol(var.name))
        sub = ",".join([*(time_text(x) for x in var.time), *index])
        if not sub:
            return name
        return f"{{{name}}}_{{{sub}}}" if "_" in name else f"{name}_{{{sub}}}"

    def _print_Power(self, expr):
        return self.form(B.Power, self.operand(expr.args[0], B.Power), self._print(expr.args[1]))

    def call(self, name, *args):
        return rf"{name}\left({', '.join(self._print(a) for a in args)}\right)"

    def _print_Elementwise(self, expr):
        latex, x = BY_NAME[expr.function].latex, expr.args[1]
        head = latex.removesuffix(r"\left(#1\right)")  # a call goes through call(), which pictures re-spell
        return self.call(head, x) if head != latex else latex.replace("#1", self._print(x))

    def _print_Cat(self, expr):
        return r"\begin{bmatrix} " + r" \\ ".join(self._print(a) for a in expr.args) + r" \end{bmatrix}"

    def _print_Pad(self, expr):
        return self.call(r"\operatorname{pad}", *expr.args)

    def _print_Softmax(self, expr):
        return self.call(r"\operatorname{softmax}", *expr.args)

    def _print_CrossEntropy(self, expr):
        return self.call(r"\operatorname{cross\_entropy}", *expr.args)

    def _print_SquaredError(self, expr):
        return self.call(r"\operatorname{squared\_error}", *expr.args)

    def _print_Total(self, expr):
        return self.call(r"\operatorname{sum}", *expr.args)

    def _print_Inner(self, expr):
        return rf"\left\langle {self._print(expr.args[0])}, {self._print(expr.args[1])} \right\rangle"


__all__ = ["BlockLatexPrinter", "BlockTextPrinter", "NOTATIONS", "Op", "PRECEDENCE", "join_terms", "time_text"]
