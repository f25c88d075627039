"""Which work of the generated program lies on the recurrent path, and which runs for all t at once.

Forward, a time-indexed node is *recurrent* when it lies on a cycle of the step graph
(every such cycle crosses a lagged edge: h[t] -> xc[t+1] -> zh[t+1] -> h[t+1]).
Backward, an adjoint is recurrent when its form reads itself through later steps
(d+C/dzh[t] from d+C/dzh[t+1]). Only recurrent work stays in the loop over t. The
rest -- other nodes, and the parts of a recurrent expression that do not involve the
loop's own values (the input half of ``W @ concat(x[t], h[t-1])``, the factor
``1 - h[t]*h[t]`` of a backward form) -- is *hoisted*: computed before the loop for all
steps at once, as array operations over a leading time axis, or once when it does not
depend on t. Nothing here knows a particular network: the split is read off the graph.

:func:`plan` returns a :class:`Plan`; :mod:`.program` writes NumPy code from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import networkx as nx
from sympy import S, expand

from .. import graph
from . import expr as B
from .derive import offset
from .simplify import lookbehind, simplify


@dataclass
class Half:
    """One loop of a direction of the program: what runs before it, in it, and after it.

    ``before`` and ``after`` list nodes computed for all t at once, in an order that
    respects their dependencies; ``loop`` pairs each node the loop computes with its
    expression, rewritten so that hoistable parts are whole subtrees (backward, a third
    item: the forms of the steps at the ends, where the form reads values past T or
    before 1); ``stacked`` and ``once`` are the hoisted subtrees, with and without a time
    axis; ``reverse``: the loop runs t = T..1.
    """

    before: list
    loop: list
    after: list
    stacked: list
    once: list
    reverse: bool = False


@dataclass
class Plan:
    forward: list  # of Half: the loops in the order they run, the last one's ``after`` after them all
    backward: list
    inlined: set  # recurrent nodes the forward loops write into their users
    summed: dict  # {term of a weight gradient: the same, rewritten to be summed over all t at once}


# facts about subtrees, each found once: the split asks of every one
READS, NAMES = B.Memo(), B.Memo()


def reads(e):
    """``(name, k)`` of each forward value ``e`` reads, k steps after t (0 for a fixed step); not
    those inside adjoints. One walk answers :func:`names`, :func:`reads_ahead` and :func:`behind`."""
    if not B.is_array(e):
        return frozenset()
    return B.fold(e, lambda x, kids: frozenset() if isinstance(x, B.Adj) else frozenset(((x.name, offset(x)),))
                  if isinstance(x, B.Var) else frozenset().union(*kids), READS)


def names(e):
    """Names of the forward values ``e`` reads (not those inside adjoints)."""
    if not B.is_array(e):
        return frozenset()
    found = NAMES.get(e)
    return found if found is not None else NAMES.keep(e, frozenset(name for name, _ in reads(e)))


def adjoints(e):
    return {a.args[0].name for a in B.adjoints(e)}


def reads_ahead(e):
    """Whether ``e`` reads a forward value of a later step (f[t+1]), which does not exist past T."""
    return any(k > 0 for _, k in reads(e))


def is_timed(e):
    return any(x.time and x.time[0].has(B.T_INDEX) for x in B.preorder(e) if isinstance(x, B.Var))


def trivial(e):
    """Not worth a name of its own: a leaf, or the transpose of one."""
    return (not B.is_array(e) or isinstance(e, (B.Var, B.Adj, B.Zeros))
            or isinstance(e, B.Trans) and isinstance(e.args[0], B.Var))


def hoists(exprs, varies):
    """The largest non-trivial subtrees of ``exprs`` that ``varies`` rejects, in first-seen order."""
    out, seen, stack = [], set(), list(reversed(exprs))
    while stack:
        e = stack.pop()
        if not B.is_array(e):
            continue
        if not varies(e) and not isinstance(e, B.Trans):  # a transpose is free; its argument may not be
            if not trivial(e) and e not in seen:
                out.append(e)
                seen.add(e)
        elif not isinstance(e, (B.Var, B.Adj, B.Zeros)):
            stack.extend(reversed(e.args))
    return out


def separate(e, varies):
    """``e`` rewritten so that its parts that do not vary in the loop are whole subtrees.

    ``A @ concat(a, b)`` becomes ``A[:, :n_a] @ a + A[:, n_a:] @ b``, sums are flattened,
    and the terms of a sum (factors of a product) that do not vary are grouped into one.
    """
    if not B.is_array(e) or not varies(e) or isinstance(e, (B.Var, B.Adj, B.Zeros)):
        return e
    e = B.rebuilt(e, [separate(a, varies) if B.is_array(a) else a for a in e.args])
    if isinstance(e, B.MatProd) and isinstance(e.args[1], B.Cat) and not varies(e.args[0]):
        A, cat = e.args
        terms, start = [], S.Zero
        for part in cat.args:
            stop = expand(start + part.shape[0])
            terms.append(B.MatProd(B.Cols(A, start, stop), part))
            start = stop
        e = B.Plus(*terms)
    if isinstance(e, (B.Plus, B.Hadamard)):
        terms = [t for a in e.args for t in (a.args if isinstance(a, e.func) else (a,))]
        fixed = [t for t in terms if not varies(t)]
        moving = [t for t in terms if varies(t)]
        if len(fixed) > 1 and moving:
            terms = [e.func(*fixed), *moving]
        e = B.rebuilt(e, terms)
    return e


def runs(G, cyclic, backwards, rank):
    """The loops over t of the nodes of ``G``: ``[(nodes, reverse)]`` in an order they can run in,
    and ``{other node: how many loops run before it}``.

    ``cyclic`` are the nodes on a recurrence; ``backwards(part)``, whether a strongly
    connected part of them runs from T down. When every recurrence runs one way they
    are one loop, with the nodes between two of them (a stacked network's
    W @ h_l0[t], read by the layer above): it needs one recurrence's value of the step, and
    the other needs it in the same step. Otherwise each recurrence is a loop of its own.
    Of the orders the graph allows, the one by ``rank`` (a node's place in the step): the
    generated program is the same from run to run.
    """
    parts = [p for p in nx.strongly_connected_components(G) if p <= cyclic]
    ways = {backwards(p) for p in parts}
    if len(ways) < 2:
        loop = cyclic | (reached(G.successors, cyclic) & reached(G.predecessors, cyclic))
        loops = [(loop, ways.pop())] if loop else []
    else:
        loops = [(p, backwards(p)) for p in parts]
    owner = {v: k for k, (nodes, _) in enumerate(loops) for v in nodes}
    C = nx.condensation(G)
    members = C.graph["mapping"]
    components = list(nx.lexicographical_topological_sort(C, key=lambda c: min(map(rank.get, C.nodes[c]["members"]))))
    order, seen = [], set()
    for c in components:
        k = owner.get(next(iter(C.nodes[c]["members"])))
        if k is not None and k not in seen:
            seen.add(k)
            order.append(k)
    position = {k: i for i, k in enumerate(order)}
    level = {}
    for c in components:
        for v in C.nodes[c]["members"]:
            if v in owner:
                continue
            level[v] = max([0, *(position[owner[u]] + 1 if u in owner else level[u]
                                 for u in G.predecessors(v) if members[u] != c)])
    return [loops[k] for k in order], level


def forward(system, forms):
    """The forward half: recurrent nodes in loops, the rest stacked.

    A loop stores a recurrent node's value only when it has to: a concatenation, or a
    node used once in the step and read by nothing outside its loop (Elman's zh), is
    written into its user instead.
    """
    timed = list(system.timed)
    step = nx.DiGraph(system.graph.subgraph(timed))  # every use between time-indexed nodes, lagged or not
    ahead = {(u, v) for u, v, k in system.graph.edges(data="lag") if k < 0}
    rank = {v: k for k, v in enumerate(timed)}
    loops, level = runs(step, graph.cyclic(step), lambda part: any(u in part and v in part for u, v in ahead), rank)
    every = set().union(*(names(f) for f in forms), *(names(system.equations[v].expr) for v in system.after))
    halves, inlined, stored_all = [], set(), set()
    for loop, reverse in loops:
        outside = every.union(*(names(system.equations[v].expr) for v in set(timed) - loop))
        uses = {}
        for v in loop:
            for x in B.preorder(system.equations[v].expr):
                if isinstance(x, B.Var):
                    uses[x.name] = uses.get(x.name, 0) + 1
        own = {v for v in loop if v not in system.lags and v not in system.leads and
               (isinstance(system.equations[v].expr, B.Cat) or v not in outside and uses.get(v) == 1)}
        inlined |= own
        stored = [v for v in timed if v in loop and v not in own]
        kept = set(stored)
        stored_all |= kept
        varies = lambda e, kept=kept: not names(e).isdisjoint(kept)  # noqa: E731
        exprs = [(v, separate(inline(system.equations[v].expr, own, system), varies)) for v in stored]
        hoisted = hoists([e for _, e in exprs], varies)
        before = [v for v in timed if level.get(v) == len(halves)]
        halves.append(Half(before, exprs, [], [h for h in hoisted if is_timed(h)],
                           [h for h in hoisted if not is_timed(h)], reverse))
    if not halves:
        return [Half(timed, [], [], [], [])], inlined
    ran = {v for h in halves for v in h.before}
    needed = every.union(*(names(e) for h in halves for _, e in h.loop),
                         *(names(system.equations[v].expr) for v in timed if v in level))
    after = []
    for v in reversed(timed):
        if v not in ran and v not in stored_all and v in needed:
            after.append(v)
            needed |= names(system.equations[v].expr)
    after.reverse()
    halves[-1].after = after
    return halves, inlined


def reached(neighbours, sources):
    """The nodes reached from ``sources`` (a set) by one or more steps along ``neighbours``: those
    that depend on a recurrent node, along successors (they run after the loop)."""
    out, todo = set(), list(sources)
    while todo:
        for w in neighbours(todo.pop()):
            if w not in out:
                out.add(w)
                todo.append(w)
    return out


def inline(e, inlined, system):
    """``e`` with each use of an inlined node's value replaced by its (shifted) definition."""
    if isinstance(e, B.Var) and e.name in inlined and e.time:
        return B.shift(inline(system.equations[e.name].expr, inlined, system), e.time[0] - B.T_INDEX)
    if not B.is_array(e) or isinstance(e, (B.Var, B.Adj, B.Zeros)) or names(e).isdisjoint(inlined):
        return e
    return B.rebuilt(e, [inline(a, inlined, system) for a in e.args])


def backward(derivation):
    """The backward half: recurrent adjoints (and forms that read values past the ends) in loops.

    A recurrence in the adjoints of the next step (d+C/dh[t+1]) runs t = T..1; one in those
    of the step before (a look-ahead's, d+C/dhb[t-1]) runs t = 1..T.
    """
    system, forms = derivation.system, derivation.compact
    timed = [v for v in system.timed if system.var(v) in forms]
    form = {v: forms[system.var(v)] for v in timed}
    deps = nx.DiGraph()
    deps.add_nodes_from(timed)
    deps.add_edges_from((u, v) for v in timed for u in adjoints(form[v]) if u in form)
    before_one = reads_before(system)
    bounded = {v for v in timed if reads_ahead(form[v]) or B.holds(form[v], B.Last, B.First) or lookbehind(form[v])
               or before_one(form[v])}  # the steps at the ends differ
    ends = {v: derivation.boundary(form[v]) for v in bounded}
    cyclic = graph.cyclic(deps) | {v for v in bounded if ends[v]}
    rank = {v: -k for k, v in enumerate(timed)}  # backward: later nodes of the step first
    loops, level = runs(deps, cyclic, lambda part: not any(lookbehind(form[v]) for v in part), rank)
    looping = set().union(*(nodes for nodes, _ in loops))
    order = list(nx.lexicographical_topological_sort(deps.subgraph(set(timed) - looping), key=rank.get))
    halves = []
    for loop, reverse in loops:
        # an adjoint a step earlier (d+C/dg[t-1]) stays in the loop, where t = 1 has a form without it
        @cache  # asked of every subtree at each level that separate and hoists pass through
        def varies(e, loop=loop):
            return bool(adjoints(e) & loop) or reads_ahead(e) or before_one(e) or bool(lookbehind(e))

        looped = []
        for v in reversed(timed):
            if v in loop:
                bounds = ends[v] if v in bounded else []  # else: zeros past T do
                earlier = simplify(B.at_last(form[v], -1), derivation.assume)  # before the last steps' shares
                looped.append((v, separate(earlier, varies), [(j, separate(f, varies)) for j, f in bounds]))
        hoisted = hoists([e for _, e, bounds in looped for e in [e, *(f for _, f in bounds)]], varies)
        halves.append(Half([v for v in order if level.get(v, 0) == len(halves)], looped, [],
                           [h for h in hoisted if is_timed(h)], [h for h in hoisted if not is_timed(h)],
                           reverse))
    if not halves:
        return [Half(order, [], [], [], [], True)]
    halves[-1].after = [v for v in order if level.get(v, 0) == len(halves)]
    return halves


def reads_before(system):
    """Whether an expression reads a forward value before step 1 that no initial value holds
    (hb[t-1] at t = 1, of a look-ahead), which a slice over every step cannot."""
    if not system.leads:
        return lambda e: False
    return lambda e: any(k > system.lags.get(name, 0) for name, k in behind(e))


def behind(e):
    """``(name, k)`` of each forward value ``e`` reads k steps before t (not those inside adjoints)."""
    return frozenset((name, -k) for name, k in reads(e) if k < 0)


def spread(e):
    """A weight gradient's outer product over a concatenation, split by blocks of columns.

    ``a concat(p, q)^T`` is ``[a p^T, a q^T]``, written ``concat(p a^T, q a^T)^T``: summed
    over t and the batch, each block is one matrix product, and the concatenation of
    every step (``xc``) is never formed.
    """
    if isinstance(e, B.Outer) and isinstance(e.args[1], B.Cat):
        a, cat = e.args
        return B.Trans(B.Cat(*(spread(B.Outer(p, a)) for p in cat.args)))
    if isinstance(e, B.Outer) and isinstance(e.args[0], B.Cat):
        cat, b = e.args
        return B.Cat(*(spread(B.Outer(p, b)) for p in cat.args))
    return e


def plan(derivation):
    """The :class:`Plan` of a generic-t block derivation."""
    system = derivation.system
    cats = {v for v in system.timed if isinstance(system.equations[v].expr, B.Cat) and v not in system.lags}
    summed = {s.args[0]: spread(inline(s.args[0], cats, system))
              for f in derivation.compact.values() if B.holds(f, B.SumT) for s in B.preorder(f)
              if isinstance(s, B.SumT)}
    rewritten = {B.SumT(k): B.SumT(v) for k, v in summed.items() if k != v}
    forms = [f.xreplace(rewritten) if rewritten and B.holds(f, B.SumT) else f for f in derivation.compact.values()]
    fwd, inlined = forward(system, forms)
    return Plan(fwd, backward(derivation), inlined, summed)
