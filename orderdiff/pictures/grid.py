"""A picture on a grid: nodes in given rows and columns, edges routed around the boxes.

The block pictures (:mod:`~orderdiff.pictures.blocks`) know where each node belongs:
one row per level of a step (bottom to top) and one column per step. Nodes of one
cell stand side by side; a node may stand between columns (a fractional column). An
edge is straight when the segment between the centres of its two boxes crosses no
other box, else a quadratic arc bent to one side just enough to clear them; an edge
from a node to itself is a loop on a free side of its box. The labels go where
:mod:`~orderdiff.pictures.placement` finds room, on their own edges and clear of the
others. Lengths are in centimetres.
"""

from __future__ import annotations

import itertools
import math

import numpy

from . import placement
from .model import GAP, Edge, Node
from .routes import bezier, crossing, label_size, sub_curve

CELL_GAP = 2 * GAP  # between the boxes of one cell
CLEAR = 0.12  # kept between a curve and a box it passes
BENDS = (0.0, *(s * k * 0.4 for k in range(1, 50) for s in (1, -1)))  # apex offsets tried
SAMPLES = 80
LOOP = 0.7  # how far a loop reaches out of its box
LEEWAY = 1.2  # how much more an edge may bend to go around the places held for labels
FURTHER = 3.0  # and how much more to find room for its own label


def positions(cells, sizes, key, row_gap, col_gap, apart=lambda r: 0.0):
    """``{node: (x, y)}`` for ``cells`` ``{node: (row, column)}``; rows go up, columns right.

    The first node of a cell (in ``key`` order) stands on its column's axis, the others
    to its right, ``CELL_GAP`` plus ``apart(row)`` apart. ``row_gap(r, s)`` and
    ``col_gap(c, d)`` give the room between neighbouring rows and columns; a node in a
    fractional column stands between the columns around it.
    """
    groups = {}
    for v in sorted(cells, key=key):
        groups.setdefault(cells[v], []).append(v)
    rows = sorted({r for r, _ in cells.values()})
    cols = sorted({c for _, c in cells.values() if c == int(c)})
    heights = {r: max(sizes[v][1] for v in cells if cells[v][0] == r) for r in rows}
    left = {c: max(sizes[g[0]][0] / 2 for (_, d), g in groups.items() if d == c) for c in cols}
    right = {c: max(sum(sizes[v][0] + CELL_GAP + apart(r) for v in g) - CELL_GAP - apart(r)
                    - sizes[g[0]][0] / 2 for (r, d), g in groups.items() if d == c) for c in cols}
    ys = stack(rows, lambda r: heights[r] / 2, lambda r: heights[r] / 2, row_gap)
    xs = stack(cols, left.get, right.get, col_gap)
    out = {}
    for (r, c), group in groups.items():
        x = xs[c] if c in xs else between(xs, c)
        for v, w in zip(group, group[1:] + [None]):
            out[v] = (x, ys[r])
            if w is not None:
                x += sizes[v][0] / 2 + CELL_GAP + apart(r) + sizes[w][0] / 2
    return out


def beside(wanted, sizes, key, edge, side, gap):
    """``{node: (x, y)}`` for a column of boxes beside the others, each as level with its
    ``wanted`` height as the column allows.

    The column stands ``gap`` from ``edge`` (the x the others reach to) on ``side`` (+1
    right, -1 left), its boxes aligned on the side that faces the others. They keep the
    order of their wanted heights (``key`` breaking ties), top to bottom, ``CELL_GAP``
    apart: a run of boxes that would overlap is moved as one, to the mean of its wishes
    (the least squares fit).
    """
    order = sorted(wanted, key=lambda v: (-wanted[v], key(v)))
    blocks = []  # [nodes, top]: each run of boxes stacked from its top down
    for v in order:
        blocks.append([[v], wanted[v] + sizes[v][1] / 2])
        while len(blocks) > 1 and bottom(blocks[-2], sizes) - CELL_GAP < blocks[-1][1]:
            nodes = blocks[-2][0] + blocks.pop()[0]
            blocks[-1] = [nodes, fit(nodes, wanted, sizes)]
    out = {}
    for nodes, top in blocks:
        for v in nodes:
            out[v] = (edge + side * (gap + sizes[v][0] / 2), top - sizes[v][1] / 2)
            top -= sizes[v][1] + CELL_GAP
    return out


