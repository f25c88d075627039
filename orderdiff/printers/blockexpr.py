r"""Block expressions as text and LaTeX: one short ``_print_X`` method per block class.

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
as calls. Brackets are the fewest that keep the reading unique, by the levels
Plus < Neg < Hadamard/Divide < MatProd/Outer (and Adj) < postfix (ᵀ, [a:b], powers) < atoms;
``Σₜ`` binds loosest and is bracketed wherever it is not the whole expression (or a last term).
In ASCII, as in the file format, ``*``, ``/`` and ``@`` bind alike, so a product of one
kind inside another is always bracketed: ``(W^T @ g) * (1 - h * h)``.
"""

from __future__ import annotations

from typing import ClassVar

from sympy import Number, Symbol
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from ..blocks import expr as B
from .latex import OrderdiffLatexPrinter, explicit, ordered

SUMT, SUM, NEG, PRODUCT, MATPROD, FRACTION, POSTFIX, ATOM = 5, 10, 15, 20, 30, 35, 40, 50

LEVELS = {B.SumT: SUMT, B.Plus: SUM, B.Neg: NEG, B.Hadamard: PRODUCT, B.Divide: PRODUCT,
          B.MatProd: MATPROD, B.Outer: MATPROD, B.Adj: MATPROD, B.Trans: POSTFIX, B.Rows: POSTFIX,
          B.Cols: POSTFIX, B.Power: POSTFIX}

SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def time_text(time):
    """``t - 1`` as written in an index: ``t-1``."""
    return str(time).replace(" ", "")


