"""Reading a block file: declarations first, then shapes in dependency order, then equations.

A variable used one step back before its own equation (``h[t-1]`` in ``xc[t]``, with
``h[t]`` computed from ``xc[t]``) gets a provisional shape; the equations on such a
loop are inferred together until their shapes settle, and a second, strict pass
builds every equation with the settled shapes. The parsing of one line is
:class:`orderdiff.blocks.parse.BlockParser`'s.
"""

from __future__ import annotations

import networkx as nx

from .. import graph
from ..errors import DefinitionError, LimitError, ShapeError, did_you_mean
from ..limits import MAX_BLOCK_LINE
from ..system import Equation, System
from . import expr as B
from .parse import KEYWORDS, BlockParser, Scope
from .shapes import provisional


def has_declarations(lines):
    """Whether any logical line starts like a declaration (``param W: n``)."""
    for line in lines:
        words = line.text.split(None, 2)
        if len(words) >= 2 and words[0] in KEYWORDS and (words[1][:1].isalpha() or words[1][:1] == "_"):
            return True
    return False


def parse_blocks(lines, file):
    """Parse the logical ``lines`` of a block file into a :class:`~orderdiff.system.System`."""
    scope = Scope(file)
    equations = []
    for line in lines:
        if len(line.text) > MAX_BLOCK_LINE:  # before tokens are made: each line is read several times
            raise line.error(LimitError, f"a line of a block file has at most {MAX_BLOCK_LINE} characters "
                             f"(this one has {len(line.text)}); split it into several equations",
                             MAX_BLOCK_LINE)
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
    parsed = Parses(equations, scope)
    for group in inference_groups(*step_order(equations, heads, scope)):
        settle(group, parsed, scope)
        open_ = [heads[k] for k in group if provisional(scope.shapes[heads[k]])]
        if open_:  # nothing but its own past gives a shape (y[t] = a*y[t-1] + c)
            scope.shapes.update({name: scope.unsettled(name) for name in open_})
            settle(group, parsed, scope)
    result = [build_equation(line, parsed(k)) for k, (line, _) in enumerate(equations)]
    return System(result, file=file, scope=scope)


class Parses:
    """Each equation's parse (head, timed, body, text), made again only once a shape it reads has
    changed: the parse reads the scope's shapes and nothing else that inference changes, so the
    passes that confirm settled shapes, and the final build, cost no parsing."""

    def __init__(self, equations, scope):
        self.equations, self.scope, self.made = equations, scope, {}
        self.reads = [sorted({tok.text for tok in parser.tokens[1:] if tok.kind == "name"})  # the head is
                      for _, parser in equations]  # written, not read, unless the right side reads it

    def __call__(self, k):
        key = tuple(self.scope.shapes.get(name) for name in self.reads[k])
        made = self.made.get(k)
        if made is None or made[0] != key:
            line, parser = self.equations[k]
            made = self.made[k] = (key, BlockParser(line, self.scope, parser.tokens).equation())
        return made[1]


def settle(group, parsed, scope):
    """Infer the shapes of one group's equations until they no longer change."""
    for _ in range(len(group) + 1):  # each pass settles at least one more provisional shape
        before = dict(scope.shapes)
        for k in group:
            head, _, body, _ = parsed(k)
            scope.shapes[head.text] = B.shape_of(body)
        if scope.shapes == before:
            return


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
    """Equation indices in dependency order within one step, and every use between them
    (lagged or not) as a graph; a cycle within the step is an error."""
    index = {h: k for k, h in enumerate(heads)}
    uses = []
    for k, (line, parser) in enumerate(equations):
        tokens = parser.tokens
        timed = tokens[1].text == "["
        for j, tok in enumerate(tokens[1:], start=1):
            if tok.kind != "name" or tok.text not in index or tokens[j + 1].text == "(":
                continue
            if timed and tokens[j + 1].text == "[" and tokens[j + 2].text == "T":
                continue  # a last step in a step's equation: the parser refuses it at its column
            indexed = tokens[j + 1].text == "[" and tokens[j + 2].text == "t"
            lagged = indexed and tokens[j + 3].text in ("-", "+")  # another step (t+0, t-0: the parser refuses)
            uses.append((tok.text, heads[k], 1 if lagged else 0))
    G = graph.step_graph(heads, uses)
    step = graph.same_step(G)
    graph.check_acyclic(step, {h: Written(line) for h, (line, _) in zip(heads, equations)}, scope.file,
                        within_step=True)
    every = nx.DiGraph()
    every.add_nodes_from(range(len(heads)))
    every.add_edges_from((index[u], index[v]) for u, v in G.edges())
    return [index[h] for h in graph.topological_order(step)], every


class Written:
    """Where a logical line is, and its text, as :func:`orderdiff.graph.check_acyclic` shows an equation."""

    def __init__(self, line):
        self.line, self.col, self.source = line.where(0)
        self.written = line.text.strip()


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


def build_equation(line, parse):
    head, timed, body, text = parse
    shape = B.shape_of(body)
    if "?" in str(shape):
        raise line.error(ShapeError, f"cannot infer the shape of '{head.text}'; give it in its initial value, "
                         f"e.g. init {head.text}[0]: n = 0", head.pos)
    var = B.Var(head.text, shape, (B.T_INDEX,) if timed else ())
    number, col, source = line.where(head.pos)
    read = B.variables(body)
    uses = frozenset((v.name, B.lag(v) if v.time and v.time[0].has(B.T_INDEX) else 0) for v in read)
    after = B.holds(body, B.SumT) or bool(B.last_steps(body) or B.first_steps(body))  # sums over the steps, or reads one
    return Equation(var, body, number, col, source, text, uses=uses, sums_over_time=after)