def bottom(block, sizes):
    nodes, top = block
    return top - sum(sizes[v][1] for v in nodes) - CELL_GAP * (len(nodes) - 1)


def fit(nodes, wanted, sizes):
    """The top of a run of ``nodes`` stacked ``CELL_GAP`` apart that puts them nearest their wishes."""
    below, offsets = 0.0, []
    for v in nodes:  # how far under the run's top each centre stands
        offsets.append(below + sizes[v][1] / 2)
        below += sizes[v][1] + CELL_GAP
    return sum(wanted[v] + o for v, o in zip(nodes, offsets)) / len(nodes)


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
    ends = [(a.x, a.y, a.w, a.h), (b.x, b.y, b.w, b.h)]
    near = [box for box in boxes if box not in ends and reaches(route, box, CLEAR)]
    if not near:
        return 0
    samples = [p for p in (bezier(route, i / SAMPLES) for i in range(1, SAMPLES))
               if not any(inside(p, box, 0) for box in ends)]
    if not samples:
        return 0
    # inside() for every sample and box at once: the same float operations, in arrays
    p, box = numpy.array(samples), numpy.array(near)
    across = numpy.abs(p[:, :1] - box[:, 0]) <= box[:, 2] / 2 + CLEAR
    up = numpy.abs(p[:, 1:] - box[:, 1]) <= box[:, 3] / 2 + CLEAR
    return int(numpy.count_nonzero(across & up))


def reaches(route, box, margin):
    """Whether ``box`` (grown by ``margin``) meets the bounding box of the route's control points,
    which holds the whole curve: a box that does not can hold none of its samples."""
    x, y, w, h = box
    xs, ys = [p[0] for p in route], [p[1] for p in route]
    margin += 1e-9  # the samples, computed in floating point, may stand a rounding outside the hull
    return (x - w / 2 - margin <= max(xs) and min(xs) <= x + w / 2 + margin
            and y - h / 2 - margin <= max(ys) and min(ys) <= y + h / 2 + margin)


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


def cut(r, a, b):
    return sub_curve(r, crossing(r, (a.x, a.y, a.w, a.h), True), crossing(r, (b.x, b.y, b.w, b.h), False))


def loops(a, boxes, size, curves=()):
    """Loops from box ``a`` back to itself, three on each side (at its middle and towards either
    end): first those crossing fewest boxes, then those whose room for a label of ``size``
    around them the fewest ``curves`` cross."""
    out = []
    for (dx, dy), along in itertools.product(((1, 0), (0, -1), (-1, 0), (0, 1)), (0.0, 0.25, -0.25)):
        edge = (a.w / 2 if dx else a.h / 2) - 0.05  # just inside the box's side
        side = a.h if dx else a.w
        spread = min(side * 0.25, 0.35)
        px, py = -dy, dx  # along the side
        mid = (a.x + dx * edge + px * along * side, a.y + dy * edge + py * along * side)
        start = (mid[0] + px * spread, mid[1] + py * spread)
        end = (mid[0] - px * spread, mid[1] - py * spread)
        out.append((start, (mid[0] + dx * 2 * LOOP, mid[1] + dy * 2 * LOOP), end))
    lines = [placement.polyline(c) for c in curves]

    def crowd(r):
        (x0, y0), _, (x2, y2) = r
        apex = bezier(r, 0.5)
        xs, ys = (x0, x2, apex[0]), (y0, y2, apex[1])
        room = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2,
                max(xs) - min(xs) + 2 * size[0], max(ys) - min(ys) + 2 * size[1])
        return sum(placement.crosses(line, room) for line in lines)

    return sorted(out, key=lambda r: (hits(r, a, a, boxes), crowd(r)))


