"""The dependency DAG of a system: edges, cycle check, topological order, sinks.

An edge ``u -> v`` means that ``u`` appears in the equation of ``v``. Node attribute
``rank`` breaks ties in the topological order: inputs first, in order of appearance,
then equations in file order. Functions never mutate the graph they are given.
"""

from __future__ import annotations

import networkx as nx

from .errors import CycleError


def dependency_graph(equations, inputs):
    """The DAG of ``equations`` (a sequence of :class:`~orderdiff.system.Equation`)."""
    G = nx.DiGraph()
    G.add_nodes_from((v, {"rank": (0, i)}) for i, v in enumerate(inputs))
    G.add_nodes_from((eq.var, {"rank": (1, i)}) for i, eq in enumerate(equations))
    for eq in equations:
        G.add_edges_from((u, eq.var) for u in eq.free_symbols)
    return G


def check_acyclic(G, equations, file=None):
    """Raise :class:`CycleError` naming the equations on a cycle of ``G``, if it has one."""
    if nx.is_directed_acyclic_graph(G):
        return
    cycle = [u for u, _ in nx.find_cycle(G)]
    on_cycle = sorted((equations[v] for v in cycle), key=lambda eq: eq.line or 0)
    first = on_cycle[0]
    path = " -> ".join(str(v) for v in cycle + cycle[:1])
    message = (f"'{cycle[0]}' is defined in terms of itself ({path})" if len(cycle) == 1
               else f"the equations form a cycle: {path}")
    notes = ["  equations on the cycle:"] + [
        f"    {'line ' + str(eq.line) + ': ' if eq.line else ''}{eq.var} = {eq.rhs}" for eq in on_cycle]
    notes.append("  an equation may only use variables defined without it; break the cycle")
    raise CycleError(message, file=file, line=first.line, col=first.col, source=first.source, notes=notes)


def file_order(equations, inputs):
    """The inputs then the equations in file order, when that is already a dependency order
    (each equation uses only inputs and earlier equations), else ``None``. It is then what
    :func:`topological_order` gives, without building the graph."""
    known = set(inputs)
    for v, eq in equations.items():
        if not known.issuperset(eq.free_symbols):
            return None
        known.add(v)
    return (*inputs, *equations)


def topological_order(G):
    """The nodes of ``G`` in dependency order, ties broken by ``rank``."""
    return tuple(nx.lexicographical_topological_sort(G, key=lambda v: G.nodes[v]["rank"]))


def sinks(G, defined):
    """The defined variables that no equation uses, in rank order."""
    return sorted((v for v in defined if G.out_degree(v) == 0), key=lambda v: G.nodes[v]["rank"])
