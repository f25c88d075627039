"""Block nodes by the names users write: ``W_ih``, ``h[t]``, ``h[0]``, and unrolled ``h[2]``.

A node is a :class:`~orderdiff.blocks.expr.Var`; its text is its name with its time as an
index (``h[t]``, ``h[0]``), as the printers and ``lambdify``'s gradients write it.
:class:`NodeMap` is a mapping from nodes that also takes that text, or a bare name for the
one node of that name that stands for every step; :func:`nodes_named` gives the nodes one
``--wrt`` name selects.
"""

from __future__ import annotations

import re

from ..errors import TargetError
from ..naming import NameMap, name_of
from . import expr as B
from .derive import generic_order, unrolled_order

NODE = re.compile(r"\s*([A-Za-z_]\w*)\s*(?:\[([^\[\]]*)\])?\s*")


def index_text(time):
    """``t - 1`` as written in an index: ``t-1``."""
    return str(time).replace(" ", "")


def node_text(v):
    """``h[t]``, ``h[0]``, ``W_ih``: a node as users write it."""
    return f"{v.name}[{index_text(v.time[0])}]" if v.time else v.name


def is_generic(v):
    """Whether ``v`` stands for every step (h[t]) or is static (W): what a bare name means."""
    return not v.time or v.time[0] == B.T_INDEX


class NodeMap(NameMap):
    """A read-only ``{node: value}`` that also takes a node's text (``'h[0]'``) or a bare name.

    A bare name (``'h'``, or ``Symbol('h')``) means the node that stands for every step,
    h[t], or the static node of that name; unrolled, ``'h'`` alone names no node (give the
    step: ``'h[2]'``). A :class:`~orderdiff.blocks.expr.Var` is looked up as itself.

    Examples
    --------
    >>> import orderdiff
    >>> d = orderdiff.derive(orderdiff.parse("dim n\\nparam w: n\\ninput x[t]: n\\ninit h[0] = 0\\n"
    ...                                      "h[t] = tanh(w * h[t-1] + x[t])\\nC = sum_t(sum(h[t]))"))
    >>> [node_text(v) for v in d.gradients]
    ['h[0]', 'w']
    >>> d.gradients["h[0]"] == d.gradients[d.system.var("h", 0)], "h" in d.recurrences, "h[2]" in d.recurrences
    (True, True, False)
    """

    def _key(self, key):
        if key in self._keys:
            return key
        if isinstance(key, B.Block):
            raise KeyError(key)
        if self._names is None:
            self._names = {node_text(v): v for v in self._keys}
            self._names.update({v.name: v for v in self._keys if is_generic(v)})
        return self._names[re.sub(r"\s+", "", name_of(key))]


def nodes_named(derivation, name):
    """The nodes of ``derivation`` (the target, and those it does not depend on, included) that
    ``name`` selects: a bare name every node of that variable (h[t] and h[0]; unrolled, h[0]
    to h[T]), an indexed one (``h[0]``, ``h[2]``) or a ``Var`` that node alone.

    Raises
    ------
    TargetError
        An unknown name (the message suggests close ones), or a node the derivation lacks.
    """
    system = derivation.system
    if isinstance(name, B.Var):
        var, index = name.name, index_text(name.time[0]) if name.time else None
    else:
        m = NODE.fullmatch(name_of(name))
        if m is None:
            raise TargetError(f"'{name_of(name)}' is not a node: write a name (h) or a node (h[t], h[0])",
                              file=system.file)
        var, index = m.group(1), None if m.group(2) is None else re.sub(r"\s+", "", m.group(2))
    system.resolve(var, "variable")
    every = [v for v in every_node(derivation) if v.name == var]
    chosen = [v for v in every if index is None or (index_text(v.time[0]) if v.time else None) == index]
    if not chosen:
        unroll = " (--steps T unrolls it into its steps)" if derivation.steps_count is None and every[0].time else ""
        raise TargetError(f"no node {var}[{index}] in this derivation; the nodes of {var} are "
                          + ", ".join(map(node_text, every)) + unroll, file=system.file)
    return chosen


def every_node(derivation):
    """Every node of the derivation's graph, those the target does not depend on too."""
    system, T = derivation.system, derivation.steps_count
    return generic_order(system) if T is None else unrolled_order(system, T)
