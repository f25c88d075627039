"""One equation's local partials, folded, as fast forms: :mod:`orderdiff.partials`'s sympy
pass (``local_partials`` then the folding of ``derive``) replayed on the reader's forms.

Each sympy operation of that pass (``Add(*parts)``, ``g*d``, the product of a node's
other factors, ``e*b**(e - 1)``, a function's derivative rule, the rebuild of a folded
node) is done by the builder of :mod:`orderdiff.partials` that mirrors it, and those
raise :class:`~orderdiff.partials.Fallback` wherever sympy could combine anything, so
:func:`~orderdiff.partials.to_sympy` of the result is the sympy pass's expression
(tests compare them on many systems). Where this module cannot vouch for that, the
caller runs the sympy pass.
"""

from __future__ import annotations

from fractions import Fraction

import sympy
from sympy import Heaviside, sign

from .functions import relu, sigmoid, softplus
from .partials import EXACT, Fallback, call, exp_count, plus, power, product, symbol, times

HALF = Fraction(1, 2)


def fast_partials(form, wrt, fold):
    """``{name: d form / d name}`` for each name in ``wrt``, folded: a subtree equal to a form in
    ``fold`` (from :func:`folding`) becomes that variable."""
    if form.__class__ is not tuple or form[-1] is None:
        raise Fallback  # a form from sympy, not from the reader
    nodes, contributions = postorder(form), {form[-1]: [1]}
    for node in reversed(nodes):
        parts = contributions.get(node[-1])
        if not parts or node[0] == "s":
            continue
        g = plus(parts)
        for child, d in node_rules(node):
            contributions.setdefault(child[-1], []).append(mult(g, d))
    memo = {}
    return {name: replace(plus(contributions.get(symbol(name)[-1], ())), fold, memo) for name in wrt}


def postorder(form):
    """The distinct non-number nodes of ``form``, children before parents; two different
    nodes with one key (sympy would find them equal, or a collision) fall back."""
    order, seen, stack = [], {}, [(form, False)]
    while stack:
        node, ready = stack.pop()
        if ready:
            order.append(node)
            continue
        key = node[-1]
        if key in seen:
            if seen[key] is not node and seen[key] != node:
                raise Fallback
            continue
        seen[key] = node
        stack.append((node, True))
        stack.extend((a, False) for a in children(node) if a.__class__ is tuple)
    return order


def children(node):
    tag = node[0]
    if tag == "a" or tag == "m":
        return node[2]
    if tag == "p":
        return (node[1],)
    if tag == "f":
        return (node[2],)
    return ()


def node_rules(node):
    """``[(child, d node / d child)]`` for the non-number children, as ``partials.node_rules``."""
    tag = node[0]
    if tag == "a":
        return [(a, 1) for a in node[2]]
    if tag == "m":
        c, factors = node[1], node[2]
        return [(f, mul([*factors[:k], *factors[k + 1:]], c)) for k, f in enumerate(factors)]
    if tag == "p":
        b, e = node[1], node[2]
        return [(b, times(e, raised(b, e - 1)))]
    return [(node[2], derivative(node[1], node, node[2]))]


def mult(a, b):
    """``a*b`` as sympy's ``Mul`` builds it, also where factors share a base: their exponents
    add up (``x*x**-2`` is ``x**-1``; a power 0 drops out), and a number times a lone sum that
    remains distributes over it."""
    if a.__class__ is not tuple or b.__class__ is not tuple:
        return times(a, b)
    ca, fa = (a[1], a[2]) if a[0] == "m" else (1, (a,))
    cb, fb = (b[1], b[2]) if b[0] == "m" else (1, (b,))
    if exp_count(fa) + exp_count(fb) > 1:
        raise Fallback
    groups = {}
    for f in fa + fb:
        base, e = (f[1], f[2]) if f[0] == "p" else (f, 1)
        group = groups.get(base[-1])
        if group is None:
            groups[base[-1]] = [base, e, f]
        elif canonical(group[0]) != canonical(base):
            raise Fallback  # two bases with one key
        else:
            group[1] += e
            group[2] = None
    factors = [f if f is not None else power(base, e) for base, e, f in groups.values() if e != 0]
    c = ca * cb
    if not factors:
        return c
    if len(factors) == 1 and factors[0][0] == "a" and c != 1:
        return times(c, factors[0])
    return product(c, tuple(factors), hash(frozenset(f[-1] for f in factors)))


def mul(factors, c=1):
    """``Mul(c, *factors)`` of a canonical product's arguments: the factors first, the
    coefficient last (a number times a lone sum distributes, as sympy's does)."""
    if not factors:
        return c
    value = factors[0]
    for f in factors[1:]:
        value = mult(value, f)
    return times(value, c) if c != 1 else value


