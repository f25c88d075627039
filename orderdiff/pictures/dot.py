r"""Graphviz text of a :class:`~orderdiff.pictures.model.Picture`.

Graphviz lays the graph out itself (left to right, one rank per column of the
picture); the file carries the names, the labels in plain Unicode (``\n`` between
the lines of a node) and the notes. Every string is quoted and escaped, so any
name or label is safe.
"""

from __future__ import annotations

from .model import edge_labels


def quote(text):
    """``text`` as a double-quoted DOT string: backslashes and quotes escaped, lines joined by ``\\n``.

    Examples
    --------
    >>> print(quote('a "b"\\\\c\\nd'))
    "a \\"b\\"\\\\c\\nd"
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r\n", "\n").replace("\n", "\\n") + '"'


def render(picture):
    """The DOT text of ``picture``: nodes, ranks, edges, and the notes as the graph's label."""
    out = [f"// orderdiff graph of {picture.target}: ordered derivatives on the nodes, "
           f"{edge_labels(picture)} on the edges",
           f"digraph {quote(picture.target)} {{",
           "  rankdir=LR;",
           '  node [shape=box, style="rounded", fontsize=10];',
           "  edge [fontsize=8];"]
    if picture.notes:
        out.append(f"  label={quote(' '.join(picture.notes))}; labelloc=b; labeljust=l; fontsize=8;")
    for n in picture.nodes:
        style = ', style="rounded,dashed"' if n.cut else ""
        width = ", penwidth=2" if n.name == picture.target else ""
        out.append(f"  {quote(n.name)} [label={quote(chr(10).join(line.text for line in n.lines))}"
                   f"{style}{width}];")
    for column in picture.columns if picture.ranks is None else picture.ranks:
        if len(column) > 1:
            out.append("  { rank=same; " + " ".join(quote(name) + ";" for name in column) + " }")
    for e in picture.edges:
        dashed = ", style=dashed" if e.dashed else ""
        out.append(f"  {quote(e.u)} -> {quote(e.v)} [label={quote(e.label.text)}{dashed}];")
    out.append("}")
    return "\n".join(out) + "\n"
