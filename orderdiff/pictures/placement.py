"""Where the edge labels go: on their own edge, clear of every box, every label and every other edge.

The routes are drawn first; then each label, in the order given, takes the first free
spot along the visible part of its own curve, from the middle outwards: centred on the
curve, else just beside it (the curve just inside its border). A spot is free when the label's box,
kept ``NODE_MARGIN`` from node boxes, ``LABEL_GAP`` from the labels placed before it and
``EDGE_MARGIN`` from every other edge, meets none of them. An edge whose label finds no
free spot may take another of its routes, one that crosses no label placed so far
(``alternatives``); a label that finds none on any route takes the free spot nearest
the middle of its edge, off the edge.

So, whatever the picture: no two label boxes overlap, no label box overlaps a node box,
and no edge crosses a label box other than its own label's. What the layout cannot
promise is that every label touches its own edge; ``stray`` lists those that do not.
Curves are quadratic Bézier curves ``(start, control, end)``; boxes are ``(x, y, w, h)``
with ``(x, y)`` the centre; lengths are in centimetres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

NODE_MARGIN = 0.08  # between a label and a node box: room for the arrowheads on the border
LABEL_GAP = 0.06  # between two labels
EDGE_MARGIN = 0.04  # between a label and an edge that is not its own
SEGMENTS = 32  # straight pieces a curve is checked as
SPOTS = (0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8, 0.15, 0.85, 0.1, 0.9)
ON_SIDE = 0.03  # how far inside its border a label beside its curve holds the curve
RING = 0.25  # cm between the rings searched for a label that fits nowhere on its edge


@dataclass
class Placed:
    """Where one edge and its label went: its ``route``, the ``visible`` part and the label's centre."""

    route: tuple
    visible: tuple
    at: tuple
    stray: bool = False  # the label does not touch its edge


def bezier(route, t):
    """The point at ``t`` of the quadratic Bézier curve ``route``."""
    (x0, y0), (cx, cy), (x2, y2) = route
    a, b, c = (1 - t) ** 2, 2 * t * (1 - t), t * t
    return a * x0 + b * cx + c * x2, a * y0 + b * cy + c * y2


