"""Pictures of a block derivation: the graph unrolled over t = 1..T, and the folded cell.

Unrolled (``derive(system, steps=T)``, T at most ``MAX_STEPS``), the picture reads like
the usual figure of the Elman network: time runs left to right, one column per step,
and each step's nodes stand in rows, the inputs at the bottom and the output at the top
(x[t], xc[t], zh[t], h[t], zo[t], y[t] next to yhat[t]); the initial value h[0] stands in
a column of its own before step 1, and the target C above the steps. Each node shows
d+C/dv (Eq. 1 in its users' ordered derivatives), each edge u -> v the share of v in
d+C/du with ``g`` for d+C/dv (:mod:`~orderdiff.pictures.blocklabels`). The parameters
(and any other node without a time index that the steps use) are left out: used at
every step, they would join every column; the picture names them in a note, and
``orderdiff derive`` prints their gradients, the sums of the steps' shares.

Generic in t (``derive(system)``), the folded cell draws one step: the same rows, the
parameters in a column on the right, each as level with the node that uses it as the
column allows, and the initial values in one beside the step, on whichever side makes
the smaller picture. A solid edge is a use within the step, a dashed one marked ``t-1``
(``t-k``) a use of the previous step's value, and an initial value's dashed edge is
marked with the step that uses it (``t = 1``). The boxes of the nodes in the derivation's ``compact``
forms (the backward recurrences, their deltas, and the gradients) show them.
A block system without time steps (a feed-forward network) is drawn like a scalar
system, in columns from the inputs to the target, with the unrolled picture's labels.

Both are laid out by :mod:`~orderdiff.pictures.grid`, their labels placed clear of one
another and of every other edge (:mod:`~orderdiff.pictures.placement`); where a label
finds no room, the rows and boxes around its edge are spread apart and the picture laid
out again. A picture's ``columns`` list each column's nodes bottom to top, and its
``ranks`` (what Graphviz keeps level) are the rows of the step (a parameter is ranked
with its first user), so that a ``.dot`` file runs the data path left to right.
"""

from __future__ import annotations

from dataclasses import replace

import networkx as nx

from ..blocks import expr as B
from ..blocks.derive import base, generic, offset
from ..errors import OrderdiffError
from ..limits import MAX_PICTURE_STEPS as MAX_STEPS
from ..printers.blockcontent import shown_user
from . import grid
from .blocklabels import BlockLabels
from .layout import arrange, box_size, finish
from .model import EDGE_PT, Picture, text_size

ROW_GAP = 1.3  # cm between the rows of a step: an edge label's height and some air
TOP_GAP = 2.6  # cm between the steps' top row and the sums over time above them (unrolled)
COL_GAP = 1.0  # cm between columns at least; more when a label sits between them
SPREADS = 3  # times the rows and columns are spread apart for labels that found no room


def picture(derivation):
    """The laid-out picture of a block file's :class:`~orderdiff.derivation.Derivation`.

    Parameters
    ----------
    derivation : Derivation
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
    legend = [f"On an edge from u to v, {labels.g} stands for d+{d.target.name}/dv: the label is v's share "
              f"of d+{d.target.name}/du in Eq. 1."]
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


def static(d, depth=None):
    """A block system without time steps: laid out like a scalar system's DAG, in columns (only
    the nodes within ``depth`` edges of the target, if given)."""
    labels = BlockLabels(d)
    drawn = [*d.order, d.target]
    specs = edges(d, labels, drawn)
    G = nx.DiGraph()
    G.add_nodes_from(drawn)
    G.add_edges_from((u, v, {"label": label}) for u, v, label, _ in specs)
    shown = arrange(G, d.target, lambda v: labels.node(v, d.recursive.get(v, 1)),
                    lambda u, v: G.edges[u, v]["label"], name=labels.name, key=order_key(d), depth=depth)
    legend = (f"On an edge from u to v, {labels.g} stands for d+{d.target.name}/dv: the label is v's share "
              f"of d+{d.target.name}/du in Eq. 1.",)
    shown = replace(shown, notes=legend, legend=legend, adjoint=labels.g)
    return finish(shown, {n.key: n for n in shown.nodes})


def order_key(d):
    """Within a cell: the equations before the inputs, each in the derivation's order."""
    rank = {v: k for k, v in enumerate(d.order)}
    data = {x.name for x in d.system.inputs}
    return lambda v: (v.name in data, rank.get(v, len(rank)))


# ----- the folded cell ------------------------------------------------------------------------

