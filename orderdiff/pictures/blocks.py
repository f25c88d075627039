"""Pictures of a block derivation: the graph unrolled over t = 1..T, and the folded cell.

Unrolled (``derive(system, steps=T)``, T at most ``MAX_STEPS``), the picture reads like
the seed's figure of the Elman network: time runs left to right, one column per step,
and each step's nodes stand in rows, the inputs at the bottom and the output at the top
(x[t], xc[t], zh[t], h[t], zo[t], y[t] next to yhat[t]); the initial value h[0] stands in
a column of its own before step 1, and the target C above the steps. Each node shows
d+C/dv (Eq. 1 in its users' ordered derivatives), each edge u -> v the share of v in
d+C/du with ``g`` for d+C/dv (:mod:`~orderdiff.pictures.blocklabels`). The parameters
(and any other node without a time index that the steps use) are left out: used at
every step, they would join every column; the picture names them in a note, and
``orderdiff derive`` prints their gradients, the sums of the steps' shares.

Generic in t (``derive(system)``), the folded cell draws one step: the same rows, the
parameters on the right next to the row that uses them, the initial values on the
left. A solid edge is a use within the step, a dashed one marked ``t-1`` (``t-k``) a
use of the previous step's value, and an initial value's dashed edge is marked with the
step that uses it (``t = 1``). The boxes of the nodes in the derivation's ``compact``
forms (the backward recurrences, the seed's deltas, and the gradients) show them.
A block system without time steps (a feed-forward network) is drawn like a scalar
system, in columns from the inputs to the target, with the unrolled picture's labels.

Both are laid out by :mod:`~orderdiff.pictures.grid`; a picture's ``columns`` list
each column's nodes bottom to top, and its ``ranks`` (what Graphviz keeps level) are
the rows, so that a ``.dot`` file runs the data path left to right.
"""

from __future__ import annotations

from dataclasses import replace

import networkx as nx

from ..blocks import expr as B
from ..blocks.derive import base, generic, offset
from ..errors import OrderdiffError
from ..printers.blockcontent import shown_user
from . import grid
from .blocklabels import BlockLabels
from .layout import arrange, box_size, finish
from .model import EDGE_PT, Picture, text_size

MAX_STEPS = 8
ROW_GAP = 1.3  # cm between the rows of a step: an edge label's height and some air
TOP_GAP = 2.6  # cm between a step's top row and the sums over time above it
WIDER = 1.06  # boxes: the estimated text widths are good to about 5 %
COL_GAP = 1.0  # cm between columns at least; more when a label sits between them


def picture(derivation):
    """The laid-out picture of a :class:`~orderdiff.blocks.derivation.BlockDerivation`.

    Parameters
    ----------
    derivation : BlockDerivation
        Unrolled over at most ``MAX_STEPS`` steps, or generic in t (the folded cell).

    Returns
    -------
    Picture
        Its ``notes`` say how to read the edges and what was left out.

    Raises
    ------
    OrderdiffError
        More than ``MAX_STEPS`` steps.

    Examples
    --------
    >>> import orderdiff
    >>> d = orderdiff.derive(orderdiff.load("examples/elman.eqs"), steps=2)
    >>> p = picture(d)
    >>> p.columns[1]
    ('x[1]', 'xc[1]', 'zh[1]', 'h[1]', 'zo[1]', 'y[1]', 'yhat[1]')
    >>> p.edge("h[1]", "xc[2]").label.text
    'g[n_x:n_h + n_x]'
    """
    T = derivation.steps_count
    if T is not None and T > MAX_STEPS:
        raise OrderdiffError(too_many(T))
    if not derivation.system.timed:
        return static(derivation)
    return unrolled(derivation) if T is not None else cell(derivation)


def too_many(T, fold="derive without steps"):
    """Why a picture of ``T`` steps is not drawn, and what to draw instead (``fold``: how to fold)."""
    return (f"a picture unrolls at most {MAX_STEPS} steps, not {T}: each step adds a column of boxes "
            f"and labels, and more would not be legible; unroll fewer steps, or {fold} to draw the "
            "folded cell, which stands for every step")