class Levels:
    """Bracketing shared by the text and LaTeX printers (``self.brackets`` differ)."""

    levels: ClassVar[dict] = LEVELS
    brackets = ("(", ")")
    fraction = PRODUCT  # a number like 1/2

    def level(self, e):
        if isinstance(e, B.Broadcast):
            return ATOM if e.args[0] == 1 else PRODUCT
        if isinstance(e, B.Block):
            return self.levels.get(type(e), ATOM)
        if isinstance(e, Number):
            return NEG if e < 0 else self.fraction if e.is_Rational and not e.is_Integer else ATOM
        p = precedence(e)
        return SUM if p <= PRECEDENCE["Add"] else PRODUCT if p <= PRECEDENCE["Mul"] else ATOM

    def wrap(self, e, least):
        text = self._print(e)
        return f"{self.brackets[0]}{text}{self.brackets[1]}" if self.level(e) < least else text

    def terms(self, expr):
        """``[(sign, text)]`` of the terms of a sum (one term for anything else)."""
        args = expr.args if isinstance(expr, B.Plus) else (expr,)
        out = []
        for k, a in enumerate(args):
            if isinstance(a, B.Neg):
                out.append(("-", self.wrap(a.args[0], PRODUCT)))
            elif isinstance(a, B.Hadamard) and isinstance(a.args[0], Number) and a.args[0] < 0:
                c, rest = -a.args[0], a.args[1:]
                if c != 1:
                    rest = (B.Hadamard(c, *rest),)
                out.append(("-", self.wrap(rest[0] if len(rest) == 1 else B.Hadamard(*rest), PRODUCT)))
            elif isinstance(a, Number) and a < 0:
                out.append(("-", self._print(-a)))
            else:
                last_sum = k == len(args) - 1 and isinstance(a, B.SumT)
                out.append(("+", self._print(a) if last_sum else self.wrap(a, SUM)))
        return out

    def _print_Plus(self, expr):
        return join_terms(self.terms(expr))

    def _print_Neg(self, expr):
        return "-" + self.wrap(expr.args[0], PRODUCT)

    def _print_Hadamard(self, expr):
        out = self.wrap(expr.args[0], PRODUCT + 1)
        for left, right in zip(expr.args, expr.args[1:]):
            scalar = not B.shape_of(left) or not B.shape_of(right)
            sep = (self.number_times if isinstance(left, Number) else self.scalar_times) if scalar else self.odot
            out += sep + self.wrap(right, PRODUCT + 1)
        return out

    def _print_MatProd(self, expr):
        return self.wrap(expr.args[0], MATPROD) + self.matmul + self.wrap(expr.args[1], MATPROD)

    def _print_Outer(self, expr):
        return self.wrap(expr.args[0], MATPROD) + self.matmul + self.wrap(expr.args[1], ATOM) + self.top

    def _print_Trans(self, expr):
        return self.wrap(expr.args[0], POSTFIX) + self.top

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
    Wᵀ ∂⁺C/∂h[t+1] ⊙ (1 - h[t] ⊙ h[t])
    >>> print(BlockTextPrinter(C, unicode=False).doprint(g))
    (W^T @ d+C/dh[t+1]) * (1 - h[t] * h[t])
    """

    def __init__(self, target, *, unicode=True):
        super().__init__({"order": "none"})
        self.target, self.unicode = target, unicode
        self.d, self.plus = ("∂", "⁺") if unicode else ("d", "+")
        self.odot, self.matmul = (" ⊙ ", " ") if unicode else (" * ", " @ ")
        self.scalar_times, self.number_times = (" · ", "·") if unicode else (" * ", "*")
        self.top, self.zero = ("ᵀ" if unicode else "^T"), "0"
        if not unicode:  # the file's syntax: * / @ bind alike, left to right
            self.levels = {**LEVELS, B.SumT: ATOM, B.MatProd: PRODUCT, B.Outer: PRODUCT}

    def ordered(self, var, of=None):
        """``∂⁺C/∂v`` (``of`` the target by default)."""
        return f"{self.d}{self.plus}{self._print(of or self.target)}/{self.d}{self._print(var)}"

    def explicit(self, of, var):
        return f"{self.d}{self._print(of)}/{self.d}{self._print(var)}"

    def _print_Var(self, expr):
        return expr.name + (f"[{time_text(expr.time[0])}]" if expr.time else "")

    def _print_Adj(self, expr):
        return self.ordered(expr.args[0])

    def _print_Divide(self, expr):
        return f"{self.wrap(expr.args[0], PRODUCT + 1)} / {self.wrap(expr.args[1], PRODUCT + 1)}"

    def _print_Power(self, expr):
        x, p = expr.args
        if self.unicode and isinstance(p, Number) and p.is_Integer:
            return self.wrap(x, ATOM) + str(p).translate(SUPERSCRIPTS)
        exp = str(p) if isinstance(p, Number) and p.is_Integer and p >= 0 else f"({self._print(p)})"
        return self.wrap(x, ATOM) + ("^" if self.unicode else "**") + exp

    def _print_Rows(self, expr):
        x, a, b = expr.args
        return f"{self.wrap(x, POSTFIX)}[{self._print(a)}:{self._print(b)}]"

    def _print_Cols(self, expr):
        W, a, b = expr.args
        return f"{self.wrap(W, POSTFIX)}[:, {self._print(a)}:{self._print(b)}]"

    def _print_Broadcast(self, expr):
        c = expr.args[0]
        return "1" if c == 1 else self.wrap(c, ATOM) + self.number_times + "1"

    def _print_SumT(self, expr):
        if self.unicode:
            return "Σₜ " + self.wrap(expr.args[0], NEG)
        return f"sum_t({self._print(expr.args[0])})"

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


LATEX_FUNCTIONS = {**{f: f"\\{f}" for f in ("sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log")},
                   "asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan", "sigmoid": r"\sigma",
                   "Heaviside": r"\theta"}


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
    levels: ClassVar[dict] = {**LEVELS, B.Divide: FRACTION}
    fraction = ATOM  # \frac{1}{2}
    odot, matmul, scalar_times, number_times = r" \odot ", " ", r" \cdot ", " "
    top, zero = r"^{\top}", r"\mathbf{0}"

    def __init__(self, target):
        super().__init__({"order": "none"})
        self.target = target

    def ordered(self, var, of=None):
        return ordered(self, of or self.target, var)

    def explicit(self, of, var):
        return explicit(self, of, var)

    def _print_Var(self, expr):
        name = self._print(Symbol(expr.name))
        if not expr.time:
            return name
        return f"{{{name}}}_{{{time_text(expr.time[0])}}}" if "_" in name else f"{name}_{{{time_text(expr.time[0])}}}"

    def _print_Adj(self, expr):
        return self.ordered(expr.args[0])

    def _print_Divide(self, expr):
        return rf"\frac{{{self._print(expr.args[0])}}}{{{self._print(expr.args[1])}}}"

    def _print_Power(self, expr):
        return f"{self.wrap(expr.args[0], ATOM)}^{{{self._print(expr.args[1])}}}"

    def _print_Rows(self, expr):
        x, a, b = expr.args
        return f"{self.wrap(x, POSTFIX)}[{self._print(a)}{{:}}{self._print(b)}]"

    def _print_Cols(self, expr):
        W, a, b = expr.args
        return rf"{self.wrap(W, POSTFIX)}[:,\, {self._print(a)}{{:}}{self._print(b)}]"

    def _print_Broadcast(self, expr):
        c = expr.args[0]
        return r"\mathbf{1}" if c == 1 else self.wrap(c, ATOM) + r" \mathbf{1}"

    def _print_SumT(self, expr):
        return r"\sum_{t=1}^{T} " + self.wrap(expr.args[0], NEG)

    def call(self, name, *args):
        return rf"{name}\left({', '.join(self._print(a) for a in args)}\right)"

    def _print_Elementwise(self, expr):
        f, x = expr.function, expr.args[1]
        if f == "sqrt":
            return rf"\sqrt{{{self._print(x)}}}"
        if f == "abs":
            return rf"\left|{self._print(x)}\right|"
        return self.call(LATEX_FUNCTIONS.get(f, rf"\operatorname{{{f}}}"), x)

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


__all__ = ["BlockLatexPrinter", "BlockTextPrinter", "join_terms", "time_text"]