def cell(d, parameters=True):
    """The folded cell: one step, parameters on the right (unless left out), initial values on
    whichever side makes the smaller picture."""
    system, labels = d.system, BlockLabels(d)
    row, top = levels(system)
    nodes = [*d.order, d.target]
    specs = []
    for v in d.order:
        for user, share in d.steps[v].terms:
            specs.append(cell_edge(labels, v, base(user), shown_user(user, share), share))
        if not B.is_zero(d.explicit[v]):
            specs.append((v, d.target, labels.share(v, d.target, d.explicit[v]), False))
    cells, initial = {}, {}
    for v in nodes:
        if v.name in row and (generic(v) or not v.time):
            cells[v] = (row[v.name], 0)
        elif v.time:  # an initial value, level with the first node that uses it
            initial[v] = min((row[base(u).name] for u, _ in d.steps[v].terms), default=0)
    left = [v for v in nodes if v not in cells and v not in initial]
    for v in reversed(left if parameters else []):  # parameters and static nodes: right of their users
        users = [cells[w][0] for u, w, _, _ in specs if u == v and w in cells]
        cells[v] = (min(users, default=top), 1)
    specs = [spec for spec in specs if spec[0] in cells or spec[0] in initial]
    lines = {v: labels.node(v, d.compact.get(v)) for v in nodes}
    left_out = [] if parameters else [f"Not drawn: {', '.join(labels.name(v) for v in left)}."]

    def drawn(side):
        placed = {**cells, **{v: (r, side) for v, r in initial.items()}}
        return assemble(d, labels, placed, lines, specs, cell_legend(d, labels), left_out, key=order_key(d),
                        columns=(-1, 0, 1), top_gap=lambda r, s: ROW_GAP,
                        sides={v: c for v, (_, c) in placed.items() if c})

    return min((drawn(side) for side in ((-1, 1) if initial else (-1,))), key=lambda p: p.width * p.height)


def cell_legend(d, labels):
    C, g = d.target.name, labels.g
    return [f"One step t. On an edge from u to v, {g} stands for d+{C}/dv: the label is v's share of "
            f"d+{C}/du.",
            (f"A dashed edge marked t-k is a use of the value k steps back (its {g} is taken k steps later); "
             "a label with a sum over t adds the shares of every step."),
            (f"Boxes show d+{C}/dv where the compact form keeps it: the backward recurrences and "
             "the gradients.")]


def stand_ins(d):
    """``(steps, parameters, picture)`` for each picture that can stand for ``d``, the fullest first.

    Unrolled over T steps: unrolled over T (at most ``MAX_STEPS``), T-1, ..., 2 steps, then
    the folded cell; then the folded cell without its parameters (``parameters`` False).
    A system without time steps: its picture, then the target's neighbourhoods, the
    nodes within fewer and fewer edges of it (the picture's ``depth``).
    """
    if not d.system.timed:
        whole = picture(d)
        yield None, True, whole
        for depth in range(len(whole.columns) - 2, 0, -1):
            yield None, True, static(d, depth)
        return
    T = d.steps_count
    for k in range(min(T or 0, MAX_STEPS), 1, -1):
        yield k, True, picture(d if k == T else type(d).of(d.system, d.target.name, steps=k))
    folded = d if T is None else type(d).of(d.system, d.target.name)
    yield None, True, cell(folded)
    yield None, False, cell(folded, parameters=False)


def cell_edge(labels, v, user, shown, share):
    """``(v, user, label, dashed)`` of one use of ``v`` in the folded cell."""
    if v.time and not generic(v):  # an initial value: used by the first steps
        return v, user, labels.share(v, shown, share, tag=f"t = {shown.time[0]}"), True
    k = offset(shown)
    tag = f"t-{k}" if k else None
    return v, user, labels.share(v, shown, share, tag=tag), bool(k)


# ----- both -----------------------------------------------------------------------------------