def polyline(curve, pieces=SEGMENTS):
    """``curve`` as ``pieces`` segments, with their bounding box: ``(points, (xmin, ymin, xmax, ymax))``."""
    points = [bezier(curve, k / pieces) for k in range(pieces + 1)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return points, (min(xs), min(ys), max(xs), max(ys))


def grown(box, margin):
    x, y, w, h = box
    return x, y, w + 2 * margin, h + 2 * margin


def overlap(a, b):
    """Whether boxes ``a`` and ``b`` share more than a border."""
    return abs(a[0] - b[0]) < (a[2] + b[2]) / 2 and abs(a[1] - b[1]) < (a[3] + b[3]) / 2


def segment_meets(p, q, box):
    """Whether the segment ``p``-``q`` meets the inside of ``box`` (Liang-Barsky clipping)."""
    x, y, w, h = box
    lo, hi = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for d, near, far in ((dx, p[0] - (x - w / 2), (x + w / 2) - p[0]),
                         (dy, p[1] - (y - h / 2), (y + h / 2) - p[1])):
        for step, room in ((-d, near), (d, far)):
            if step == 0:
                if room <= 0:
                    return False
            elif step < 0:
                lo = max(lo, room / step)
            else:
                hi = min(hi, room / step)
    return lo < hi


def crosses(line, box):
    """Whether the polyline ``line`` (from :func:`polyline`) meets the inside of ``box``."""
    points, (x0, y0, x1, y1) = line
    x, y, w, h = box
    if x1 <= x - w / 2 or x0 >= x + w / 2 or y1 <= y - h / 2 or y0 >= y + h / 2:
        return False
    return any(segment_meets(p, q, box) for p, q in zip(points, points[1:]))


class Board:
    """What is already drawn: node boxes, placed labels, and the edges' curves by key."""

    def __init__(self, boxes, curves):
        self.boxes = [grown(b, NODE_MARGIN) for b in boxes]
        self.labels = {}
        self.lines = {k: polyline(c) for k, c in curves.items()}

    def free(self, box, key):
        """Whether a label of edge ``key`` may stand at ``box``."""
        return (not any(overlap(box, b) for b in self.boxes)
                and not any(overlap(grown(box, LABEL_GAP), b) for b in self.labels.values())
                and not any(crosses(line, grown(box, EDGE_MARGIN))
                            for k, line in self.lines.items() if k != key))

    def clear(self, curve):
        """Whether ``curve`` crosses none of the labels placed so far."""
        line = polyline(curve)
        return not any(crosses(line, grown(b, EDGE_MARGIN)) for b in self.labels.values())


def candidates(curve, size):
    """Label centres on ``curve``: centred at each spot from the middle out, then beside it, the
    spot just inside the label's border (above or below, left or right, the side the curve
    faces first)."""
    w, h = size
    for t in SPOTS:
        yield bezier(curve, t)
    for t in SPOTS:
        x, y = bezier(curve, t)
        nx, ny = normal(curve, t)
        across = [(0.0, h / 2 - ON_SIDE), (w / 2 - ON_SIDE, 0.0)]
        for dx, dy in across if abs(ny) >= abs(nx) else across[::-1]:
            yield x + dx, y + dy
            yield x - dx, y - dy


def normal(curve, t):
    """The unit normal of ``curve`` at ``t``."""
    (x0, y0), (cx, cy), (x2, y2) = curve
    dx = 2 * (1 - t) * (cx - x0) + 2 * t * (x2 - cx)
    dy = 2 * (1 - t) * (cy - y0) + 2 * t * (y2 - cy)
    length = math.hypot(dx, dy) or 1.0
    return -dy / length, dx / length


def spot(board, key, curve, size):
    """The first free label centre on ``curve`` for edge ``key``, or None."""
    for at in candidates(curve, size):
        if board.free((*at, *size), key):
            return at
    return None


def nearest_free(board, key, curve, size):
    """The free label centre nearest the middle of ``curve``, searched ring by ring (always found:
    past the drawing, everything is free)."""
    x, y = bezier(curve, 0.5)
    for ring in range(1, 10_000):
        for k in range(8 * ring):
            a = 2 * math.pi * k / (8 * ring)
            at = (x + ring * RING * math.cos(a), y + ring * RING * math.sin(a))
            if board.free((*at, *size), key):
                return at
    raise AssertionError("no free spot for a label")  # unreachable: far out, nothing is drawn


def place(boxes, edges, sizes, alternatives=None):
    """Place the label of each edge, trying other routes where it finds no room.

    Parameters
    ----------
    boxes : list of tuple
        The node boxes ``(x, y, w, h)``.
    edges : dict
        ``{key: (route, visible)}`` in the order the labels are placed; ``visible`` is
        the part of ``route`` drawn between the two boxes.
    sizes : dict
        ``{key: (w, h)}``, the size of each edge's label.
    alternatives : callable, optional
        ``alternatives(key, labels)`` -> iterable of ``(route, visible)``, other routes
        for the edge ``key``, given the label boxes placed so far.

    Returns
    -------
    dict
        ``{key: Placed}``.

    Examples
    --------
    >>> out = place([(0, 0, 1, 1), (4, 0, 1, 1)], {"e": (((0, 0), (2, 0), (4, 0)),) * 2}, {"e": (1, 0.4)})
    >>> out["e"].at, out["e"].stray
    ((2.0, 0.0), False)
    """
    board = Board(boxes, {k: visible for k, (_, visible) in edges.items()})
    out = {}
    for key, (route, visible) in edges.items():
        size = sizes[key]
        at = spot(board, key, visible, size)
        if at is None and alternatives is not None:
            for other, seen in alternatives(key, list(board.labels.values())):
                if not board.clear(seen):
                    continue
                board.lines[key] = polyline(seen)
                at = spot(board, key, seen, size)
                if at is not None:
                    route, visible = other, seen
                    break
            board.lines[key] = polyline(visible)
        stray = at is None
        if stray:
            at = nearest_free(board, key, visible, size)
        board.labels[key] = (*at, *size)
        out[key] = Placed(route, visible, at, stray)
    return out
