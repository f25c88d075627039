"""What a picture is made of: labels, placed nodes and edges, and the whole :class:`Picture`.

Lengths are in centimetres, text sizes in points. :mod:`~orderdiff.pictures.textsize`
measures a label from its LaTeX, without a renderer, so that every writer (matplotlib,
TikZ) draws the boxes the layout planned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .textsize import CM_PER_PT, plain_size, text_size  # noqa: F401  (the layout's measures)

MAX_NODES = 40
NODE_PT, EDGE_PT = 10.0, 8.0  # font sizes of node and edge labels, as drawn by every writer
GAP = 0.3  # cm between boxes
PAD = 0.15  # cm of padding inside a box around its text


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
    note_lines : tuple of str
        The notes as drawn under the picture: broken into lines at its width.
    bounds : tuple
        ``(xmin, ymin, xmax, ymax)`` of everything drawn, margins included.
    ranks : tuple of tuple of str, optional
        Nodes Graphviz keeps level (``rank=same``); default: the columns.
    legend : tuple of str
        The notes that say how to read the picture, rather than what it leaves out.
    adjoint : str or None
        The symbol the edge labels of a block picture write for the ordered derivative at
        the edge's head (``g``, or ``g'`` in a system with a variable ``g``); None when the
        labels are explicit partials.
    """

    target: str
    nodes: tuple
    edges: tuple
    columns: tuple
    depth: int | None = None
    beyond: tuple = ()
    unrelated: tuple = ()
    notes: tuple = ()
    note_lines: tuple = ()
    bounds: tuple = (0.0, 0.0, 1.0, 1.0)
    ranks: tuple | None = None
    legend: tuple = ()
    adjoint: str | None = None
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


def edge_labels(picture):
    """What the edge labels of ``picture`` are, in words (for the comment of a .dot or .tex file)."""
    if picture.adjoint is None:
        return "explicit partials"
    return f"each edge's share of Eq. 1 ({picture.adjoint}: the ordered derivative at its head)"