def assemble(d, labels, cells, lines, specs, legend, left_out, *, key, columns, top_gap, sides=None):
    """Place the nodes of ``cells``, route ``specs`` and finish the :class:`Picture`.

    ``cells`` gives each node its row and column; a node in ``sides`` (+1 right, -1 left)
    stands instead in a column of its own beside the others, as level with its users as
    that column allows (:func:`~orderdiff.pictures.grid.beside`).
    """
    sides = sides or {}
    sizes = {v: box_size(lines[v]) for v in cells}
    col = {v: c for v, (_, c) in cells.items()}
    between = {}
    for u, v, label, _ in specs:  # room for the labels of edges to the next column
        if abs(col[u] - col[v]) == 1 and col[u] == int(col[u]):
            gap = min(col[u], col[v])
            between[gap] = max(between.get(gap, COL_GAP), text_size([label], EDGE_PT)[0] + 0.6)
    rows, wider, higher, apart = sorted({r for r, _ in cells.values()}), {}, {}, {}
    for _ in range(SPREADS + 1):  # spread the rows and columns where a label found no room
        at = grid.positions({v: c for v, c in cells.items() if v not in sides}, sizes, key,
                            lambda r, s: top_gap(r, s) + higher.get(r, 0.0),
                            lambda c, _: between.get(c, COL_GAP) + wider.get(c, 0.0),
                            lambda r: apart.get(r, 0.0))
        for side in (1, -1):
            room = between.get(0 if side > 0 else -1, COL_GAP) + wider.get(0 if side > 0 else -1, 0.0)
            at.update(beside_column(at, sizes, specs, [v for v in cells if sides.get(v) == side], side,
                                    room, key))
        placed = {v: grid.node(v, labels.name(v), lines[v], at[v], sizes[v], round(col[v])) for v in cells}
        edges, strays = grid.edges(placed, specs)
        if not strays:
            break
        spread(strays, cells, rows, higher, wider, apart)
    names = {v: placed[v].name for v in cells}
    by_column = [tuple(names[v] for v in sorted(cells, key=lambda v: (at[v][1], at[v][0]))
                       if cells[v][1] == c) for c in columns]
    by_row = [tuple(names[v] for v in sorted(cells, key=lambda v: (cells[v][1], key(v)))
                    if cells[v][0] == r) for r in sorted({r for r, _ in cells.values()})]
    shown = Picture(names[d.target], tuple(placed[v] for v in sorted(cells, key=lambda v: cells[v])),
                    edges, tuple(c for c in by_column if c), notes=tuple(legend + left_out),
                    ranks=tuple(by_row), legend=tuple(legend), adjoint=labels.g)
    return finish(shown, placed)


def spread(strays, cells, rows, higher, wider, apart):
    """Widen the gaps a label found no room in, once by its largest label: the gaps between the
    boxes of the rows a stray edge joins where they stand side by side, else each row gap it
    spans, and within a row the column gap. ``higher[r]`` is the extra room over row ``r``,
    ``apart[r]`` between the boxes in row ``r``."""
    crowded = {}
    for v, (r, c) in cells.items():
        crowded[r, c] = crowded.get((r, c), 0) + 1
    more = {"higher": {}, "wider": {}, "apart": {}}
    for u, v, (w, h) in strays:
        (ru, cu), (rv, cv) = cells[u], cells[v]
        fanned = [r for r, c in {(ru, cu), (rv, cv)} if crowded[r, c] > 1]
        for r in fanned:  # a fan of edges to boxes side by side: only moving them apart makes room
            more["apart"][r] = max(more["apart"].get(r, 0.0), w / 2)
        if fanned and ru != rv:
            continue
        lo, hi = min(ru, rv), max(ru, rv)
        spanned = [r for r in rows[:-1] if lo <= r < hi] or [r for r in rows[:-1] if lo - 1 <= r <= hi]
        for r in spanned:
            more["higher"][r] = max(more["higher"].get(r, 0.0), h + ROW_GAP / 2)
        if ru == rv and cu != cv:
            c = int(min(cu, cv))
            more["wider"][c] = max(more["wider"].get(c, 0.0), w / 2)
    for gaps, extra in ((higher, more["higher"]), (wider, more["wider"]), (apart, more["apart"])):
        for k, x in extra.items():
            gaps[k] = gaps.get(k, 0.0) + x


def beside_column(at, sizes, specs, nodes, side, gap, key):
    """Positions of ``nodes`` in a column on ``side`` of those placed ``at``, each wanting the mean
    height of the users placed there."""
    if not nodes:
        return {}
    if not at:  # nothing of the step is drawn (the target reads no recurrence): the column starts it
        at = {None: (0.0, 0.0)}
        sizes = {**sizes, None: (0.0, 0.0)}
    edge = (max if side > 0 else min)(x + side * sizes[v][0] / 2 for v, (x, _) in at.items())
    top = max(y for _, y in at.values())
    wanted = {}
    for v in nodes:
        ys = [at[w][1] for u, w, _, _ in specs if u == v and w in at]
        wanted[v] = sum(ys) / len(ys) if ys else top
    return grid.beside(wanted, sizes, key, edge, side, gap)
