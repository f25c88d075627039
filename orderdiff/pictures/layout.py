"""Where everything goes: a labelled DAG arranged in columns, as a :class:`Picture`.

Any networkx DiGraph can be arranged, whatever its node type: the caller gives a
function for each node's label lines, one for each edge's label, and one naming
nodes. Columns are ``nx.topological_generations`` (sources on the left, the target
alone on the right); nodes of a column are stacked vertically. An edge between
neighbouring columns is a straight line; an edge that skips columns arcs above or
below the columns it skips. Above ``max_nodes`` nodes only the target's
neighbourhood (nodes within ``depth`` edges upstream of it) is kept, and the
picture says what was left out. Lengths are in centimetres; text sizes in points.
"""

from __future__ import annotations

from dataclasses import replace

import networkx as nx

from .model import EDGE_PT, GAP, MAX_NODES, NODE_PT, PAD, Node, Picture, plain_size, text_size
from .routes import bezier, route_edges

ROW_GAP = 2 * GAP
NOTE_WIDTH = 12.0  # cm: notes wrap at the drawing's width, or at this if it is narrower
STEEP = 0.3  # cm of room between columns per cm that an edge between them climbs


def select(G, target, depth, max_nodes):
    """The nodes to draw, the depth used, and the nodes left out (beyond, unrelated).

    Nodes the target does not depend on are never drawn. With ``depth`` None and more
    than ``max_nodes`` upstream nodes, the depth is the largest that keeps at most
    ``max_nodes`` (at least 1).
    """
    distance = nx.single_source_shortest_path_length(G.reverse(copy=False), target)
    unrelated = [v for v in G if v not in distance]
    if depth is None and len(distance) > max_nodes:
        counts = {}
        for k in distance.values():
            counts[k] = counts.get(k, 0) + 1
        depth, total = 1, 0
        for k in sorted(counts):
            total += counts[k]
            if total > max_nodes:
                break
            depth = max(k, 1)
    if depth is not None and max(distance.values()) <= depth:
        depth = None
    kept = [v for v in G if v in distance and (depth is None or distance[v] <= depth)]
    beyond = [v for v in G if v in distance and not (depth is None or distance[v] <= depth)]
    return kept, depth, beyond, unrelated


def rows(H, key, sizes):
    """The columns, each listed top to bottom, and the vertical position of each node.

    Sources stack in ``key`` order; every later node sits level with the mean of its
    predecessors, pushed apart just enough for its column's boxes not to overlap.
    """
    columns, y = [], {}
    for generation in nx.topological_generations(H):
        wanted = {v: mean([y[u] for u in H.predecessors(v)] or [0.0]) for v in generation}
        column = sorted(generation, key=lambda v: (-wanted[v], key(v)))
        ys = [wanted[v] for v in column]
        for i in range(1, len(column)):
            pitch = (sizes[column[i - 1]][1] + sizes[column[i]][1]) / 2 + ROW_GAP
            ys[i] = min(ys[i], ys[i - 1] - pitch)
        shift = mean(list(wanted.values())) - mean(ys)
        y.update((v, yv + shift) for v, yv in zip(column, ys))
        columns.append(column)
    return columns, y


def mean(xs):
    return sum(xs) / len(xs)


def arrange(G, target, node_label, edge_label, *, name=str, key=None, depth=None,
            max_nodes=MAX_NODES):
    """Lay out the part of ``G`` upstream of ``target`` with its labels.

    Parameters
    ----------
    G : networkx.DiGraph
        Edges ``u -> v`` when ``u`` feeds ``v``; any hashable nodes. Not modified.
    target : node of G
    node_label : callable
        ``node_label(v)`` -> tuple of :class:`Label`, the lines shown in the box of ``v``.
    edge_label : callable
        ``edge_label(u, v)`` -> :class:`Label` of the edge ``u -> v``.
    name : callable
        ``name(v)`` -> a unique ``str`` naming ``v`` in files and messages.
    key : callable, optional
        Sort key ordering nodes within a column (default: ``name``).
    depth : int, optional
        Draw only nodes within ``depth`` edges upstream of the target.
    max_nodes : int
        Without ``depth``, above this many nodes draw the largest neighbourhood that fits.

    Returns
    -------
    Picture

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("x", "y"), ("y", "E"), ("x", "E")])
    >>> from orderdiff.pictures import Label
    >>> p = arrange(G, "E", lambda v: (Label(v, v),), lambda u, v: Label("1", "1"))
    >>> p.columns
    (('x',), ('y',), ('E',))
    >>> p.edge("x", "E").route[1] != p.edge("x", "E").route[0]  # an arc around y
    True
    """
    key = key or name
    kept, depth, beyond, unrelated = select(G, target, depth, max_nodes)
    H = G.subgraph(kept)
    labels = {v: tuple(node_label(v)) for v in kept}
    sizes = {v: box_size(labels[v]) for v in kept}
    columns, ys = rows(H, key, sizes)
    edge_labels = {(u, v): edge_label(u, v) for u, v in H.edges}
    xs = column_positions(columns, sizes, ys, edge_labels)
    nodes = {}
    for c, column in enumerate(columns):
        for v in column:
            cut = any(u not in H for u in G.predecessors(v))
            nodes[v] = Node(v, name(v), labels[v], xs[c], ys[v], *sizes[v], c, cut)
    edges = route_edges(nodes, edge_labels, key)
    picture = Picture(name(target), tuple(nodes[v] for column in columns for v in column), edges,
                      tuple(tuple(name(v) for v in column) for column in columns), depth,
                      tuple(map(name, beyond)), tuple(map(name, unrelated)))
    return finish(picture, nodes)


