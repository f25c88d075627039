"""Werbos's chain rule, once for every kind of system: Eq. 1 for each node the target depends
on (:func:`orderdiff.graph.reached`).

    d+E/dv = dE/dv + sum over the users u of v of the share of d+E/du that u passes back to v   (Eq. 1)

A share is what the system's algebra says it is. For a scalar equation ``u = f(..v..)`` it
is d+E/du * du/dv, the user's ordered derivative times the local partial
(:mod:`orderdiff.derive`); for a block equation, the vector-Jacobian product
J_uv^T d+E/du (:mod:`orderdiff.blocks.derive`, with the rules of :mod:`orderdiff.blocks.ops`).
The share of the target's own equation, where d+E/dE = 1, is the explicit derivative dE/dv;
the others are the terms of Eq. 1. Nothing here knows either algebra.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """Eq. 1 for one node: its explicit derivative, and ``((user, share), ...)`` of its other users.

    A scalar system's shares are symengine expressions in ``Dplus(E, u)`` (successors latest
    first, as the reverse sweep meets them); a block system's are block expressions in
    ``Adj(u)``.
    """

    explicit: object
    terms: tuple


def step(target, shares, zero):
    """The :class:`Step` of a node from ``shares``, ``[(user, share), ...]`` of all its users:
    the target's share is the explicit derivative (``zero`` when the target does not use the
    node), every other one a term. Each user comes once: its share is that of its whole
    equation (a target that reads the node twice passes back one share)."""
    explicit, terms, target_seen = zero, [], False
    for user, share in shares:
        if user == target:
            assert not target_seen, "the target's share of a node comes once"  # a second would be dropped
            explicit, target_seen = share, True
        else:
            terms.append((user, share))
    return Step(explicit, tuple(terms))