def raised(b, e):
    """``b**e`` for an exact ``e``; a product to an integer power is the product of the powers
    (sympy's ``Mul._eval_power``), when no factor is itself a power."""
    if e == 0:
        return 1
    if e == 1:
        return b
    if b.__class__ is tuple and b[0] == "m":
        if e.__class__ not in EXACT or getattr(e, "denominator", 1) != 1 or any(f[0] == "p" for f in b[2]):
            raise Fallback
        c = power(b[1], e)
        if c.__class__ is tuple or c == 0:
            raise Fallback
        return mul([raised(f, e) for f in b[2]], c)
    return power(b, e)


def minus(x):
    return times(-1, x)


def derivative(cls, f, x):
    """The fast form of ``RULES[cls].derivative(f, x)``, built by the same sympy operations."""
    if cls is sympy.sin:
        return call(sympy.cos, x)
    if cls is sympy.cos:
        return minus(call(sympy.sin, x))
    if cls is sympy.tan:
        return plus([1, raised(f, 2)])
    if cls is sympy.asin or cls is sympy.acos:  # (+-1)/sqrt(1 - x**2) is a power -1/2 of the sum
        root = power(plus([1, minus(raised(x, 2))]), -HALF)
        return root if cls is sympy.asin else minus(root)
    if cls is sympy.atan:
        return raised(plus([1, raised(x, 2)]), -1)
    if cls is sympy.sinh:
        return call(sympy.cosh, x)
    if cls is sympy.cosh:
        return call(sympy.sinh, x)
    if cls is sympy.tanh:
        return plus([1, minus(raised(f, 2))])
    if cls is sympy.exp:
        return f
    if cls is sympy.log:
        return raised(x, -1)
    if cls is sympy.Abs:
        return call(sign, x)
    if cls is sigmoid:
        return mult(f, plus([1, minus(f)]))
    if cls is softplus:
        return call(sigmoid, x)
    if cls is relu:
        return call(Heaviside, x)  # Heaviside(x, 0): to_sympy adds the 0
    raise Fallback


def ordered(target, j):
    """``Dplus(target, j)`` (Symbols) as a fast form, a leaf of Eq. 1's recursive form."""
    return ("D", target, j, frozenset((target.name, j.name)), hash(("D", target, j)))


def canonical(node):
    """``node`` as a value equal for the forms of one sympy expression and only for those
    (keys are hashes: ``hash(-1) == hash(-2)``)."""
    if node.__class__ is not tuple:
        return node
    tag = node[0]
    if tag == "s" or tag == "D":
        return node[1:3]
    if tag == "a" or tag == "m":
        return (tag, node[1], frozenset(canonical(a) for a in node[2]))
    if tag == "p":
        return (tag, canonical(node[1]), node[2])
    return (tag, node[1], canonical(node[2]))


def folding(definitions, memo=None):
    """``{key: (canonical form, name)}`` of ``[(form, name)]``; of two equal forms the later wins.

    ``memo`` (``{id(form): (form, canonical form)}``) keeps the canonical forms across
    calls: every equation folds the definitions before it, so a dense system would
    otherwise recompute each of them once per later equation.
    """
    memo = {} if memo is None else memo
    fold = {}
    for form, name in definitions:
        if form.__class__ is not tuple or form[-1] is None:
            raise Fallback  # a form from sympy, not from the reader
        seen = memo.get(id(form))
        if seen is None:
            seen = memo[id(form)] = (form, canonical(form))  # the form kept: its id stays its own
        known = fold.get(form[-1])
        if known is not None and known[0] != seen[1]:
            raise Fallback
        fold[form[-1]] = (seen[1], name)
    return fold


def replace(node, fold, memo):
    """``bounded_replace(node, fold)`` on a fast form: folded subtrees become variables and
    the nodes above them are rebuilt as sympy rebuilds them."""
    if node.__class__ is not tuple or not fold:
        return node
    if id(node) in memo:
        return memo[id(node)][1]
    known = fold.get(node[-1])
    if known is not None and known[0] == canonical(node):
        new = symbol(known[1])
    else:
        tag = node[0]
        if tag == "a":
            terms = [replace(t, fold, memo) for t in node[2]]
            new = node if all(a is b for a, b in zip(terms, node[2])) else plus([node[1], *terms])
        elif tag == "m":
            factors = [replace(f, fold, memo) for f in node[2]]
            new = node if all(a is b for a, b in zip(factors, node[2])) else mul(factors, node[1])
        elif tag == "p":
            b = replace(node[1], fold, memo)
            new = node if b is node[1] else power(b, node[2])
        elif tag == "f":
            x = replace(node[2], fold, memo)
            new = node if x is node[2] else call(node[1], x)
        else:
            new = node
    memo[id(node)] = (node, new)  # the node is kept alive with its id
    return new