def edges(nodes, specs):
    """The drawn :class:`Edge` of each ``(u, v, label, dashed)`` in ``specs`` between placed ``nodes``,
    and the ``(u, v, label size)`` of those whose labels found no room on their edges.

    Edges that can be straight come first, and among each, shorter edges first, so that
    their labels keep the places nearest their middles (:func:`routed`). The labels are
    then placed for good (:func:`~orderdiff.pictures.placement.place`); an edge whose
    label finds no room takes a route bent further, up to ``FURTHER`` more.
    """
    boxes = [(n.x, n.y, n.w, n.h) for n in nodes.values()]

    def order(spec):
        a, b = nodes[spec[0]], nodes[spec[1]]
        bent = a is b or hits(((a.x, a.y), ((a.x + b.x) / 2, (a.y + b.y) / 2), (b.x, b.y)), a, b, boxes)
        return bool(bent), math.hypot(a.x - b.x, a.y - b.y)

    specs = sorted(specs, key=order)
    ends = {k: (nodes[u], nodes[v]) for k, (u, v, _, _) in enumerate(specs)}
    sizes = {k: label_size(spec[2]) for k, spec in enumerate(specs)}
    chosen = routed(ends, sizes, boxes)

    def alternatives(k, labels):
        a, b = ends[k]
        if a is b:
            others = [visible for j, (_, visible) in chosen.items() if j != k]
            return ((r, cut(r, a, a)) for r in loops(a, boxes, sizes[k], others)[1:])
        return ((r, cut(r, a, b)) for r in bent_further(a, b, boxes + labels, chosen[k][0]))

    placed = placement.place(boxes, chosen, sizes, alternatives)
    drawn = tuple(Edge(nodes[u].name, nodes[v].name, label, placed[k].route, placed[k].visible,
                       placed[k].at, *sizes[k], dashed=dashed)
                  for k, (u, v, label, dashed) in enumerate(specs))
    return drawn, [(u, v, sizes[k]) for k, (u, v, _, _) in enumerate(specs) if placed[k].stray]


def routed(ends, sizes, boxes):
    """``{k: (route, visible part)}`` for the edges ``ends[k] = (a, b)``, in the order of ``ends``.

    Each edge takes its least bent route clear of the boxes and of a place held for the
    label of each edge routed before it, unless that bends it ``LEEWAY`` more than the
    boxes alone would. Loops come last, on the side of their box the others leave freest.
    """
    taken, chosen = {}, {}
    held = placement.Board(boxes, {})  # a place held for each label, that later edges go around
    for k in sorted(ends, key=lambda k: ends[k][0] is ends[k][1]):
        a, b = ends[k]
        pair, around = frozenset((a.name, b.name)), boxes + list(held.labels.values())
        if a is b:
            r = loops(a, around, sizes[k], [visible for _, visible in chosen.values()])[0]
        else:
            plain, r = (next(routes(a, b, room, taken.get(pair, []))) for room in (boxes, around))
            r = r if bend(r) <= bend(plain) + LEEWAY else plain
        taken.setdefault(pair, []).append(r[1])
        chosen[k] = r, cut(r, a, b)
        at = placement.spot(held, k, chosen[k][1], sizes[k]) or placement.bezier(chosen[k][1], 0.5)
        held.labels[k] = (*at, *sizes[k])
    return {k: chosen[k] for k in ends}


def bend(r):
    """How far the middle of route ``r`` stands off its chord."""
    return math.dist(r[1], ((r[0][0] + r[2][0]) / 2, (r[0][1] + r[2][1]) / 2)) / 2


def bent_further(a, b, boxes, first):
    """The routes from ``a`` to ``b`` clear of ``boxes``, bent at most ``FURTHER`` more than ``first``."""
    for r in routes(a, b, boxes, [first[1]]):
        if bend(r) > bend(first) + FURTHER:
            return
        if hits(r, a, b, boxes) == 0:
            yield r


def node(key, name, lines, at, size, column):
    return Node(key, name, tuple(lines), at[0], at[1], size[0], size[1], column)
