"""What a picture is made of: labels, placed nodes and edges, and the whole :class:`Picture`.

Lengths are in centimetres, text sizes in points. ``text_size`` estimates the size of
a label from its LaTeX, without a renderer, so that every writer (matplotlib, TikZ)
draws the boxes the layout planned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

MAX_NODES = 40
NODE_PT, EDGE_PT = 10.0, 8.0  # font sizes of node and edge labels, as drawn by every writer
GAP = 0.3  # cm between boxes
PAD = 0.15  # cm of padding inside a box around its text
CM_PER_PT = 2.54 / 72.27


@dataclass(frozen=True)
class Label:
    """One line of text in two spellings: LaTeX math (without ``$``) and plain Unicode.

    ``clipped`` marks a line whose expression was too long to show and was replaced
    by an ellipsis.
    """

    math: str
    text: str
    clipped: bool = False


@dataclass(frozen=True)
class Node:
    """A drawn node: its graph key, unique ``name``, label lines and box (centre, size)."""

    key: object
    name: str
    lines: tuple
    x: float
    y: float
    w: float
    h: float
    column: int
    cut: bool = False  # some of its predecessors are left out of the picture


@dataclass(frozen=True)
class Edge:
    """A drawn edge ``u -> v`` (node names), its label, route and label box.

    ``route`` is a quadratic Bézier curve ``(start, control, end)`` between the
    centres of the two boxes (a straight edge has its control point at the middle);
    ``clipped_route`` is the same curve cut at the box borders. A ``dashed`` edge
    joins two steps of a recurrence (see :mod:`~orderdiff.pictures.blocks`).
    """

    u: str
    v: str
    label: Label
    route: tuple
    clipped_route: tuple
    at: tuple
    w: float
    h: float
    dashed: bool = False

    @property
    def straight(self):
        (x0, y0), control, (x2, y2) = self.route
        return control == ((x0 + x2) / 2, (y0 + y2) / 2)


@dataclass(frozen=True)
class Picture:
    """A laid-out picture, ready for a writer (matplotlib, Graphviz or TikZ).

    Attributes
    ----------
    target : str
        The name of the node drawn on the right.
    nodes, edges : tuple of Node, tuple of Edge
    columns : tuple of tuple of str
        Node names per column, left to right, top to bottom.
    depth : int or None
        Nodes within this many edges upstream of the target are drawn (None: all).
    beyond : tuple of str
        Nodes upstream of the target left out because they are farther than ``depth``.
    unrelated : tuple of str
        Nodes left out because the target does not depend on them.
    notes : tuple of str
        Sentences saying what was left out or clipped (empty when nothing was).
    bounds : tuple
        ``(xmin, ymin, xmax, ymax)`` of everything drawn, margins included.
    ranks : tuple of tuple of str, optional
        Nodes Graphviz keeps level (``rank=same``); default: the columns.
    legend : tuple of str
        The notes that say how to read the picture, rather than what it leaves out.
    """

    target: str
    nodes: tuple
    edges: tuple
    columns: tuple
    depth: int | None = None
    beyond: tuple = ()
    unrelated: tuple = ()
    notes: tuple = ()
    bounds: tuple = (0.0, 0.0, 1.0, 1.0)
    ranks: tuple | None = None
    legend: tuple = ()
    node_map: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def width(self):
        return self.bounds[2] - self.bounds[0]

    @property
    def height(self):
        return self.bounds[3] - self.bounds[1]

    def node(self, name):
        """The drawn node called ``name``."""
        return self.node_map[name]

    def edge(self, u, v):
        """The drawn edge from ``u`` to ``v`` (node names)."""
        return next(e for e in self.edges if (e.u, e.v) == (u, v))


def text_size(lines, pt):
    """Width and height (cm) of label lines at ``pt`` points, estimated from their LaTeX.

    An estimate (:func:`math_size`), fast and without a renderer, good to about a
    tenth for the labels orderdiff writes; boxes are padded for the rest.
    """
    sizes = [math_size(line.math) for line in lines]
    width = max((w for w, _ in sizes), default=0.0)
    height = sum(h for _, h in sizes) + 0.2 * max(len(lines) - 1, 0)
    return width * pt * CM_PER_PT, height * pt * CM_PER_PT


def plain_size(texts, pt):
    """Estimated width and height (cm) of plain-text lines (notes) at ``pt`` points."""
    return (max((len(t) for t in texts), default=0) * 0.55 * pt * CM_PER_PT,
            len(texts) * 1.3 * pt * CM_PER_PT)


TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)
# Widths in ems of what TeX (and mathtext) sets in text-style math.
SPACED = {"=": 1.33, "+": 1.22, "-": 1.22, "<": 1.33, ">": 1.33}
NARROW = {"(": 0.39, ")": 0.39, "[": 0.28, "]": 0.28, "|": 0.28, ",": 0.45, ".": 0.28, "/": 0.5,
          "!": 0.28}
COMMANDS = {"cdot": 0.78, "ldots": 1.2, "dots": 1.2, "infty": 1.0, "times": 1.0, ",": 0.17,
            ";": 0.28, "quad": 1.0, "left": 0.0, "right": 0.0,
            # block labels: ⊙ spaced like +, ᵀ, ⟨ ⟩, Σ, and an accent, which adds no width
            "odot": 1.22, "top": 0.78, "langle": 0.39, "rangle": 0.39, "Sigma": 0.72, "hat": 0.0}
SMALL, UPRIGHT = 0.7, 0.5


@lru_cache(maxsize=4096)
def math_size(tex):
    r"""``(width, height)`` in ems of the LaTeX math ``tex`` in text style, estimated.

    Examples
    --------
    >>> w, h = math_size(r"\partial^{+} E / \partial z_{1} = 136")
    >>> 6 < w < 7.5, h
    (True, 1.2)
    """
    tokens = [t for t in TOKEN.findall(tex) if not t.isspace()]
    width, tall, _ = measure(tokens, 0, 1.0)
    return width, 2.0 if tall else 1.2


def measure(tokens, i, scale):
    """Width (ems) of ``tokens`` from ``i`` to the end of the group, whether it has a fraction."""
    width, tall = 0.0, False
    while i < len(tokens) and tokens[i] != "}":
        t = tokens[i]
        i += 1
        if t == "{":
            w, f, i = measure(tokens, i, scale)
            i += 1
        elif t in ("^", "_"):
            w, f, i = argument(tokens, i, scale * SMALL)
        elif t == r"\frac":
            a, _, i = argument(tokens, i, scale * SMALL)
            b, _, i = argument(tokens, i, scale * SMALL)
            w, f = max(a, b) + 0.2 * scale, True
        elif t in (r"\mathrm", r"\operatorname", r"\text"):
            w, f, i = argument(tokens, i, scale)
            w *= UPRIGHT / 0.55
        elif t == r"\sqrt":
            w, f, i = argument(tokens, i, scale)
            w += 0.8 * scale
        else:
            w, f = symbol_width(t) * scale, False
        width, tall = width + w, tall or f
    return width, tall, i


def argument(tokens, i, scale):
    """The width of one argument (a group or a single token) at ``scale``."""
    if i < len(tokens) and tokens[i] == "{":
        w, f, i = measure(tokens, i + 1, scale)
        return w, f, i + 1
    w, f, _ = measure(tokens[i:i + 1], 0, scale)
    return w, f, i + 1


def symbol_width(t):
    if t.startswith("\\"):
        name = t[1:]
        if name in COMMANDS:
            return COMMANDS[name]
        return 0.55 if len(name) > 2 and name.islower() and name not in FUNCTIONS else len(name) * 0.5
    return SPACED.get(t, NARROW.get(t, 0.5 if t.isdigit() else 0.55))


# TeX's upright function names (\tanh, \exp, ...): as wide as their letters; other
# commands (\alpha, \partial, \theta, ...) are one symbol.
FUNCTIONS = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "ln", "arcsin", "arccos",
             "arctan", "max", "min", "sign", "det"}


def edge_labels(picture):
    """What the edge labels of ``picture`` are, in words (for the comment of a .dot or .tex file)."""
    return "each edge's share of Eq. 1 (g: the ordered derivative at its head)" if picture.legend \
        else "explicit partials"
