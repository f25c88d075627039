"""A picture on a grid: nodes in given rows and columns, edges routed around the boxes.

The block pictures (:mod:`~orderdiff.pictures.blocks`) know where each node belongs:
one row per level of a step (bottom to top) and one column per step. Nodes of one
cell stand side by side; a node may stand between columns (a fractional column). An
edge is straight when the segment between the centres of its two boxes crosses no
other box, else a quadratic arc bent to one side just enough to clear them; an edge
from a node to itself is a loop on a free side of its box. Each label takes the first
free spot along the visible part of its curve, as in :mod:`~orderdiff.pictures.routes`.
Lengths are in centimetres.
"""

from __future__ import annotations

import math

from .model import GAP, Edge, Node
from .routes import ARC_SPOTS, LABEL_PAD, STRAIGHT_SPOTS, bezier, crossing, label_size, place, sub_curve

CELL_GAP = 2 * GAP  # between the boxes of one cell
CLEAR = 0.12  # kept between a curve and a box it passes
BENDS = (0.0, *(s * k * 0.4 for k in range(1, 50) for s in (1, -1)))  # apex offsets tried
SAMPLES = 80
LOOP = 0.7  # how far a loop reaches out of its box
LEEWAY = 1.2  # how much more an edge may bend to find room for its label


def positions(cells, sizes, key, row_gap, col_gap):
    """``{node: (x, y)}`` for ``cells`` ``{node: (row, column)}``; rows go up, columns right.

    The first node of a cell (in ``key`` order) stands on its column's axis, the others
    to its right. ``row_gap(r, s)`` and ``col_gap(c, d)`` give the room between
    neighbouring rows and columns; a node in a fractional column stands between the
    columns around it.
    """
    groups = {}
    for v in sorted(cells, key=key):
        groups.setdefault(cells[v], []).append(v)
    rows = sorted({r for r, _ in cells.values()})
    cols = sorted({c for _, c in cells.values() if c == int(c)})
    heights = {r: max(sizes[v][1] for v in cells if cells[v][0] == r) for r in rows}
    left = {c: max(sizes[g[0]][0] / 2 for (_, d), g in groups.items() if d == c) for c in cols}
    right = {c: max(sum(sizes[v][0] + CELL_GAP for v in g) - CELL_GAP - sizes[g[0]][0] / 2
                    for (_, d), g in groups.items() if d == c) for c in cols}
    ys = stack(rows, lambda r: heights[r] / 2, lambda r: heights[r] / 2, row_gap)
    xs = stack(cols, left.get, right.get, col_gap)
    out = {}
    for (r, c), group in groups.items():
        x = xs[c] if c in xs else between(xs, c)
        for v, w in zip(group, group[1:] + [None]):
            out[v] = (x, ys[r])
            if w is not None:
                x += sizes[v][0] / 2 + CELL_GAP + sizes[w][0] / 2
    return out


def stack(keys, below, above, gap):
    """Positions of ``keys`` one after another: each extends ``below(k)`` back and ``above(k)`` on."""
    at, out = 0.0, {}
    for k, key in enumerate(keys):
        if k:
            at += above(keys[k - 1]) + gap(keys[k - 1], key) + below(key)
        out[key] = at
    return out


def between(xs, c):
    lower = [k for k in xs if k < c]
    upper = [k for k in xs if k > c]
    if not lower or not upper:
        return xs[max(lower)] if lower else xs[min(upper)]
    a, b = max(lower), min(upper)
    return xs[a] + (c - a) / (b - a) * (xs[b] - xs[a])


def hits(route, a, b, boxes):
    """How many samples of ``route`` lie in a box other than its ends' (kept ``CLEAR`` apart)."""
    count = 0
    ends = [(a.x, a.y, a.w, a.h), (b.x, b.y, b.w, b.h)]
    for i in range(1, SAMPLES):
        x, y = bezier(route, i / SAMPLES)
        if any(inside((x, y), box, 0) for box in ends):
            continue
        count += sum(inside((x, y), box, CLEAR) for box in boxes if box not in ends)
    return count


def overlaps(a, b):
    """Whether two boxes ``(x, y, w, h)`` overlap (or come closer than ``LABEL_PAD`` side by side)."""
    return abs(a[0] - b[0]) < (a[2] + b[2]) / 2 + LABEL_PAD and abs(a[1] - b[1]) < (a[3] + b[3]) / 2


def inside(point, box, margin):
    x, y, w, h = box
    return abs(point[0] - x) <= w / 2 + margin and abs(point[1] - y) <= h / 2 + margin


def routes(a, b, boxes, taken):
    """Routes ``(start, control, end)`` from box ``a`` to box ``b`` clear of ``boxes``, least bent first.

    ``taken`` holds the control points of earlier edges between the same two boxes,
    which these do not reuse. Without any clear route, the one crossing least.
    """
    (x0, y0), (x2, y2) = (a.x, a.y), (b.x, b.y)
    length = math.hypot(x2 - x0, y2 - y0)
    nx, ny = -(y2 - y0) / length, (x2 - x0) / length
    mx, my = (x0 + x2) / 2, (y0 + y2) / 2
    best, clear = None, False
    for m in BENDS:
        control = (mx + 2 * m * nx, my + 2 * m * ny)
        if any(math.dist(control, c) < 0.5 for c in taken):
            continue
        r = ((x0, y0), control, (x2, y2))
        count = hits(r, a, b, boxes)
        if count == 0:
            clear = True
            yield r
        elif best is None or count < best[0]:
            best = (count, r)
    if not clear:
        yield best[1]