def levels(system):
    """``{name: row}``: one step's equations by their longest path within the step, each
    time-indexed input a row under its first user, the equations after the loop above."""
    G, timed = system.graph, set(system.timed)
    within = nx.DiGraph()
    within.add_nodes_from(system.timed)
    within.add_edges_from((u, v) for u, v, k in G.edges(data="lag") if not k and u in timed and v in timed)
    row = {}
    for v in nx.topological_sort(within):
        row[v] = max((row[u] + 1 for u in within.predecessors(v)), default=0)
    top = max(row.values(), default=0)
    for v in system.after:
        row[v] = max([top + 1, *(row[u] + 1 for u in G.predecessors(v) if u in system.after and u in row)])
    for d in system.inputs:
        users = [row[v] for v in G.successors(d.name) if v in timed]
        if d.timed:
            row[d.name] = min(users) - 1 if users else top
    return row, top


# ----- unrolled -------------------------------------------------------------------------------

def unrolled(d):
    """The unrolled graph: a column per step, the rows of :func:`levels`."""
    system, labels, T = d.system, BlockLabels(d), d.steps_count
    row, top = levels(system)
    drawn = [v for v in d.order if v.time or v.name in system.after] + [d.target]
    cells = {v: (row.get(v.name, top + 1), int(v.time[0]) if v.time else (1 + T) / 2) for v in drawn}
    lines = {v: labels.node(v, d.recursive.get(v, 1)) for v in drawn}
    specs = edges(d, labels, drawn)
    left = sorted({v.name for v in d.order if not v.time and v.name not in system.after},
                  key=[*system.declarations, *system.equations].index)
    legend = [(f"On an edge from u to v, g stands for d+{d.target.name}/dv: the label is v's share of "
               f"d+{d.target.name}/du in Eq. 1.")]
    left_out = [f"Used at every step and not drawn: {', '.join(left)}."] if left else []
    columns = range(int(min(c for _, c in cells.values())), T + 1)
    return assemble(d, labels, cells, lines, specs, legend, left_out, key=order_key(d), columns=columns,
                    top_gap=lambda r, s: TOP_GAP if r <= top < s else ROW_GAP)


def edges(d, labels, drawn):
    """``(v, user, label, False)`` for each use of a drawn node by a drawn node (or the target)."""
    specs, shown = [], set(drawn)
    for v in drawn:
        if v == d.target:
            continue
        shares = {}
        for user, share in d.steps[v].terms:
            if user in shown:
                shares.setdefault(user, []).append(share)
        specs += [(v, u, labels.share(v, u, s[0] if len(s) == 1 else B.Plus(*s)), False)
                  for u, s in shares.items()]
        if not B.is_zero(d.explicit[v]):
            specs.append((v, d.target, labels.share(v, d.target, d.explicit[v]), False))
    return specs


def static(d):
    """A block system without time steps: laid out like a scalar system's DAG, in columns."""
    labels = BlockLabels(d)
    drawn = [*d.order, d.target]
    specs = edges(d, labels, drawn)
    G = nx.DiGraph()
    G.add_nodes_from(drawn)
    G.add_edges_from((u, v, {"label": label}) for u, v, label, _ in specs)
    shown = arrange(G, d.target, lambda v: labels.node(v, d.recursive.get(v, 1)),
                    lambda u, v: G.edges[u, v]["label"], name=labels.name, key=order_key(d))
    legend = (f"On an edge from u to v, g stands for d+{d.target.name}/dv: the label is v's share of "
              f"d+{d.target.name}/du in Eq. 1.",)
    return finish(replace(shown, notes=legend, legend=legend), {n.key: n for n in shown.nodes})


def order_key(d):
    """Within a cell: the equations before the inputs, each in the derivation's order."""
    rank = {v: k for k, v in enumerate(d.order)}
    data = {x.name for x in d.system.inputs}
    return lambda v: (v.name in data, rank.get(v, len(rank)))


