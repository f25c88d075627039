"""How edges run and where their labels sit, on top of the node boxes already placed.

An edge between neighbouring columns is straight. An edge that skips columns is a
quadratic Bézier arc whose control point lies straight above (or below) the middle of
its chord, so that its height over each column is known in closed form: the arc goes
over the top (or under the bottom) of every box in the columns it skips, and arcs
over overlapping column ranges are stacked one label height apart. The labels then go
where :mod:`~orderdiff.pictures.placement` finds room along the visible part of their
curves (between the two boxes), clear of the boxes, the other labels and the other edges.
"""

from __future__ import annotations

from . import placement
from .model import EDGE_PT, GAP, Edge, text_size
from .placement import bezier

LABEL_PAD = 0.05  # cm around an edge label's text


def route_edges(nodes, edge_labels, key):
    """The drawn edges (the keys of ``edge_labels``) between placed ``nodes``: straight ones first,
    then arcs from the shortest."""
    def order(e):
        u, v = e
        return (nodes[v].column - nodes[u].column, nodes[u].column, key(u), key(v))

    sizes = {e: label_size(edge_labels[e]) for e in edge_labels}
    routes, arcs = {}, []
    for u, v in sorted(edge_labels, key=order):
        if nodes[v].column == nodes[u].column + 1:
            routes[u, v] = straight(nodes[u], nodes[v])
        else:
            routes[u, v], side, apex = arc(nodes[u], nodes[v], sizes[u, v], nodes.values(), arcs)
            arcs.append((nodes[u].column, nodes[v].column, side, apex, sizes[u, v][1]))
    chosen = {}
    for u, v in sorted(edge_labels, key=order):
        route, a, b = routes[u, v], nodes[u], nodes[v]
        t0 = crossing(route, (a.x, a.y, a.w, a.h), leaving=True)
        t1 = crossing(route, (b.x, b.y, b.w, b.h), leaving=False)
        chosen[u, v] = route, sub_curve(route, t0, t1)
    placed = placement.place([(n.x, n.y, n.w, n.h) for n in nodes.values()], chosen, sizes)
    return tuple(Edge(nodes[u].name, nodes[v].name, edge_labels[u, v], routes[u, v], placed[u, v].visible,
                      placed[u, v].at, *sizes[u, v]) for u, v in chosen)


def label_size(label):
    w, h = text_size([label], EDGE_PT)
    return w + 2 * LABEL_PAD, h + 2 * LABEL_PAD


def straight(a, b):
    return (a.x, a.y), ((a.x + b.x) / 2, (a.y + b.y) / 2), (b.x, b.y)


def arc(a, b, size, nodes, arcs):
    """The arc from box ``a`` to box ``b``: route, side (+1 over, -1 under) and apex height."""
    best = None
    for side in (1, -1):
        m, crowd = lift(a, b, size, side, nodes, arcs)
        rank = (crowd, m)
        if best is None or rank < best[0]:
            best = (rank, side, m)
    _, side, m = best
    mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
    apex = my + side * m
    return ((a.x, a.y), (mx, my + 2 * side * m), (b.x, b.y)), side, apex


def lift(a, b, size, side, nodes, arcs):
    """How far the middle of the arc must rise on ``side``, and how many arcs are there already.

    The curve is ``chord(t) + 4t(1-t)m`` in height; it must clear every box between the
    two columns, its label (at the middle) every box under it, and the label of every
    arc placed earlier on this side over an overlapping range of columns.
    """
    def chord(x):
        t = (x - a.x) / (b.x - a.x)
        return t, a.y + t * (b.y - a.y)

    mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
    lw, lh = size
    m = GAP
    for n in nodes:
        edge = side * n.y + n.h / 2  # the box's far side, measured towards ``side``
        if a.column < n.column < b.column:
            for x in (n.x - n.w / 2, n.x + n.w / 2):
                t, y = chord(min(max(x, a.x + 1e-9), b.x - 1e-9))
                m = max(m, (edge + GAP - side * y) / (4 * t * (1 - t)))
        if abs(n.x - mx) < (n.w + lw) / 2 and n is not a and n is not b:
            m = max(m, edge + GAP + lh / 2 - side * my)
    crowd = 0
    for c0, c1, s, apex, h in arcs:
        if s == side and max(c0, a.column) < min(c1, b.column):
            crowd += 1
            m = max(m, side * apex + (h + lh) / 2 + GAP - side * my)
    return m, crowd


def sub_curve(route, t0, t1):
    """The part of a quadratic Bézier curve between parameters ``t0`` and ``t1`` (blossoming)."""
    (x0, y0), (cx, cy), (x2, y2) = route
    a, b, c = (1 - t0) * (1 - t1), (1 - t0) * t1 + t0 * (1 - t1), t0 * t1
    control = (a * x0 + b * cx + c * x2, a * y0 + b * cy + c * y2)
    return bezier(route, t0), control, bezier(route, t1)


def inside(point, box):
    x, y, w, h = box
    return abs(point[0] - x) <= w / 2 and abs(point[1] - y) <= h / 2


def crossing(route, box, leaving):
    """The parameter where the curve leaves (or enters) ``box``, by bisection."""
    lo, hi = (0.0, 0.5) if leaving else (0.5, 1.0)
    for _ in range(40):
        mid = (lo + hi) / 2
        if inside(bezier(route, mid), box) == leaving:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
