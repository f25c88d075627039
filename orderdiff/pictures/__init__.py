"""Pictures of a derivation: the DAG, its explicit partials on the edges and d+E/dv on the nodes.

d+E/dv is Werbos's ordered derivative, dz_j/dz_i the explicit (local) partial of z_j's
own equation. :func:`draw` writes a picture whose format its file's suffix picks:
``.svg``, ``.png`` and ``.pdf`` (matplotlib), ``.dot`` (Graphviz text) and ``.tex``
(a TikZ picture); :func:`to_dot` and :func:`to_tikz` return the text. The layout
(:mod:`~orderdiff.pictures.layout`) works on any networkx DiGraph with label
functions, so other node types can be drawn with :func:`arrange` and :func:`write`.
A block derivation (vectors, time-indexed equations) is drawn by
:mod:`~orderdiff.pictures.blocks`: its folded cell, or its graph unrolled over T steps.
"""

from __future__ import annotations

from pathlib import Path

from .. import graph
from ..codegen import evaluate
from ..errors import OrderdiffError
from . import blocks, dot, mpl, tikz
from .labels import DerivationLabels
from .layout import arrange
from .model import MAX_NODES, Edge, Label, Node, Picture

SUFFIXES = (".svg", ".png", ".pdf", ".dot", ".tex")

__all__ = ["draw", "to_dot", "to_tikz", "picture", "arrange", "write", "Picture", "Node", "Edge",
           "Label", "MAX_NODES", "SUFFIXES"]


def picture(derivation, *, values=None, depth=None, max_nodes=MAX_NODES):
    """The laid-out picture of ``derivation``, before it is written.

    Parameters
    ----------
    derivation : Derivation
        A block derivation draws its folded cell, or its graph unrolled over at most
        ``blocks.MAX_STEPS`` steps (see :mod:`~orderdiff.pictures.blocks`).
    values : mapping, optional
        ``{input: number}``: the nodes and edges then show numbers at that point.
    depth : int, optional
        Draw only the variables within ``depth`` edges upstream of the target.
    max_nodes : int
        Without ``depth``, a system with more variables upstream of the target shows
        the largest neighbourhood of the target that has at most ``max_nodes``.

    Returns
    -------
    Picture
        Its ``notes`` say what was left out; ``beyond`` and ``unrelated`` list it.

    Raises
    ------
    ValueInputError
        A missing or extra input value.
    OrderdiffError
        A negative ``depth`` or a ``max_nodes`` below 1; ``values`` or ``depth`` for a block
        derivation, or one unrolled over more than ``blocks.MAX_STEPS`` steps.

    Examples
    --------
    >>> from orderdiff import parse, derive
    >>> p = picture(derive(parse("z2 = 2*z1\\nz3 = 3*z2 + z1\\nz4 = 4*z3 + 2*z2 + z1\\nE = 4*z4 + 2*z2")))
    >>> p.columns
    (('z1',), ('z2',), ('z3',), ('z4',), ('E',))
    >>> p.edge("z3", "z4").label.text, p.node("z1").lines[1].text
    ('∂z4/∂z3 = 4', '∂⁺E/∂z1 = 136')
    """
    if derivation.system.algebra == "block":
        if values is not None or depth is not None:
            raise OrderdiffError("values and depth apply to pictures of scalar systems; a block "
                                 "derivation's picture draws every node of its steps")
        return blocks.picture(derivation)
    evaluation = evaluate(derivation, values) if values is not None else None
    return arrange_derivation(derivation, evaluation, depth, max_nodes)


def arrange_derivation(derivation, evaluation, depth=None, max_nodes=MAX_NODES):
    """:func:`picture` at an Evaluation (numbers already computed) instead of values."""
    if depth is not None and depth < 0:
        raise OrderdiffError(f"the depth must be 0 or more, not {depth}")
    if max_nodes < 1:
        raise OrderdiffError(f"the node budget must be 1 or more, not {max_nodes}")
    labels = DerivationLabels(derivation, evaluation)
    return arrange(graph.same_step(derivation.system.graph), derivation.target, labels.node, labels.edge,
                   name=labels.name, key=derivation.system.index.__getitem__, depth=depth,
                   max_nodes=max_nodes)


def draw(derivation, path, *, values=None, depth=None, max_nodes=MAX_NODES):
    """Write the picture of ``derivation`` to ``path``; the suffix picks the format.

    Parameters
    ----------
    derivation : Derivation
    path : str or path-like
        Ends in ``.svg``, ``.png``, ``.pdf`` (drawn with matplotlib), ``.dot``
        (Graphviz text) or ``.tex`` (a ``tikzpicture``; needs ``\\usepackage{tikz}``).
    values, depth, max_nodes
        As for :func:`picture`.

    Returns
    -------
    Picture
        What was drawn; its ``notes`` say what was left out.

    Raises
    ------
    OrderdiffError
        An unknown suffix (checked before any work), or the file cannot be written.
    ValueInputError
        A missing or extra input value.

    Examples
    --------
    >>> import os, tempfile
    >>> from orderdiff import parse, derive
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     shown = draw(derive(parse("y = 3*x\\nE = y**2")), os.path.join(tmp, "E.svg"))
    ...     head = open(os.path.join(tmp, "E.svg")).read(5)
    >>> head, shown.columns, shown.notes
    ('<?xml', (('x',), ('y',), ('E',)), ())
    """
    suffix = check_suffix(path)
    shown = picture(derivation, values=values, depth=depth, max_nodes=max_nodes)
    write(shown, path, suffix)
    return shown


def check_suffix(path):
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        given = f"'{suffix}'" if suffix else "no suffix"
        raise OrderdiffError(f"cannot draw a picture to a file with {given}; "
                             f"name it with one of {', '.join(SUFFIXES)}", file=str(path))
    return suffix


def write(shown, path, suffix=None):
    """Write an arranged :class:`Picture` to ``path`` (format from ``suffix`` or the path's)."""
    suffix = suffix or check_suffix(path)
    try:
        if suffix in (".dot", ".tex"):
            text = dot.render(shown) if suffix == ".dot" else tikz.render(shown)
            Path(path).write_text(text, encoding="utf-8")
        else:
            mpl.write(shown, path, suffix[1:])
    except OSError as e:
        raise OrderdiffError(f"cannot write the picture: {e.strerror or e}", file=str(path)) from None


def to_dot(derivation, *, values=None, depth=None, max_nodes=MAX_NODES):
    """The picture of ``derivation`` as Graphviz DOT text (see :func:`picture`).

    Examples
    --------
    >>> from orderdiff import parse, derive
    >>> print(to_dot(derive(parse("y = 3*x"))).splitlines()[-2])
      "x" -> "y" [label="∂y/∂x = 3"];
    """
    return dot.render(picture(derivation, values=values, depth=depth, max_nodes=max_nodes))


def to_tikz(derivation, *, values=None, depth=None, max_nodes=MAX_NODES):
    """The picture of ``derivation`` as a ``tikzpicture`` (see :func:`picture`).

    Needs only ``\\usepackage{tikz}``.

    Examples
    --------
    >>> from orderdiff import parse, derive
    >>> print(to_tikz(derive(parse("y = 3*x"))).splitlines()[-3])
    \\draw[->] (n0) -- (n1);
    """
    return tikz.render(picture(derivation, values=values, depth=depth, max_nodes=max_nodes))
