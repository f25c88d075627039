"""The Werbos sweep over a block system, generic in t or unrolled over T steps.

Both views build the same thing, one edge at a time: for each equation ``u = f(..v..)``
the share of d+E/du that flows to ``v`` (:func:`orderdiff.blocks.vjps.local_vjps`), and
then Eq. 1 for every node,

    d+E/dv = dE/dv + sum over users u of J_uv^T d+E/du,

with the explicit dE/dv the share from the target's own equation. *Unrolled*, the nodes
are h[1], ..., h[T] and the DAG is the usual picture of BPTT. *Generic in t*, the nodes are
h[t]; a use of h[t-k] in the equation of u becomes the share of d+E/du[t+k] (zero past
T), a parameter used at every step collects ``sum_t`` of its shares, and the initial
value h[0] collects the shares of the first steps. :func:`compact` then folds every
adjoint with a single user into that user, which leaves the recurrences people write
(the delta notation of BPTT).
"""

from __future__ import annotations

from functools import lru_cache

import networkx as nx
from sympy import S

from .. import graph
from ..sweep import step
from ..errors import LimitError, TargetError
from . import expr as B
from .simplify import lookbehind, simplify
from .vjps import local_vjps


def sweep_system(system, target, steps):
    """Eq. 1 over a block system: ``(target, {node: Step}, order, assumed)``, generic in t
    (``steps`` None) or unrolled over ``steps`` steps (see
    :meth:`orderdiff.blocks.derivation.BlockSweep.of`)."""
    target = choose_target(system, target)
    assume = {d.name for d in system.inputs if d.distribution}
    if steps is None:
        edges, order = relevant(generic_edges(system), target, base), generic_order(system)
    else:
        edges, order = relevant(unrolled_edges(system, steps), target), unrolled_order(system, steps)
    return target, sweep(edges, target, assume), order, assume


def generic_order(system):
    """The nodes of the folded graph, leaves first: h[0], parameters, inputs, one step, the sums."""
    inits = [system.var(n, s) for n, slots in system.inits.items() for s in sorted(B.early(slots))]
    leaves = [system.var(d.name) for d in system.declarations.values()]
    return [*inits, *leaves, *(system.var(v) for v in (*system.before, *system.timed, *system.after))]


def unrolled_order(system, steps):
    inits = [system.var(n, s) for n, slots in system.inits.items() for s in sorted(B.early(slots))]
    static = [system.var(d.name) for d in system.declarations.values() if not d.timed]
    static += [system.var(v) for v in system.before]
    timed = [system.var(d.name, s) for s in range(1, steps + 1)
             for d in system.declarations.values() if d.timed]
    per_step = [system.var(v, s) for s in range(1, steps + 1) for v in system.timed]
    if system.leads:  # hb[t] uses hb[t+1]: a later step's node can come first
        per_step = ordered_steps(system, per_step, steps)
    return [*inits, *static, *sorted(timed, key=lambda v: v.time[0]), *per_step,
            *(system.var(v) for v in system.after)]


def choose_target(system, target):
    """The target's :class:`Var`; every error is located where the file shows its cause."""
    name = system.resolve(target, "target") if target is not None else only_candidate(system)
    eq = system.equations.get(name)
    if eq is None or eq.var.time or eq.var.shape:
        what = ("is declared, not defined by an equation" if eq is None else "is indexed by time"
                if eq.var.time else f"has shape ({', '.join(map(str, eq.var.shape))})")
        where = eq if eq is not None else system.declarations[name]
        raise TargetError(f"the target must be a scalar defined without [t] (e.g. C = sum_t(...)); "
                          f"'{name}' {what}", file=system.file, line=where.line, col=where.col,
                          source=where.source)
    return eq.var


def only_candidate(system):
    """The one variable no other equation uses; else a :class:`TargetError` at the first candidate
    (when every variable is used, at the last equation; with no equations, the last declaration)."""
    sinks = system.sinks()
    if not system.equations:
        where = system.last_declaration
        raise TargetError("the file has no equations, so no loss to differentiate; "
                          "add one without [t] (e.g. C = sum_t(sum(h[t])))", file=system.file,
                          **({} if where is None else dict(zip(("line", "col", "source"), where))))
    if sinks:
        return graph.sole_sink(sinks, system.equations, system.file)
    eq = list(system.equations.values())[-1]
    raise TargetError("every variable is used by another equation, so none is the loss; add one without [t] "
                      "(e.g. C = sum_t(sum(h[t]))) or choose the target with --target", file=system.file,
                      line=eq.line, col=eq.col, source=eq.source)


