r"""What a block derivation's picture says: d+C/dv on each node, each edge's share of Eq. 1.

A node shows its name and ``∂⁺C/∂v = ...``, broken over at most ``MAX_LINES`` lines at
the terms of its sums and the factors of its elementwise products. An edge ``u -> v``
shows v's share of d+C/du in Eq. 1 (the vector-Jacobian product of v's equation) with
``g`` written for d+C/dv, the ordered derivative at the edge's head: ``W_ihᵀ g`` on
xc[t] -> zh[t], ``g[n_x:n_h + n_x]`` on h[1] -> xc[2]. So d+C/du is the explicit dC/du
plus the labels of u's outgoing edges, each with its head's d+C/dv put for ``g``. (A
system with its own variable ``g`` gets ``g'``.) Text longer than a line ends in ``…``.

The LaTeX is :class:`~orderdiff.printers.blockexpr.BlockLatexPrinter`'s, with the
ordered derivative written inline (``\partial^{+} C / \partial h_{t}``), function names
in ``\mathrm`` and ``concat`` as ``[a;\ b]``: it needs no amsmath, for TikZ and mathtext.
"""

from __future__ import annotations

from sympy import Number

from ..blocks import expr as B
from ..printers.blockexpr import NEG, PRODUCT, SUM, BlockLatexPrinter, BlockTextPrinter
from .labels import ellipsis
from .model import Label

LINE = 32  # characters of text on one line of a node
MAX_LINES = 3  # lines of a node's expression
EDGE_CHARS = 40  # characters of an edge's label


class PictureBlockLatexPrinter(BlockLatexPrinter):
    r"""Block LaTeX for pictures: inline ``\partial^{+}``, ``\mathrm`` names, ``[a;\ b]``, and a
    thin space for a product of matrices, which letters alone would not show (``g \, xc_{t}^{\top}``)."""

    matmul = r" \, "

    def ordered(self, var, of=None):
        return rf"\partial^{{+}} {self._print(of or self.target)} / \partial {self._print(var)}"

    def call(self, name, *args):
        return super().call(name.replace(r"\operatorname{", r"\mathrm{"), *args)

    def _print_SumT(self, expr):
        return r"\Sigma_{t}\, " + self.wrap(expr.args[0], NEG)

    def _print_Cat(self, expr):
        return r"\left[" + r";\ ".join(self._print(a) for a in expr.args) + r"\right]"


class BlockLabels:
    """The label functions of one block derivation's picture.

    Examples
    --------
    >>> import orderdiff
    >>> d = orderdiff.derive(orderdiff.load("examples/elman.eqs"), steps=2)
    >>> labels = BlockLabels(d)
    >>> xc, zh = d.system.var("xc", 2), d.system.var("zh", 2)
    >>> labels.share(xc, zh, d.steps[xc].terms[0][1]).text
    'W_ihᵀ g'
    >>> [line.text for line in labels.node(xc, d.recursive[xc])]
    ['xc[2]', '∂⁺C/∂xc[2] = W_ihᵀ ∂⁺C/∂zh[2]']
    """

    def __init__(self, derivation):
        self.d = derivation
        self.text = BlockTextPrinter(derivation.target)
        self.latex = PictureBlockLatexPrinter(derivation.target)
        names = {*derivation.system.equations, *derivation.system.declarations, *derivation.system.inits}
        self.g = "g'" if "g" in names else "g"

    def name(self, v):
        return self.text.doprint(v)

    def label(self, e):
        return Label(self.latex.doprint(e), self.text.doprint(e))

    def node(self, v, form):
        """The lines of ``v``'s box: its name, then ``∂⁺C/∂v = form`` (none when ``form`` is None)."""
        lhs = Label(self.latex.ordered(v), self.text.ordered(v))
        return (self.label(v), *(() if form is None else self.lines(lhs, form)))

    def lines(self, lhs, form):
        """``lhs = form`` over at most ``MAX_LINES`` lines of at most ``LINE`` characters."""
        out, line, clipped = [], [(f"{lhs.text} =", f"{lhs.math} =")], False
        for piece in pieces(form, self.text, self.latex, max(LINE - len(lhs.text) - 2, 12)):
            if len(piece[0]) > LINE + 10:
                piece, clipped = ("…", r"\ldots"), True
                if line and line[-1] == piece:
                    continue
            if len(" ".join(t for t, _ in line + [piece])) > LINE and len(line) > (0 if out else 1):
                out.append(line)
                line = []
            line.append(piece)
        out.append(line)
        if len(out) > MAX_LINES:
            last = [p for p in out[MAX_LINES - 1] if p[0] != "…"]
            out, clipped = out[:MAX_LINES - 1] + [last + [("…", r"\ldots")]], True
        return [Label(" ".join(m for _, m in ln), " ".join(t for t, _ in ln), clipped) for ln in out]

    def share(self, v, user, share, tag=None):
        """The label of the edge ``v -> user``: ``share`` with ``g`` for d+C/d(user).

        ``tag`` (``t-1``, ``t = 1``) leads the label of an edge between steps.
        """
        g = B.Var(self.g, user.shape)
        seen = {a: g for a in B.adjoints(share) if a.args[0].name == user.name}
        label = self.label(share.xreplace(seen))
        if len(label.text) > EDGE_CHARS:
            label = ellipsis()
        if tag is None:
            return label
        return Label(rf"{tag}:\ {label.math}", f"{tag}: {label.text}", label.clipped)


