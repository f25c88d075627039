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
as calls. Each operation's spellings, and how tightly it binds, are in its record
(:mod:`orderdiff.blocks.ops`); :data:`NOTATIONS` gathers them, with this printer's own for
the leaves and numbers, per notation. :data:`PRECEDENCE` holds the operators among them:
per notation, each one's level (how tightly it binds), the least level of each operand
printed without brackets, and how it prints; an operand that binds less tightly than its
place asks is bracketed. Loosest first:

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

from functools import lru_cache

from sympy import Number, Symbol
from sympy.printing.precedence import PRECEDENCE as SYMPY_PRECEDENCE
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from ..blocks import expr as B
from ..blocks.ops import ATOM, FRACTION, NEG, OPS, PRODUCT, SUM, Form, spelled
from ..functions import BY_NAME
from .latex import OrderdiffLatexPrinter, explicit

KINDS = ("unicode", "ascii", "latex")

# The printer's own rows: the leaves and a number p/q, which are no operations.
LEAVES = {
    B.Adj: spelled((FRACTION, (), "∂⁺{0}/∂{1}"), (FRACTION, (), "d+{0}/d{1}"),
                   (FRACTION, (), r"\frac{{\partial^{{+}} {0}}}{{\partial {1}}}")),
    B.Zeros: spelled((ATOM, (), "0"), (ATOM, (), "0"), (ATOM, (), r"\mathbf{{0}}")),
    "rational": spelled((PRODUCT, (), "{0}/{1}"), (PRODUCT, (), "{0}/{1}"), (FRACTION, (), r"\frac{{{0}}}{{{1}}}")),
}
# Keys are block classes, and for the forms of an operation that print apart its record's
# notation cases: "minus" (a - b, binary), "scale" and "number" (a factor of ⊙ next to a
# scalar or after a number), "ones" (the broadcast of 1).
SPELLINGS = {**{cls: op.notation for cls, op in OPS.items()},
             **{case: s for op in OPS.values() for case, s in op.notation_cases.items()}, **LEAVES}
NOTATIONS = {kind: {key: s[kind] for key, s in SPELLINGS.items()} for kind in KINDS}
# the operators: an operation spelled as a call in some notation binds as an atom there
PRECEDENCE = {key: s for key, s in SPELLINGS.items() if all(isinstance(f, Form) for f in s.values())}
TEXT_FUNCTIONS = {"Heaviside": "H"}

SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@lru_cache(maxsize=1 << 12)
def time_text(time):
    """``t - 1`` as written in an index: ``t-1``."""
    return str(time).replace(" ", "")


class Levels:
    """Bracketing and the operators shared by the text and LaTeX printers, read from ``table``
    (one notation's spellings in :data:`NOTATIONS`).

    A block's text depends on the block alone, so each printer spells every distinct
    subtree once: the forms of a long chain share most of their factors.
    """

    table = NOTATIONS["unicode"]
    brackets = ("(", ")")

    def _print(self, expr, **kwargs):
        if kwargs or not isinstance(expr, B.Block):
            return super()._print(expr, **kwargs)
        memo = self.__dict__.setdefault("_spelled", {})
        text = memo.get(expr)
        if text is None:
            text = memo[expr] = super()._print(expr)
        return text

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
            return op.level if isinstance(op, Form) else ATOM  # a call binds as an atom
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

    def _print_Block(self, expr):
        """An operation as its record spells it: a call by its name, else its form over its operands."""
        spelling = self.table[type(expr)]
        if isinstance(spelling, str):
            return self.call(spelling, *expr.args)
        return self.form(type(expr), *(self.operand(a, type(expr), k) for k, a in enumerate(expr.args)))

    def _print_Plus(self, expr):
        return join_terms(self.terms(expr))

    def _print_Hadamard(self, expr):
        out = self.operand(expr.args[0], B.Hadamard)
        for left, right in zip(expr.args, expr.args[1:]):
            scalar = not B.shape_of(left) or not B.shape_of(right)
            sep = (self.number_times if isinstance(left, Number) else self.scalar_times) if scalar else self.odot
            out += sep + self.operand(right, B.Hadamard)
        return out

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

    def _print_Last(self, expr):
        x, k = expr.args
        return self.form("last", self.operand(x, "last")) if k == 0 else self.form(B.Last, self.operand(x, B.Last), k)

    def _print_First(self, expr):
        x, k = expr.args
        return self.form(B.First, self.operand(x, B.First), k)

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

    def call(self, name, *args):
        return f"{name}({', '.join(self._print(a) for a in args)})"

    def _print_Power(self, expr):
        x, p = expr.args
        base = self.operand(x, B.Power)
        if self.unicode and isinstance(p, Number) and p.is_Integer:
            return base + str(p).translate(SUPERSCRIPTS)
        bare = isinstance(p, Number) and p.is_Integer and p >= 0
        return self.form(B.Power, base, str(p) if bare else f"({self._print(p)})")

    def _print_Elementwise(self, expr):
        f = expr.function
        return self.call(TEXT_FUNCTIONS.get(f) or self.table[B.Elementwise].format(f), expr.args[1])


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

    def latex_name(self, name):
        """A variable's name as sympy writes it, worked out once: every step's node repeats it."""
        names = self.__dict__.setdefault("_names", {})
        if name not in names:
            names[name] = self._print(Symbol(name))
        return names[name]

    def entry(self, var, *index):
        r"""``var`` with its time and then ``index`` as subscripts: ``\hat{y}_{t,i}``."""
        name = self.latex_name(var.name)
        sub = ",".join([*(time_text(x) for x in var.time), *index])
        if not sub:
            return name
        return f"{{{name}}}_{{{sub}}}" if "_" in name else f"{name}_{{{sub}}}"

    def call(self, name, *args):
        return rf"{name}\left({', '.join(self._print(a) for a in args)}\right)"

    def _print_Elementwise(self, expr):
        latex, x = BY_NAME[expr.function].latex, expr.args[1]
        head = latex.removesuffix(r"\left(#1\right)")  # a call goes through call(), which pictures re-spell
        return self.call(head, x) if head != latex else latex.replace("#1", self._print(x))

    def _print_Cat(self, expr):
        return self.form(B.Cat, r" \\ ".join(self._print(a) for a in expr.args))


__all__ = ["BlockLatexPrinter", "BlockTextPrinter", "Form", "NOTATIONS", "PRECEDENCE", "join_terms", "time_text"]