def fold_map(system):
    """``{definition: variable}``: a share that mentions tanh(zh[t]) reads h[t] instead, and one
    that mentions v[t]^(-1/2), with s[t] = sqrt(v[t]), reads 1 / s[t]."""
    fold = {}
    for eq in system.equations.values():
        if isinstance(eq.expr, B.Var) or not B.is_array(eq.expr):
            continue  # y[t] = zo[t] is an alias: reading zo[t] as y[t] would rename its adjoint too
        reach = (-max(system.leads.values(), default=0), max(system.lags.values(), default=0) + 1)
        for k in range(*reach) if eq.var.time else (0,):
            fold[B.shift(eq.expr, -k)] = B.shift(eq.var, -k)
            if isinstance(eq.expr, B.Power):  # s = sqrt(v): the derivative's v^(-1/2) is 1 / s
                x, p = eq.expr.args
                fold[B.shift(B.Power(x, -p), -k)] = B.Divide(S.One, B.shift(eq.var, -k))
    return fold


SHARE_BUDGET = 20_000  # tree nodes of one equation's share, as printed


def bounded_vjps(eq, g, file, fold):
    """:func:`local_vjps` of ``eq``, each share with the definitions in ``fold`` read as their
    variables (:func:`fold_map`), refused where a share outgrows ``SHARE_BUDGET``.

    A share is built as a graph of shared subtrees, but it is printed, substituted and
    compiled as a tree: a softmax passes its adjoint back twice, so each nested softmax
    doubles the tree. Past the budget the equation is refused, located, with the way out.
    Measured once its definitions are names: ``tanh(z)`` read as ``h[t]`` does not repeat
    the sum z in each share of a variable that z adds up many times.
    """
    shares = {leaf: B.replaced(share, fold) for leaf, share in local_vjps(eq.expr, g).items()}
    big = max((B.size(s) for s in shares.values()), default=0)
    if big > SHARE_BUDGET:
        raise LimitError(f"the derivative of this equation would print as {big} nodes (more than "
                         f"{SHARE_BUDGET}): name parts of it with equations of their own (s[t] = "
                         "softmax(...) for a nested softmax, z[t] = ... for a long sum in a function), "
                         "so that its derivative is written in theirs", file=file, line=eq.line,
                         col=eq.col, source=eq.source)
    return shares


def given_by_edges(system):
    """``(leaf, h[s], d+E/dh[s])``: an initial value taken from a parameter or an input
    (``init h[0] = h0``) is that leaf, so it passes its adjoint on whole."""
    for name, s, leaf in system.inits_given_by():
        yield system.var(leaf), system.var(name, s), B.Adj(system.var(name, s))


def generic_edges(system):
    """``(node, user, share)`` of every edge of the folded graph, generic in t."""
    yield from given_by_edges(system)
    fold = fold_map(system)
    for eq in system.equations.values():
        for leaf, share in bounded_vjps(eq, B.Adj(eq.var), system.file, fold).items():
            if not leaf.time:
                yield leaf, eq.var, (B.SumT(share) if eq.var.time else share)
                continue
            if leaf.time[0].has(B.T_LAST):  # h[T-k] after the loop: a share of h[t] at that step alone
                yield leaf.at(B.T_INDEX), eq.var, B.Last(share, B.T_LAST - leaf.time[0])
                continue
            if leaf.time[0].is_Integer:  # h[k] after the loop, an early step: the same at step k
                yield leaf.at(B.T_INDEX), eq.var, B.First(share, leaf.time[0])
                continue
            k = B.lag(leaf)  # the user k steps later: xc[t+1] uses h[t]
            yield leaf.at(B.T_INDEX), B.shift(eq.var, k), B.shift(share, k)
            for s in range(1 - k, 1):  # the initial values h[0], h[-1], ... at the first steps
                yield leaf.at(s), B.at_time(eq.var, s + k), B.at_time(share, s + k)


def ordered_steps(system, nodes, steps):
    """``nodes`` (every step's, step by step) in dependency order, which a use of a later step
    (hb[t+1]) makes differ from the order of the steps."""
    rank = {v: k for k, v in enumerate(nodes)}
    G = nx.DiGraph()
    G.add_nodes_from(nodes)
    for u, v, lag in system.graph.edges(data="lag"):
        if u in system.equations and system.equations[u].timed and v in system.equations and system.equations[v].timed:
            G.add_edges_from((system.var(u, s - lag), system.var(v, s)) for s in range(1, steps + 1)
                             if 1 <= s - lag <= steps)
    return list(nx.lexicographical_topological_sort(G, key=rank.get))