def box_size(lines):
    w, h = text_size(lines, NODE_PT)
    return w + 2 * PAD, h + 2 * PAD


def column_positions(columns, sizes, ys, edge_labels):
    """x of each column: room for the widest box on each side and the widest label between.

    Steep edges get more room, so that they leave their box's side rather than cross
    the boxes stacked under it.
    """
    widths = [max(sizes[v][0] for v in column) for column in columns]
    col = {v: c for c, column in enumerate(columns) for v in column}
    between = [0.0] * len(columns)
    for (u, v), label in edge_labels.items():
        if col[v] == col[u] + 1:
            room = max(text_size([label], EDGE_PT)[0] + 2 * PAD, STEEP * abs(ys[u] - ys[v]))
            between[col[u]] = max(between[col[u]], room)
    xs = [0.0]
    for c in range(1, len(columns)):
        xs.append(xs[-1] + widths[c - 1] / 2 + 2 * GAP + between[c - 1] + widths[c] / 2)
    return xs


def finish(picture, nodes):
    """The picture with its notes and bounds filled in; the notes wrap at the drawing's width."""
    notes = [*picture.notes, *picture_notes(picture)]
    boxes = [(n.x, n.y, n.w, n.h) for n in picture.nodes] + [(*e.at, e.w, e.h) for e in picture.edges]
    points = [bezier(e.route, t / 8) for e in picture.edges for t in range(9)]
    xs = [x + s * w / 2 for x, _, w, _ in boxes for s in (-1, 1)] + [p[0] for p in points]
    ys = [y + s * h / 2 for _, y, _, h in boxes for s in (-1, 1)] + [p[1] for p in points]
    xmin, ymin, xmax, ymax = min(xs) - GAP, min(ys) - GAP, max(xs) + GAP, max(ys) + GAP
    lines = wrapped(notes, max(xmax - xmin - 2 * GAP, NOTE_WIDTH))
    if lines:
        w, h = plain_size(lines, EDGE_PT)
        xmax, ymin = max(xmax, xmin + w + 2 * GAP), ymin - h - GAP
    by_name = {n.name: n for n in nodes.values()}
    return replace(picture, notes=tuple(notes), note_lines=tuple(lines), bounds=(xmin, ymin, xmax, ymax),
                   node_map=by_name)


def without_legend(picture):
    """``picture`` without the notes that say how to read it (for a text that says so), its bounds
    shrunk to what is left."""
    told = set(picture.legend) | set(picture_notes(picture))
    kept = replace(picture, notes=tuple(n for n in picture.notes if n not in told), legend=())
    return finish(kept, picture.node_map)


def wrapped(notes, width):
    """The lines of ``notes``, each broken at spaces into lines at most ``width`` cm wide (a
    longer word stands alone)."""
    lines = []
    for note in notes:
        line = ""
        for word in note.split(" "):
            longer = f"{line} {word}" if line else word
            if line and plain_size([longer], EDGE_PT)[0] > width:
                lines.append(line)
                longer = word
            line = longer
        lines.append(line)
    return lines


def picture_notes(picture):
    """Sentences for what the picture leaves out: far nodes, unrelated nodes, long expressions."""
    notes = []
    if picture.beyond:
        edges = "edge" if picture.depth == 1 else "edges"
        notes.append(f"{len(picture.beyond)} variables farther than {picture.depth} {edges} from "
                     f"{picture.target} are left out; dashed boxes have inputs among them.")
    if picture.unrelated:
        names = ", ".join(picture.unrelated[:10]) + (", …" if len(picture.unrelated) > 10 else "")
        notes.append(f"{picture.target} does not depend on {names}: not drawn.")
    if any(line.clipped for n in picture.nodes for line in n.lines) or any(
            e.label.clipped for e in picture.edges):
        notes.append("… marks an expression too long to show.")
    return notes
