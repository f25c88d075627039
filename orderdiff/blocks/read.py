"""Reading a block file: declarations first, then shapes in dependency order, then equations.

A variable used one step back before its own equation (``h[t-1]`` in ``xc[t]``, with
``h[t]`` computed from ``xc[t]``) gets a provisional shape; the equations on such a
loop are inferred together until their shapes settle, and a second, strict pass
builds every equation with the settled shapes. The parsing of one line is
:class:`orderdiff.blocks.parse.BlockParser`'s.
"""

from __future__ import annotations

import networkx as nx

from ..errors import CycleError, DefinitionError, ShapeError, did_you_mean
from . import expr as B
from .parse import KEYWORDS, BlockParser, Scope
from .system import BlockEquation, BlockSystem


def has_declarations(lines):
    """Whether any logical line starts like a declaration (``param W: n``)."""
    for line in lines:
        words = line.text.split(None, 2)
        if len(words) >= 2 and words[0] in KEYWORDS and (words[1][:1].isalpha() or words[1][:1] == "_"):
            return True
    return False


def parse_blocks(lines, file):
    """Parse the logical ``lines`` of a block file into a :class:`BlockSystem`."""
    scope = Scope(file)
    equations = []
    for line in lines:
        parser = BlockParser(line, scope)
        if parser.tok.kind == "name" and parser.tokens[1].kind == "name" and parser.tokens[1].text != "=":
            if parser.tok.text not in KEYWORDS:
                hint = did_you_mean(parser.tok.text, KEYWORDS)
                raise parser.error(f"unknown declaration '{parser.tok.text}'{hint}; declarations are "
                                   + ", ".join(KEYWORDS))
            parser.declaration()
        else:
            equations.append((line, parser))
    heads = [defined_name(parser, scope) for _, parser in equations]
    for group in inference_groups(*step_order(equations, heads, scope)):
        for _ in range(len(group) + 1):  # each pass settles at least one more provisional shape
            before = dict(scope.shapes)
            for k in group:
                infer_shape(equations[k], scope)
            if scope.shapes == before:
                break
    result = [build_equation(line, BlockParser(line, scope)) for line, _ in equations]
    return BlockSystem(result, scope, file=file)


def defined_name(parser, scope):
    head = parser.tok
    if head.kind != "name":
        raise parser.error("the left side of an equation must be a variable name")
    timed = parser.tokens[1].text == "["
    if head.text in scope.decls or head.text in scope.dims:
        raise parser.error(f"'{head.text}' is declared, so it cannot also have an equation",
                           cls=DefinitionError)
    if head.text in scope.defined:
        raise parser.error(f"'{head.text}' is defined twice (first on line {scope.defined[head.text][1]}); "
                           "each variable is defined once", cls=DefinitionError)
    scope.defined[head.text] = (timed, parser.line.where(head.pos)[0])
    return head.text


def step_order(equations, heads, scope):
    """Equation indices in dependency order within one step; a cycle is an error."""
    G, lags = nx.DiGraph(), nx.DiGraph()
    G.add_nodes_from(range(len(heads)))
    index = {h: k for k, h in enumerate(heads)}
    for k, (line, parser) in enumerate(equations):
        tokens = parser.tokens
        for j, tok in enumerate(tokens[1:], start=1):
            if tok.kind != "name" or tok.text not in index or tokens[j + 1].text == "(":
                continue
            indexed = tokens[j + 1].text == "[" and tokens[j + 2].text == "t"
            if indexed and tokens[j + 3].text == "+":
                raise parser.error(f"{tok.text}[t+...] looks ahead in time; a step may only use t and "
                                   "earlier steps", tokens[j + 3].pos)
            lagged = indexed and tokens[j + 3].text == "-"
            (lags if lagged else G).add_edge(index[tok.text], k)
    if not nx.is_directed_acyclic_graph(G):
        cycle = [u for u, _ in nx.find_cycle(G)]
        first = equations[min(cycle)][0]
        names = [heads[k] for k in cycle]
        notes = ["  equations on the cycle:"] + [f"    line {equations[k][0].where(0)[0]}: "
                                                   f"{equations[k][0].text.strip()}" for k in sorted(cycle)]
        notes.append("  within one time step, a variable may only use variables computed before it; "
                     "use [t-1] for the previous step")
        raise first.error(CycleError, "the equations form a cycle within one time step: "
                          + " -> ".join(names + names[:1]), 0, notes=notes)
    lags.add_edges_from(G.edges)
    return list(nx.lexicographical_topological_sort(G)), lags


def inference_groups(order, uses):
    """The equations in groups to infer shapes in: the loops through [t-k] edges, in order.

    Equations on one loop (h[t] uses xc[t] uses h[t-1]) are inferred together until
    their shapes settle; the groups come in dependency order, so a long chain of lagged
    uses costs one pass, not one pass per link.
    """
    full = nx.DiGraph(uses)
    full.add_nodes_from(order)
    position = {k: i for i, k in enumerate(order)}
    condensed = nx.condensation(full)
    return [sorted(condensed.nodes[c]["members"], key=position.__getitem__)
            for c in nx.topological_sort(condensed)]


def infer_shape(item, scope):
    line, _ = item
    parser = BlockParser(line, scope)
    head, timed, body, _ = parser.equation()
    scope.shapes[head.text] = B.shape_of(body)


def build_equation(line, parser):
    head, timed, body, text = parser.equation()
    shape = B.shape_of(body)
    if "?" in str(shape):
        raise parser.error(f"cannot infer the shape of '{head.text}'; give it in its initial value, e.g. "
                           f"init {head.text}[0]: n = 0", head.pos, cls=ShapeError)
    var = B.Var(head.text, shape, (B.T_INDEX,) if timed else ())
    number, col, source = line.where(head.pos)
    return BlockEquation(var, body, number, col, source, text)