def unrolled_edges(system, steps):
    """``(node, user, share)`` of every edge of the DAG unrolled over ``steps`` steps."""
    for eq in system.equations.values():
        far = max(B.last_steps(eq.expr), default=-1)
        if far + 1 > steps:
            raise TargetError(f"this equation reads the step T-{far}, so it needs at least {far + 1} steps; "
                              f"unrolled over {steps}, T-{far} comes before step 1",
                              file=system.file, line=eq.line, col=eq.col, source=eq.source)
        late = max(B.first_steps(eq.expr), default=0)
        if late > steps:
            raise TargetError(f"this equation reads the step {late}, so it needs at least {late} steps; "
                              f"unrolled over {steps}, step {late} comes after T",
                              file=system.file, line=eq.line, col=eq.col, source=eq.source)
    yield from given_by_edges(system)
    instances = []
    for eq in system.equations.values():
        if eq.var.time:
            instances += [(eq.var.at(s), B.at_time(eq.expr, s)) for s in range(1, steps + 1)]
        else:
            body = eq.expr.replace(lambda e: isinstance(e, B.SumT),
                                   lambda e: B.Plus(*[B.at_time(e.args[0], s) for s in range(1, steps + 1)])
                                   if steps > 1 else B.at_time(e.args[0], 1))
            instances.append((eq.var, B.retimed(body, lambda time: time.subs(B.T_LAST, steps))))
    fold = {expr: var for var, expr in instances if B.is_array(expr) and not isinstance(expr, B.Var)}
    generic = fold_map(system)
    for eq in system.equations.values():
        bounded_vjps(eq, B.Adj(eq.var), system.file, generic)  # each step's shares are the same size
    for var, expr in instances:
        for leaf, share in local_vjps(expr, B.Adj(var)).items():
            yield leaf, var, B.replaced(share, fold)


def relevant(edges, target, node=lambda v: v):
    """The edges into the target and the nodes it depends on; ``node`` maps a use to its node
    (generic in t, xc[t+1] is a use of xc[t]).

    Another loss D beside the target C passes back no share: d+C/dD is 0, not a new adjoint.
    """
    edges = list(edges)
    feeders = {}
    for v, user, _ in edges:
        feeders.setdefault(node(user), set()).add(node(v))
    depends = graph.reached(target, feeders.get)
    return [e for e in edges if node(e[1]) in depends]


def sweep(edges, target, assume):
    """Eq. 1 for every node (:func:`orderdiff.sweep.step`): ``{node: Step(explicit, ((user, share), ...))}``,
    each share simplified, with d+E/dE = 1."""
    one = {B.Adj(target): S.One}
    shares = {}
    for node, user, share in edges:  # a user that reads a node at several steps (h[T], h[T-1]) gives one share
        by_user = shares.setdefault(node, {})
        by_user[user] = B.Plus(by_user[user], share) if user in by_user else share

    def done(u, s):  # a share holds d+E/du of its own user alone: only the target's hold d+E/dE
        return simplify(s.xreplace(one) if u == target else s, assume)

    return {v: step(target, [(u, done(u, s)) for u, s in pairs.items()], B.zero_like(v))
            for v, pairs in shares.items()}


def recursive_form(step, assume=()):
    """Eq. 1 for one node as a block expression in the users' adjoints."""
    return simplify(B.Plus(step.explicit, *(s for _, s in step.terms)), assume)


FOLD_BUDGET = 200  # tree nodes: a folded form larger than this keeps its adjoints named


def compact(forms, keep, boundary=(), assume=()):
    """Fold every adjoint used by exactly one other form into it; ``keep`` are never folded.

    ``forms`` maps generic nodes to their Eq. 1. Uses by the ``boundary`` forms (the
    initial values) are not counted; they receive the folded adjoints at the end. The
    result keeps the adjoints used twice or more (by two forms, or twice by one), by
    themselves one step later (the recurrences), or whose folding would make a form larger than ``FOLD_BUDGET`` (a fold
    found too large is tried again only once one of its two forms has shrunk, so a long
    chain of equations costs time in proportion to its length).
    """
    return fold_adjoints(forms, keep, boundary, assume)[0]


