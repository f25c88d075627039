r"""TikZ text of a :class:`~orderdiff.pictures.model.Picture`: one ``tikzpicture``.

Needs only ``\usepackage{tikz}`` (no TikZ libraries, no amsmath). Nodes sit where
the layout put them, in centimetres, at the sizes the layout planned; edges run
between the nodes' borders (TikZ finds them), straight or along the layout's arc
(its quadratic curve written as a cubic one); labels are in math mode and set at
10pt (nodes) and 8pt (edges) whatever the document's font size.

:func:`figure` puts the picture in a LaTeX float for a document (article, letter
paper), scaled down no further than keeps every label at ``MIN_PT`` points: upright
where it fits the room given, else turned a quarter on a page of its own (``SIDEWAYS``).
It needs ``\rotatebox`` and ``\scalebox``, which TikZ loads (graphicx).
"""

from __future__ import annotations

import math

from .model import EDGE_PT, NODE_PT, edge_labels

from ..printers.latex import escape

STYLES = r"""\begin{tikzpicture}[>=stealth,
  od variable/.style={draw, rounded corners=2pt, align=center, inner sep=0pt, fill=white,
                   font=\fontsize{10}{12}\selectfont},
  od target/.style={od variable, line width=1.2pt},
  od cut/.style={dashed},
  od partial/.style={fill=white, inner sep=1pt, font=\fontsize{8}{9.5}\selectfont},
  od note/.style={anchor=south west, align=left, font=\fontsize{8}{9.5}\selectfont}]"""


MIN_PT = 7.0  # no label of a picture in a document is set smaller
LABEL = "orderdiff-graph"  # the LaTeX label of its float
# cm of a page of its own a picture turned a quarter may take: its width along the page,
# from 1 cm under the paper's top to just over the page number; its height across it,
# 1 cm from either edge of the paper.
SIDEWAYS = (23.3, 19.6)
DROP = 0.5  # cm a sideways picture reaches under the text block, still over the page number


def render(picture):
    """The ``tikzpicture`` of ``picture``, with a comment saying what it needs."""
    ids = {n.name: f"n{i}" for i, n in enumerate(picture.nodes)}
    out = [f"% orderdiff graph of {one_line(picture.target)}: ordered derivatives on the nodes, "
           f"{edge_labels(picture)} on the edges.", "% Needs \\usepackage{tikz}.", STYLES]
    for n in picture.nodes:
        style = ("od target" if n.name == picture.target else "od variable") + (", od cut" if n.cut else "")
        text = r" \\ ".join(f"${line.math}$" for line in n.lines)
        out.append(rf"\node[{style}, minimum width={n.w:.3f}cm, minimum height={n.h:.3f}cm] "
                   rf"({ids[n.name]}) at {point((n.x, n.y))} {{{text}}};")
    for e in picture.edges:
        out.append(draw_edge(e, ids))
    for e in picture.edges:
        out.append(rf"\node[od partial] at {point(e.at)} {{${e.label.math}$}};")
    if picture.notes:
        xmin, ymin = picture.bounds[:2]
        notes = r" \\ ".join(escape(note).replace("…", r"\dots{}")
                               for note in picture.note_lines or picture.notes)
        out.append(rf"\node[od note] at {point((xmin, ymin))} {{{notes}}};")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"


def draw_edge(e, ids):
    """The ``\\draw`` of one edge: between the nodes' borders, or along its cut route for a loop."""
    style = "->, dashed" if e.dashed else "->"
    (x0, y0), (cx, cy), (x2, y2) = e.clipped_route if e.u == e.v else e.route
    if e.straight:
        return rf"\draw[{style}] ({ids[e.u]}) -- ({ids[e.v]});"
    # the quadratic curve as a cubic one: controls 2/3 of the way to its control point
    c1 = (x0 + 2 * (cx - x0) / 3, y0 + 2 * (cy - y0) / 3)
    c2 = (x2 + 2 * (cx - x2) / 3, y2 + 2 * (cy - y2) / 3)
    start, end = (point((x0, y0)), point((x2, y2))) if e.u == e.v else (f"({ids[e.u]})", f"({ids[e.v]})")
    # a loop runs between its own points: TikZ would start and end it at one point of the border
    return rf"\draw[{style}] {start} .. controls {point(c1)} and {point(c2)} .. {end};"


def point(p):
    return f"({p[0]:.3f},{p[1]:.3f})"


def one_line(text):
    return " ".join(text.split())


def figure(picture, upright, label=LABEL):
    r"""``picture`` as a LaTeX ``figure`` float whose labels are ``MIN_PT`` points or more, or None.

    Upright (``[htbp]``) where it fits ``upright`` (width, height in cm) at that size,
    else sideways on a float page of its own (``[p]``), turned a quarter and let reach
    into the top margin; None when even that would set a label smaller. The float
    carries ``\label{label}``.

    Examples
    --------
    >>> from orderdiff import parse, derive
    >>> from orderdiff.pictures import picture
    >>> print(figure(picture(derive(parse("y = 3*x"))), (17.0, 19.0)).splitlines()[:3])
    ['\\begin{figure}[htbp]', '\\centering', '\\makebox[\\linewidth]{%']
    """
    smallest = min(NODE_PT, EDGE_PT)
    body = render(picture).rstrip("\n")
    up, side = scale(picture, upright), scale(picture, SIDEWAYS)
    if up * smallest >= MIN_PT:
        placed, where = scaled(body, up), "htbp"
    elif side * smallest >= MIN_PT:
        # reported as tall as the text block, the turned picture reaches up into the top margin
        placed = (f"\\raisebox{{-{DROP}cm}}[\\dimexpr\\textheight-1pt\\relax][0pt]{{%\n"
                  f"\\rotatebox{{90}}{{%\n{scaled(body, side)}%\n}}%\n}}")
        where = "p"
    else:
        return None
    return "\n".join([f"\\begin{{figure}}[{where}]", "\\centering",
                      f"\\makebox[\\linewidth]{{%\n{placed}%\n}}%", f"\\label{{{label}}}", "\\end{figure}"])


def scale(picture, box):
    """The factor that fits ``picture`` into ``box`` (cm), at most 1, rounded down to thousandths."""
    return math.floor(1000 * min(1.0, box[0] / picture.width, box[1] / picture.height)) / 1000


def scaled(body, factor):
    return body if factor >= 1 else f"\\scalebox{{{factor:.3f}}}{{%\n{body}%\n}}"
