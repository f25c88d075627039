"""Rewrite block expressions to the forms people write, with rules kept as data.

Each rule takes a node whose children are already simplified and returns a simpler
node, or ``None`` when it does not apply; :func:`simplify` runs them bottom-up to a
fixed point. Besides removing zeros, ones and double negations, the rules cancel a
factor against a division by it (``y ⊙ (p ⊘ y) = p``), which turns the softmax and
cross-entropy adjoints into ``sum(p) y - p``, and take a slice of ``W^T g`` as the
block of ``W`` that acted on the slice (``W[:, a:b]^T g``). ``assume`` holds the names
of inputs declared ``distribution`` (entries summing to 1), for which ``sum(p) = 1``.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import sympy
from sympy import S

from . import expr as B


def is_number(x):
    return not B.is_array(x) and x.is_Number


def plus(node, ctx):
    terms = []
    for a in node.args:
        terms.extend(a.args if isinstance(a, B.Plus) else [a])
    numbers = [a for a in terms if not B.is_array(a)]
    rest = [a for a in terms if B.is_array(a) and not B.is_zero(a)]
    number = sympy.Add(*numbers)
    merged = merge_pads(rest)
    if merged is not None:
        rest = merged
    rest = factor_adjoints(collect(rest))
    if len(rest) > 1:  # a sort computes its keys, which walk the terms, even for one term
        rest.sort(key=lambda a: (isinstance(a, B.Neg), lookahead(a)))  # positive first, then by step
    out = ([number] if number != 0 else []) + rest
    if not out:
        return B.zero_like(node)
    if len(out) == 1 and B.shape_of(out[0]) == node.shape:
        return out[0]
    new = B.Plus(*out) if len(out) > 1 else None
    return new if new is not None and new != node else None


def factor_adjoints(terms):
    """``g ⊙ a + g ⊙ b`` -> ``g ⊙ (a + b)`` for an adjoint g that is a factor of two terms or
    more (the product rule's two halves, each times the adjoint of the product): written
    once, the adjoint is used once, and its user's form can be folded into it."""
    if len(terms) < 2:
        return terms
    parts, holding = [], {}
    for k, t in enumerate(terms):
        c, core = split_coefficient(t)
        parts.append((c, list(core.args) if isinstance(core, B.Hadamard) else [core]))
        for f in dict.fromkeys(parts[-1][1]):
            if isinstance(f, B.Adj):
                holding.setdefault(f, []).append(k)
    g = next((g for g, ks in holding.items() if len(ks) > 1), None)
    if g is None:
        return terms
    inner = []
    for k in holding[g]:
        c, factors = parts[k]
        factors.remove(g)
        rest = factors[0] if len(factors) == 1 else B.Hadamard(*factors) if factors else S.One
        inner.append(scaled(c, rest) if B.is_array(rest) else c * rest)
    first = holding[g][0]  # the sum keeps its order: the grouped term where the first of them was
    return [B.Hadamard(g, B.Plus(*inner)) if k == first else t for k, t in enumerate(terms)
            if k == first or k not in holding[g]]


def split_coefficient(term):
    """``(c, core)`` with ``term = c core`` for a number c (``-x`` is ``(-1, x)``)."""
    if isinstance(term, B.Neg):
        c, core = split_coefficient(term.args[0])
        return -c, core
    if isinstance(term, B.Hadamard) and not B.is_array(term.args[0]) and term.args[0].is_Number:
        rest = term.args[1:]
        return term.args[0], rest[0] if len(rest) == 1 else B.Hadamard(*rest)
    return S.One, term


def scaled(c, core):
    """``c core`` for a number c, written ``core`` or ``-core`` where c is 1 or -1."""
    return core if c == 1 else B.Neg(core) if c == -1 else B.Hadamard(c, core)


def collect(terms):
    """Like terms added up: ``a + a`` -> ``2 a``, ``a - a`` -> nothing, ``a ⊙ b + b ⊙ a`` -> ``2 a ⊙ b``
    (an elementwise product is the same in any order; the first spelling is kept)."""
    total, cores = {}, {}
    for t in terms:
        c, core = split_coefficient(t)
        key = commuted(core)
        if key not in total:
            cores[key] = core
            total[key] = S.Zero
        total[key] += c
    if len(cores) == len(terms):
        return terms
    out = []
    for key, core in cores.items():
        c = total[key]
        if c != 0:
            out.append(scaled(c, core))
    return out


def commuted(core):
    """``core`` with the factors of an elementwise product in a fixed order: equal products, one key."""
    if isinstance(core, B.Hadamard):
        return (B.Hadamard, frozenset(Counter(core.args).items()))
    return core


def lookahead(e):
    """How many steps ahead the adjoints of ``e`` look (1 for d+E/dh[t+1])."""
    return max((int(d) for d in steps_from_t(e)), default=0)


def lookbehind(e):
    """How many steps back the adjoints of ``e`` look (1 for d+E/dhb[t-1], a look-ahead's)."""
    return max([0, *(-int(d) for d in steps_from_t(e))])


def steps_from_t(e):
    """How far from t the adjoints of ``e`` are, for those at t + k: a fixed step (h[3]) is at no
    such distance, and is passed over before the slow sympy subtraction that would say so."""
    times = [a.args[0].time[0] for a in B.adjoints(e) if a.args[0].time]
    return [d for d in (distance(x) for x in times if not x.is_Integer) if d is not None]


@lru_cache(maxsize=1 << 16)  # the same few steps, asked of every sum's terms as it is sorted
def distance(time):
    """``time - t`` where that is a whole number of steps, else ``None``."""
    d = time - B.T_INDEX
    return d if d.is_Integer else None


def merge_pads(terms):
    """Pads that together cover all rows, as one concatenation; else ``None``."""
    pads = [a for a in terms if isinstance(a, B.Pad)]
    if len(pads) < 2 or len(pads) != len(terms):
        return None
    start, ordered, n = S.Zero, [], pads[0].args[2]
    remaining = list(pads)
    while remaining:
        nxt = next((p for p in remaining if B.dim_equal(p.args[1], start)), None)
        if nxt is None:
            return None
        ordered.append(nxt.args[0])
        start = sympy.expand(start + nxt.args[0].shape[0])
        remaining.remove(nxt)
    return [B.Cat(*ordered)] if B.dim_equal(start, n) else None


def neg(node, ctx):
    x = node.args[0]
    if isinstance(x, B.Neg):
        return x.args[0]
    if not B.is_array(x):
        return -x
    if B.is_zero(x):
        return x
    return None


def hadamard(node, ctx):
    # one pass over the factors, nested products flattened and signs taken out; it notes what
    # the rules below need, so that a long product none of them applies to is left in one pass
    sign, rest, numbers = 1, [], []
    zero = divide = broadcast = scalar = False
    for a in node.args:
        for f in a.args if isinstance(a, B.Hadamard) else (a,):
            if isinstance(f, B.Neg):
                sign, f = -sign, f.args[0]
            if not isinstance(f, B.Block):
                numbers.append(f)
                continue
            rest.append(f)
            zero = zero or isinstance(f, B.Zeros)
            divide = divide or isinstance(f, B.Divide)
            broadcast = broadcast or isinstance(f, B.Broadcast)
            scalar = scalar or not f.shape
    coeff = sign * sympy.Mul(*numbers) if numbers else S(sign)
    if coeff == 0 or zero:
        return B.zero_like(node)
    if divide:
        rest = cancel_divisions(rest)  # which may leave a number (y ⊙ (a ⊘ y) for a scalar a)
        scalar = any(not B.shape_of(f) for f in rest)
    if (broadcast or divide) and any(not B.is_array(f) or isinstance(f, B.Broadcast) for f in rest) and \
            any(B.shape_of(f) == node.shape for f in rest if not isinstance(f, B.Broadcast)):
        rest = [f.args[0] if isinstance(f, B.Broadcast) else f for f in rest]
        coeff *= sympy.Mul(*[f for f in rest if not B.is_array(f)])
        rest = [f for f in rest if B.is_array(f)]
        scalar = any(not B.shape_of(f) for f in rest)
    distributed = distribute(rest, ctx)
    if distributed is not None:
        return scaled(coeff, distributed)
    # scalars first, a scalar adjoint after its coefficients (a · ∂⁺C/∂y[t+1], as people write it)
    if scalar:  # a sort of blocks alone would keep their order
        rest.sort(key=lambda f: (bool(B.shape_of(f)), not B.shape_of(f) and B.holds(f, B.Adj)))
    if not rest:
        return coeff
    if coeff == 1 and len(rest) > 1 and tuple(rest) == node.args:
        return None  # flat, in order, nothing to cancel: as it was
    core = rest[0] if len(rest) == 1 else B.Hadamard(*rest)
    out = scaled(coeff, core)
    if B.shape_of(out) != node.shape and node.shape:
        return None
    return out if out != node else None


def cancel_divisions(factors):
    """``y ⊙ (a ⊘ y)`` -> ``a`` for each factor y that a division is by."""
    factors = list(factors)
    for k, f in enumerate(factors):
        if isinstance(f, B.Divide) and f.args[1] in factors[:k] + factors[k + 1:]:
            j = next(j for j, g in enumerate(factors) if g == f.args[1] and j != k)
            factors[k] = f.args[0]
            del factors[j]
            return cancel_divisions(factors)
    return [f for f in factors if not (not B.is_array(f) and f == 1)]


def divides_by(term, y):
    return divisor(term) == y


@lru_cache(maxsize=1 << 16)  # asked of every term of every sum in a product, each time it is simplified
def divisor(term):
    """``b`` for a term ``a ⊘ b``, ``-(a ⊘ b)`` or ``c · (a ⊘ b)`` with c a scalar; else ``None``."""
    term = term.args[0] if isinstance(term, B.Neg) else term
    if isinstance(term, B.Hadamard):
        scalars, rest = scalar_factors(term)
        term = rest[0] if scalars and len(rest) == 1 else term
    return term.args[1] if isinstance(term, B.Divide) else None


def scalar_factors(product):
    """``(scalar factors, the others)`` of a Hadamard product."""
    return ([f for f in product.args if not B.shape_of(f)], [f for f in product.args if B.shape_of(f)])


def scale_out(product, reduce):
    """``c · reduce(rest)`` for ``product = c · rest`` with c a scalar (dot(y, c · u) = c · dot(y, u));
    else ``None``."""
    if not isinstance(product, B.Hadamard):
        return None
    scalars, rest = scalar_factors(product)
    if not scalars or not rest:
        return None
    return B.Hadamard(*scalars, reduce(rest[0] if len(rest) == 1 else B.Hadamard(*rest)))


def distribute(factors, ctx):
    """``y ⊙ (u + a ⊘ y)`` -> ``y ⊙ u + a``: distribute where a division cancels."""
    wanted = [(k, f, ys) for k, f in enumerate(factors) if isinstance(f, B.Plus) and (ys := divisors(f))]
    if not wanted:
        return None
    count = Counter(factors)
    for k, f, ys in wanted:
        # another factor (not f itself) that a term divides by; counted, as factors repeat
        if any(count.get(y, 0) > (y == f) for y in ys):
            rest = factors[:k] + factors[k + 1:]
            return simplify(B.Plus(*[B.Hadamard(*rest, t) for t in f.args]), ctx.assume)
    return None


@lru_cache(maxsize=1 << 16)
def divisors(total):
    """What the terms of the sum ``total`` divide by (:func:`divisor`), in order."""
    return tuple(y for y in map(divisor, total.args) if y is not None)


def power(node, ctx):
    x, p = node.args
    if p == 1:
        return x
    if p == 0:
        return S.One
    if p == 2:
        return B.Hadamard(x, x)
    return None


def divide(node, ctx):
    a, b = node.args
    if B.is_zero(a):
        return B.zero_like(node)
    if not B.is_array(b) and b == 1:
        return a
    if not B.is_array(a) and not B.is_array(b):
        return a / b
    if not B.is_array(b) and b.is_Number:
        return B.Hadamard(1 / b, a)
    return None


def inner(node, ctx):
    a, b = node.args
    if B.is_zero(a) or B.is_zero(b):
        return S.Zero
    for x, y in ((a, b), (b, a)):
        if isinstance(y, B.Neg):
            return B.Neg(B.Inner(x, y.args[0]))
        if isinstance(y, B.Divide) and y.args[1] == x:
            return B.Total(y.args[0])
        if isinstance(y, B.Plus) and any(divides_by(t, x) for t in y.args):
            return B.Plus(*[B.Inner(x, t) for t in y.args])  # dot(y, u + p/y) = dot(y, u) + sum(p)
        scaled_out = scale_out(y, lambda rest: B.Inner(x, rest))
        if scaled_out is not None:
            return scaled_out
    return None


def total(node, ctx):
    x = node.args[0]
    if isinstance(x, B.Neg):
        return B.Neg(B.Total(x.args[0]))
    if B.is_zero(x):
        return S.Zero
    if isinstance(x, B.Var) and x.name in ctx.assume:
        return S.One
    return scale_out(x, B.Total)


def rows(node, ctx):
    x, a, b = node.args
    n = B.shape_of(x)[0]
    if B.dim_equal(a, 0) and B.dim_equal(b, n):
        return x
    if B.is_zero(x):
        return B.Zeros(node.shape)
    if isinstance(x, B.Neg):
        return B.Neg(B.Rows(x.args[0], a, b))
    if isinstance(x, B.Plus):
        return B.Plus(*[B.Rows(t, a, b) if B.shape_of(t) else t for t in x.args])
    if isinstance(x, B.MatProd) and isinstance(x.args[0], B.Trans):
        return B.MatProd(B.Trans(B.Cols(x.args[0].args[0], a, b)), x.args[1])
    if isinstance(x, (B.Cat, B.Pad)):
        return rows_of_parts(x, a, b, node)
    return None


def rows_of_parts(x, a, b, node):
    parts = [(x.args[1], x.args[0])] if isinstance(x, B.Pad) else []
    if isinstance(x, B.Cat):
        start = S.Zero
        for p in x.args:
            parts.append((start, p))
            start = sympy.expand(start + p.shape[0])
    for start, p in parts:
        stop = sympy.expand(start + p.shape[0])
        if B.dim_equal(start, a) and B.dim_equal(stop, b):
            return p
    if isinstance(x, B.Pad) and (B.dim_equal(b, parts[0][0]) or B.dim_equal(a, sympy.expand(
            parts[0][0] + parts[0][1].shape[0]))):
        return B.Zeros(node.shape)
    return None


def trans(node, ctx):
    x = node.args[0]
    if B.is_zero(x):
        return B.Zeros(node.shape)
    if isinstance(x, B.Outer):
        return B.Outer(x.args[1], x.args[0])
    return x.args[0] if isinstance(x, B.Trans) else None


def zero_if_any_zero(node, ctx):
    return B.zero_like(node) if any(B.is_zero(a) for a in node.args if B.is_array(a) or is_number(a)) else None


def sum_t(node, ctx):
    x = node.args[0]
    return B.zero_like(node) if B.is_zero(x) else None


def pad(node, ctx):
    """A pad of zeros is zeros (a slice's share past T); a pad of every row is the block itself."""
    g, a, n = node.args
    if B.is_zero(g):
        return B.Zeros(node.shape)
    return g if a == 0 and B.dim_equal(B.shape_of(g)[0], n) else None


def cat(node, ctx):
    """A concatenation of zeros is zeros (the rows of a difference that cancelled)."""
    return B.Zeros(node.shape) if all(B.is_zero(a) for a in node.args) else None


def broadcast(node, ctx):
    c = node.args[0]
    return B.Zeros(node.shape) if B.is_zero(c) else None


RULES = {
    B.Plus: plus,
    B.Neg: neg,
    B.Hadamard: hadamard,
    B.Power: power,
    B.Divide: divide,
    B.Inner: inner,
    B.Total: total,
    B.Rows: rows,
    B.Pad: pad,
    B.Trans: trans,
    B.MatProd: zero_if_any_zero,
    B.Outer: zero_if_any_zero,
    B.SumT: sum_t,
    B.Broadcast: broadcast,
    B.Cat: cat,
}


class Context:
    def __init__(self, assume):
        self.assume = frozenset(assume)
        self.memo = {}


CONTEXTS = {}  # {assume: Context}: a form simplified once is not simplified again
MEMO_LIMIT = 500_000  # entries a context keeps before it starts afresh


def context(assume):
    """The shared :class:`Context` of ``assume``: the simplifier is a function of the
    expression and the assumptions alone, so what it found stays true."""
    ctx = CONTEXTS.get(assume := frozenset(assume))
    if ctx is None or len(ctx.memo) > MEMO_LIMIT:
        ctx = CONTEXTS[assume] = Context(assume)
    return ctx


def simplify(e, assume=()):
    """``e`` rewritten by the rules until none applies.

    Examples
    --------
    >>> from sympy import Symbol
    >>> from orderdiff.blocks import expr as B
    >>> n = Symbol("n")
    >>> y, p = B.Var("y", (n,)), B.Var("p", (n,))
    >>> simplify(B.Hadamard(y, B.Neg(B.Divide(p, y))))
    Neg(Var(p, (n,), ()))
    """
    return run(e, context(assume))


def run(e, ctx):
    if not B.is_array(e) or isinstance(e, (B.Var, B.Zeros)):
        return e
    if e in ctx.memo:
        return ctx.memo[e]
    current = e
    for _ in range(50):
        args = [run(a, ctx) for a in current.args]
        if args != list(current.args):
            current = current.func(*args)
        rule = RULES.get(type(current))
        new = rule(current, ctx) if rule else None
        if new is None or new == current:
            ctx.memo[current] = current  # no rule applies to it, nor to its simplified arguments
            break
        current = new
        if not B.is_array(current) or isinstance(current, (B.Var, B.Zeros)):
            break
    ctx.memo[e] = current
    return current