def fold_adjoints(forms, keep, boundary=(), assume=()):
    """``(compact forms, folded)``: :func:`compact`'s result, and the forms of the folded nodes in
    the adjoints kept (what each would be, had it kept its own)."""
    boundary = set(boundary)
    inner = {w: e for w, e in forms.items() if w not in boundary}
    refs = {w: references(e) for w, e in inner.items()}
    users = {}
    for w, rs in refs.items():
        for u in rs:
            users.setdefault(u, set()).add(w)
    folded, queue, sizes, refused = [], list(inner), {}, {}
    while queue:
        u = queue.pop()
        ws = users.get(u, set())
        if u not in inner or u in keep or u in ws or len(ws) != 1 or B.holds(inner[u], B.Last, B.First) \
                or lookbehind(inner[u]):
            continue  # a share of a last step ([t = T] · g) stays with its own node, in the loop's last
            # steps: so no form holding one is ever moved to another time (its step would not move with it);
            # so does one of a use a step earlier (d+C/dhb[t-1]), zero at t = 1, which a sum over t would read
        (w,) = ws
        if shifted_use(inner[w], u) and not vanishes_without_adjoints(inner[u], assume):
            continue  # d+E/du[t+1] is 0 past T, but its explicit part would not be
        now = tuple(sizes.setdefault(x, size(inner[x])) for x in (u, w))
        if (u, w) in refused and all(a <= b for a, b in zip(refused[u, w], now)):
            continue  # too large before, and neither form has shrunk since
        new = substitute(inner[w], u, inner[u], assume)
        if uses(inner[w], u) > 1 and size(new) > now[0] + now[1]:
            continue  # read twice by its one user and not simplified away (d[t] by a[t], directly and
            # through mu[t]): kept, written once; the softmax's y ⊙ (g - dot(y, g)) still folds to y - yhat
        if size(new) > FOLD_BUDGET:
            refused[u, w] = now
            continue
        sizes.pop(u, None)
        sizes[w] = size(new)
        folded.append((u, inner.pop(u)))
        inner[w] = new
        refs[w] = references(new)
        for r in refs[w]:
            users.setdefault(r, set()).add(w)
        for r in refs.pop(u):
            users[r].discard(u)
            queue.append(r)
        users.pop(u, None)
        queue.append(w)
    resolved = {}
    for u, body in reversed(folded):  # later folds first: their bodies are final
        resolved[u] = substitute_all(body, resolved, assume)
    out = {w: substitute_all(e, resolved, assume) if w in boundary else inner.get(w)
           for w, e in forms.items() if w in boundary or w in inner}
    return out, resolved


def uses(e, u):
    """How many times ``e`` reads d+E/du at one time, the most over its times (d+E/dxc[t+1] and
    d+E/dxc[t+2] are one read each)."""
    counts = {}
    for a in B.preorder(e):
        if isinstance(a, B.Adj) and base(a.args[0]) == u:
            counts[a] = counts.get(a, 0) + 1
    return max(counts.values(), default=0)


def shifted_use(e, u):
    """Whether ``e`` uses d+E/du a number of steps ahead (d+E/du[t+1])."""
    return any(base(a.args[0]) == u and offset(a.args[0]) for a in B.adjoints(e))


def vanishes_without_adjoints(body, assume):
    """Whether ``body`` is 0 once every d+E/dv in it is 0 (so it is 0 past T, too)."""
    zeros = {a: B.zero_like(a) for a in B.adjoints(body)}
    return B.is_zero(simplify(B.replace_adjoints(body, zeros), assume))


def substitute(e, u, body, assume):
    """``e`` with d+E/du (at any time) replaced by the form ``body`` of u at that time."""
    hits = {a: moved(body, a.args[0]) for a in B.adjoints(e) if base(a.args[0]) == u}
    return simplify(B.replace_adjoints(e, hits), assume)


def substitute_all(e, bodies, assume):
    hits = {a: moved(bodies[base(a.args[0])], a.args[0]) for a in B.adjoints(e) if base(a.args[0]) in bodies}
    return simplify(B.replace_adjoints(e, hits), assume) if hits else e


def references(e):
    """The generic nodes whose adjoints ``e`` uses."""
    return {base(a.args[0]) for a in B.adjoints(e)}


def size(e):
    return B.size(e)


@lru_cache(maxsize=1 << 16)
def generic(var):
    return bool(var.time) and (var.time[0].has(B.T_INDEX) or var.time[0] >= 1)


@lru_cache(maxsize=1 << 16)
def base(var):
    """The generic node of ``var``: xc[t] for xc[t+1] and xc[1]; h[0] stays h[0]."""
    return var.at(B.T_INDEX) if generic(var) else var


def moved(body, var):
    """The form ``body`` of a generic node, taken at the time of ``var``."""
    if not generic(var):
        return body
    when = var.time[0]
    return B.shift(body, int(when - B.T_INDEX)) if when.has(B.T_INDEX) else B.at_time(body, when)


def offset(var):
    """How many steps after t the generic ``var`` is (1 for h[t+1]); 0 for a fixed time."""
    when = var.time[0] if var.time else None
    return int(when - B.T_INDEX) if when is not None and when.has(B.T_INDEX) else 0