def pieces(e, text, latex, limit):
    """``[(text, latex)]``: ``e`` cut at its top-level ``+``, ``-`` and ``⊙`` while too long.

    Each piece after the first starts with its operator; brackets opened in one piece
    close in a later one (plain ``(`` and ``)`` in LaTeX, since each line is set alone).
    """
    whole = text.doprint(e)
    if len(whole) <= limit or not isinstance(e, (B.Plus, B.Hadamard)):
        return [(whole, latex.doprint(e))]
    out = []
    if isinstance(e, B.Plus):
        for k, (sign, a) in enumerate(signed(e)):
            sub = bracketed(a, PRODUCT if sign == "-" else SUM, text, latex, limit)
            if k or sign == "-":
                sub[0] = prefixed(sub[0], sign if k == 0 else f"{sign} ", sign if k == 0 else f"{sign} ")
            out += sub
        return out
    for k, f in enumerate(e.args):
        sub = bracketed(f, text.table[B.Hadamard].operands[0], text, latex, limit)
        left = e.args[k - 1] if k else None
        if k and isinstance(left, Number):  # keep a number with what it scales
            out[-1] = (f"{out[-1][0]}{text.number_times}{sub[0][0]}", f"{out[-1][1]} {sub[0][1]}")
            sub = sub[1:]
        elif k:
            scalar = not B.shape_of(left) or not B.shape_of(f)
            sep = (text.scalar_times, r"\cdot") if scalar else (text.odot, r"\odot")
            sub[0] = prefixed(sub[0], sep[0].strip() + " ", sep[1] + " ")
        out += sub
    return out


def bracketed(a, least, text, latex, limit):
    """The pieces of ``a`` as an operand that binds at least ``least``, bracketed if need be."""
    if text.level(a) >= least:
        return pieces(a, text, latex, limit)
    whole = text.wrap(a, least)
    sub = pieces(a, text, latex, limit - 2) if len(whole) > limit else []
    if len(sub) < 2:
        return [(whole, latex.wrap(a, least))]
    sub[0] = ("(" + sub[0][0], "(" + sub[0][1])
    sub[-1] = (sub[-1][0] + ")", sub[-1][1] + ")")
    return sub


def prefixed(piece, text, math):
    return text + piece[0], math + piece[1]


def signed(e):
    """``[(sign, term)]`` of a sum, as the printers read its terms (``a - b`` is ``b`` with ``-``)."""
    out = []
    for a in e.args:
        if isinstance(a, B.Neg):
            out.append(("-", a.args[0]))
        elif isinstance(a, B.Hadamard) and isinstance(a.args[0], Number) and a.args[0] < 0:
            c, rest = -a.args[0], a.args[1:]
            out.append(("-", B.Hadamard(c, *rest) if c != 1 else rest[0] if len(rest) == 1
                        else B.Hadamard(*rest)))
        elif isinstance(a, Number) and a < 0:
            out.append(("-", -a))
        else:
            out.append(("+", a))
    return out
