"""SVG, PNG and PDF of a :class:`~orderdiff.pictures.model.Picture`, drawn with matplotlib.

Drawn on a bare ``Figure`` (the Agg canvas, no pyplot): no window ever opens and no
global backend is switched. The figure is exactly the picture's bounds, at the
layout's centimetres, so text sizes match the layout's estimates. Labels are set
with mathtext (Computer Modern); should mathtext reject one, the picture is drawn
again with each label it cannot parse as plain text. Files are reproducible: no
dates, fixed SVG ids.
"""

from __future__ import annotations

import re

from .model import EDGE_PT, GAP, NODE_PT

DPI = 150
RC = {"svg.hashsalt": "orderdiff", "svg.fonttype": "path", "mathtext.fontset": "cm",
      "font.family": "DejaVu Sans"}
METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}
INK = "0.15"


def size_inches(picture):
    """The figure's width and height in inches (a PNG is these times ``DPI`` pixels)."""
    return picture.width / 2.54, picture.height / 2.54


def write(picture, path, fmt):
    """Draw ``picture`` into the file ``path`` in format ``fmt`` (``svg``, ``png`` or ``pdf``)."""
    import matplotlib

    with matplotlib.rc_context(RC):
        try:
            figure(picture, trusted).savefig(path, format=fmt, dpi=DPI, metadata=METADATA[fmt])
        except ValueError:  # mathtext rejected a label: check each one, the slow way
            figure(picture, checked).savefig(path, format=fmt, dpi=DPI, metadata=METADATA[fmt])


def figure(picture, spell):
    """The matplotlib Figure of ``picture``; ``spell(label)`` gives the text of a label."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size_inches(picture))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    xmin, ymin, xmax, ymax = picture.bounds
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    for n in picture.nodes:
        draw_node(ax, n, n.name == picture.target, spell)
    for e in picture.edges:
        draw_edge(ax, e, spell)
    if picture.notes:
        ax.text(xmin + GAP, ymin + GAP / 2, plain("\n".join(picture.note_lines or picture.notes)),
                fontsize=EDGE_PT, ha="left", va="bottom", color="0.3")
    return fig


def draw_node(ax, n, is_target, spell):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((n.x - n.w / 2, n.y - n.h / 2), n.w, n.h,
                                boxstyle="round,pad=0,rounding_size=0.1", fc="white", ec=INK,
                                lw=1.6 if is_target else 0.8, ls="--" if n.cut else "-", zorder=2,
                                gid=f"node-{safe_id(n.name)}"))
    ax.text(n.x, n.y, "\n".join(spell(line) for line in n.lines), fontsize=NODE_PT, ha="center",
            va="center", multialignment="center", zorder=3)


def draw_edge(ax, e, spell):
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    curve = Path(list(e.clipped_route), [Path.MOVETO, Path.CURVE3, Path.CURVE3])
    ax.add_patch(FancyArrowPatch(path=curve, arrowstyle="-|>", mutation_scale=9, lw=0.8, color=INK,
                                 ls=(0, (4, 2.5)) if e.dashed else "-", zorder=1,
                                 gid=f"edge-{safe_id(e.u)}-{safe_id(e.v)}"))
    ax.text(*e.at, spell(e.label), fontsize=EDGE_PT, ha="center", va="center", zorder=4,
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"})


def trusted(label):
    return f"${label.math}$"


def checked(label):
    """The label for mathtext, or as plain text when mathtext cannot parse it."""
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(f"${label.math}$")
    except ValueError:
        return plain(label.text)
    return trusted(label)


def plain(text):
    return text.replace("$", r"\$")


def safe_id(name):
    return re.sub(r"[^\w.-]", "_", name, flags=re.ASCII)