# ----- the folded cell ------------------------------------------------------------------------

def cell(d):
    """The folded cell: one step, parameters on the right, initial values on the left."""
    system, labels = d.system, BlockLabels(d)
    row, top = levels(system)
    nodes = [*d.order, d.target]
    specs = []
    for v in d.order:
        for user, share in d.steps[v].terms:
            specs.append(cell_edge(labels, v, base(user), shown_user(user, share), share))
        if not B.is_zero(d.explicit[v]):
            specs.append((v, d.target, labels.share(v, d.target, d.explicit[v]), False))
    cells = {}
    for v in nodes:
        if v.name in row and (generic(v) or not v.time):
            cells[v] = (row[v.name], 0)
        elif v.time:  # an initial value, left of the first node that uses it
            cells[v] = (min((row[base(u).name] for u, _ in d.steps[v].terms), default=0), -1)
    for v in reversed(nodes):  # parameters and static nodes: right of their first user
        if v not in cells:
            users = [cells[w][0] for u, w, _, _ in specs if u == v and w in cells]
            cells[v] = (min(users, default=top), 1)
    lines = {v: labels.node(v, d.compact.get(v)) for v in nodes}
    C = d.target.name
    legend = [(f"One step t. On an edge from u to v, g stands for d+{C}/dv: the label is v's share of "
               f"d+{C}/du."),
              ("A dashed edge marked t-k is a use of the value k steps back (its g is taken k steps "
               "later); a label with a sum over t adds the shares of every step."),
              (f"Boxes show d+{C}/dv where the compact form keeps it: the backward recurrences and "
               "the gradients.")]
    return assemble(d, labels, cells, lines, specs, legend, [], key=order_key(d), columns=(-1, 0, 1),
                    top_gap=lambda r, s: TOP_GAP if r <= top < s else ROW_GAP)


def cell_edge(labels, v, user, shown, share):
    """``(v, user, label, dashed)`` of one use of ``v`` in the folded cell."""
    if v.time and not generic(v):  # an initial value: used by the first steps
        return v, user, labels.share(v, shown, share, tag=f"t = {shown.time[0]}"), True
    k = offset(shown)
    tag = f"t-{k}" if k else None
    return v, user, labels.share(v, shown, share, tag=tag), bool(k)


# ----- both -----------------------------------------------------------------------------------

def assemble(d, labels, cells, lines, specs, legend, left_out, *, key, columns, top_gap):
    """Place the nodes of ``cells``, route ``specs`` and finish the :class:`Picture`."""
    sizes = {v: (box_size(lines[v])[0] * WIDER, box_size(lines[v])[1]) for v in cells}
    col = {v: c for v, (_, c) in cells.items()}
    between = {}
    for u, v, label, _ in specs:  # room for the labels of edges to the next column
        if abs(col[u] - col[v]) == 1 and col[u] == int(col[u]):
            gap = min(col[u], col[v])
            between[gap] = max(between.get(gap, COL_GAP), text_size([label], EDGE_PT)[0] + 0.6)
    at = grid.positions(cells, sizes, key, top_gap, lambda c, _: between.get(c, COL_GAP))
    placed = {v: grid.node(v, labels.name(v), lines[v], at[v], sizes[v], round(col[v])) for v in cells}
    edges = grid.edges(placed, specs)
    names = {v: placed[v].name for v in cells}
    by_column = [tuple(names[v] for v in sorted(cells, key=lambda v: (cells[v][0], key(v)))
                       if cells[v][1] == c) for c in columns]
    by_row = [tuple(names[v] for v in sorted(cells, key=lambda v: (cells[v][1], key(v)))
                    if cells[v][0] == r) for r in sorted({r for r, _ in cells.values()})]
    shown = Picture(names[d.target], tuple(placed[v] for v in sorted(cells, key=lambda v: cells[v])),
                    edges, tuple(c for c in by_column if c), notes=tuple(legend + left_out),
                    ranks=tuple(by_row), legend=tuple(legend))
    return finish(shown, placed)