def spot(route, size, boxes):
    """A free place for a label of ``size`` on ``route`` (or just beside it), or None."""
    (x0, y0), (cx, cy), (x2, y2) = route
    straight = (cx, cy) == ((x0 + x2) / 2, (y0 + y2) / 2)
    spots = STRAIGHT_SPOTS if straight else ARC_SPOTS
    w, h = size
    length = math.hypot(x2 - x0, y2 - y0) or 1.0
    out = (cx - (x0 + x2) / 2, cy - (y0 + y2) / 2)
    norm = math.hypot(*out) or 1.0
    nx, ny = (out[0] / norm, out[1] / norm) if not straight else (-(y2 - y0) / length, (x2 - x0) / length)
    shift = abs(nx) * w / 2 + abs(ny) * h / 2 + 0.08
    for t in spots:
        x, y = bezier(route, t)
        for at in ((x, y), (x + nx * shift, y + ny * shift), (x - nx * shift, y - ny * shift)):
            if not any(overlaps((*at, w, h), box) for box in boxes):
                return at
    return None


def routed(a, b, size, boxes, labels, taken):
    """The route from ``a`` to ``b`` and its label's place: the least bent route whose label
    finds a free place, among those bent at most ``LEEWAY`` more than the least bent."""
    first = None
    for r in routes(a, b, boxes + labels, taken):
        bend = math.dist(r[1], ((r[0][0] + r[2][0]) / 2, (r[0][1] + r[2][1]) / 2)) / 2  # at the apex
        first = first or (r, bend)
        if bend > first[1] + LEEWAY:
            break
        visible = cut(r, a, b)
        at = spot(visible, size, boxes + labels)
        if at is not None:
            return r, visible, at
    r = first[0]
    visible = cut(r, a, b)
    return r, visible, place(visible, size, STRAIGHT_SPOTS, boxes + labels)


def cut(r, a, b):
    return sub_curve(r, crossing(r, (a.x, a.y, a.w, a.h), True), crossing(r, (b.x, b.y, b.w, b.h), False))


def loop(a, size, boxes):
    """A loop from box ``a`` back to itself on its first free side, and its label's centre."""
    w, h = size
    best = None
    for dx, dy in ((1, 0), (0, -1), (-1, 0), (0, 1)):
        edge = (a.w / 2 if dx else a.h / 2) - 0.05  # just inside the box's side
        spread = (a.h if dx else a.w) * 0.3
        px, py = -dy, dx  # along the side
        start = (a.x + dx * edge + px * spread, a.y + dy * edge + py * spread)
        end = (a.x + dx * edge - px * spread, a.y + dy * edge - py * spread)
        control = (a.x + dx * (edge + 2 * LOOP), a.y + dy * (edge + 2 * LOOP))
        r = (start, control, end)
        apex, crossed = bezier(r, 0.5), hits(r, a, a, boxes)
        for k in range(4):  # the label beyond the loop's far end, moved out until it is free
            reach = (w if dx else h) / 2 + 0.05 + 0.4 * k
            at = (apex[0] + dx * reach, apex[1] + dy * reach)
            count = crossed + sum(overlaps((*at, w, h), box) for box in boxes)
            if count == 0:
                return r, at
            if best is None or count < best[0]:
                best = (count, r, at)
    return best[1], best[2]


def edges(nodes, specs):
    """The drawn :class:`Edge` of each ``(u, v, label, dashed)`` in ``specs`` between placed ``nodes``.

    Edges that can be straight come first, and bent ones then go around their labels;
    among each, shorter edges first, so that they keep the places nearest their middles.
    """
    boxes = [(n.x, n.y, n.w, n.h) for n in nodes.values()]
    labels, taken, out = [], {}, []

    def length(spec):
        a, b = nodes[spec[0]], nodes[spec[1]]
        return math.hypot(a.x - b.x, a.y - b.y)

    def order(spec):
        a, b = nodes[spec[0]], nodes[spec[1]]
        bent = a is b or hits(((a.x, a.y), ((a.x + b.x) / 2, (a.y + b.y) / 2), (b.x, b.y)), a, b, boxes)
        return bool(bent), length(spec)

    for u, v, label, dashed in sorted(specs, key=order):
        a, b = nodes[u], nodes[v]
        size = label_size(label)
        pair = frozenset((a.name, b.name))
        if a is b:
            r, at = loop(a, size, boxes + labels)
            visible = cut(r, a, a)
        else:
            r, visible, at = routed(a, b, size, boxes, labels, taken.get(pair, []))
        taken.setdefault(pair, []).append(r[1])
        labels.append((*at, *size))
        out.append(Edge(a.name, b.name, label, r, visible, at, *size, dashed=dashed))
    return tuple(out)


def node(key, name, lines, at, size, column):
    return Node(key, name, tuple(lines), at[0], at[1], size[0], size[1], column)
