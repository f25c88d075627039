"""The dependency graph of a system, scalar or block: edges, lags, cycle check, order, sinks.

An edge ``u -> v`` means that ``u`` appears in the equation of ``v``. Node attribute
``rank`` breaks ties in the topological order: inputs first, in order of appearance,
then equations in file order. In a time-indexed system each edge also carries its
``lag``, k for a use of ``u[t-k]`` (0 within one step): one step's order is that of the
edges of lag 0, which must form a DAG, and the lags say how far back the recurrences
reach. Functions never mutate the graph they are given.
"""

from __future__ import annotations

import networkx as nx

from .errors import CycleError, TargetError


def step_graph(nodes, uses):
    """The graph of one time step: ``nodes`` ranked in the order given, and an edge
    ``u -> v`` with attribute ``lag`` k for each ``(u, v, k)`` of ``uses`` (``u[t-k]`` in
    the equation of ``v``; two uses with different lags are two edges)."""
    G = nx.MultiDiGraph()
    G.add_nodes_from((v, {"rank": rank}) for rank, v in enumerate(nodes))
    G.add_edges_from((u, v, {"lag": k}) for u, v, k in uses)
    return G


def reach(G):
    """``{u: the largest k of a use u[t-k]}`` for every variable used with a lag."""
    out = {}
    for u, _, k in G.edges(data="lag"):
        if k:
            out[u] = max(k, out.get(u, 0))
    return out


def same_step(G):
    """The edges of ``G`` within one step (lag 0), every node kept: one step's dependencies."""
    H = nx.DiGraph()
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from((u, v) for u, v, k in G.edges(data="lag") if not k)
    return H


def cyclic(G):
    """The nodes of ``G`` on a cycle (a strongly connected component of two or more, or a self-loop)."""
    out = set()
    for part in nx.strongly_connected_components(G):
        if len(part) > 1 or any(G.has_edge(v, v) for v in part):
            out |= part
    return out


STEP_HINT = ("  within one time step, a variable may only use variables computed before it; "
             "use [t-1] for the previous step")
HINT = "  an equation may only use variables defined without it; break the cycle"


def check_acyclic(G, equations, file=None, *, within_step=False):
    """Raise :class:`CycleError` naming the equations on a cycle of ``G``, if it has one.

    ``equations`` maps each node to its equation, which has ``line``, ``col``, ``source`` and
    ``written`` (the equation as the file writes it). ``within_step``: ``G`` is one time
    step's graph (:func:`same_step`), and the message says so.
    """
    if nx.is_directed_acyclic_graph(G):
        return
    cycle = [u for u, _ in nx.find_cycle(G)]
    on_cycle = sorted((equations[v] for v in cycle), key=lambda eq: eq.line or 0)
    first = on_cycle[0]
    path = " -> ".join(str(v) for v in cycle + cycle[:1])
    step = " within one time step" if within_step else ""
    message = (f"'{cycle[0]}' is defined in terms of itself{step} ({path})" if len(cycle) == 1
               else f"the equations form a cycle{step}: {path}")
    notes = ["  equations on the cycle:"] + [
        f"    {'line ' + str(eq.line) + ': ' if eq.line else ''}{eq.written}" for eq in on_cycle]
    notes.append(STEP_HINT if within_step else HINT)
    raise CycleError(message, file=file, line=first.line, col=first.col, source=first.source, notes=notes)


def file_order(equations, inputs):
    """The inputs then the equations in file order, when that is already a dependency order
    (each equation uses, within one step, only inputs and earlier equations), else ``None``. It is then what
    :func:`topological_order` gives, without building the graph."""
    known = set(inputs)
    for v, eq in equations.items():
        if not known.issuperset(eq.parents):
            return None
        known.add(v)
    return (*inputs, *equations)


def topological_order(G):
    """The nodes of ``G`` (a DAG) in dependency order, ties broken by ``rank``."""
    return tuple(nx.lexicographical_topological_sort(G, key=lambda v: G.nodes[v]["rank"]))


def sole_sink(sinks, equations, file=None):
    """The one variable no equation uses (``sinks``), the target when none is chosen; for
    several, a :class:`TargetError` at the equation of the first (``equations[v]``)."""
    if len(sinks) == 1:
        return sinks[0]
    shown = ", ".join(map(str, sinks[:10])) + (f" and {len(sinks) - 10} more" if len(sinks) > 10 else "")
    first = equations[sinks[0]]
    raise TargetError(f"{len(sinks)} variables are used by no other equation: {shown}; choose the target "
                      "with --target", file=file, line=first.line, col=first.col, source=first.source)


def reached(target, parents):
    """The target and every node it depends on; ``parents(v)`` are the nodes whose values the
    equation of ``v`` reads (none, or ``None``, for a leaf)."""
    seen, stack = {target}, [target]
    while stack:
        for u in parents(stack.pop()) or ():
            if u not in seen:
                seen.add(u)
                stack.append(u)
    return seen
