"""Block expressions: vectors and matrices with symbolic shapes, as sympy ``Basic`` trees.

A shape is a tuple of dimensions (sympy expressions such as ``n_h`` or ``n_x + n_h``):
``()`` is a scalar, ``(n,)`` a column vector, ``(m, n)`` a matrix (:mod:`.shapes`).
``+ - * /`` are elementwise (``*`` is the Hadamard product, written (.) or ⊙), and a
scalar broadcasts against any shape. Nodes are built unevaluated, as written;
:mod:`orderdiff.blocks.simplify` rewrites them. Every constructor checks shapes and raises
:class:`ShapeMismatch`, which the parser turns into an error at the operator.

This module holds the leaves and the functions over whole trees; the operations' nodes
(``Plus``, ``MatProd``, ...) are made from their records in :mod:`.ops` and are named
here too. ``Var(name, shape, time)`` is a variable: ``time`` is ``()`` for a static one (a
parameter, a sum over time) and ``(t - 1,)`` or ``(3,)`` for a time-indexed one.
``Adj(v)`` is Werbos's ordered derivative d+E/dv of the target with respect to ``v``.
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Basic, Integer, Number, S, Symbol, Tuple
from sympy.core.symbol import Str

from .ops import (Broadcast, Cat, Cols, CrossEntropy, Divide, Elementwise, First, Hadamard, Inner, Last, MatProd,
                  Neg, Outer, Pad, Plus, Power, Rows, Softmax, SquaredError, SumT, Total, Trans)
from .shapes import Block, ShapeMismatch, as_dim, dim_equal, same_shape, shape_of, show

T_INDEX = Symbol("t", integer=True)
T_LAST = Symbol("T", integer=True, positive=True)  # the last step: h[T], h[T-1] after the loop


class Var(Block):
    """A variable: ``Var('h', (n_h,), (t - 1,))`` is h[t-1]."""

    def __new__(cls, name, shape=(), time=()):
        return _var(cls, name.name if isinstance(name, Str) else str(name), tuple(shape), tuple(time))

    def _shape(self):
        return tuple(self.args[1])

    @property
    def name(self):
        return self.args[0].name

    @property
    def time(self):
        return tuple(self.args[2])

    def at(self, time):
        return Var(self.args[0], self.shape, (time,) if self.time else ())


@lru_cache(maxsize=1 << 18)
def _var(cls, name, shape, time):
    """One object for each variable at each time: equal leaves that are also the same object
    compare and hash at once, in the many trees an unrolled sweep builds of them."""
    return Block.__new__(cls, Str(name), Tuple(*shape), Tuple(*map(as_dim, time)))


class Adj(Block):
    """d+E/dv, the ordered derivative of the target with respect to the variable ``v``."""

    def _shape(self):
        return self.args[0].shape


class Zeros(Block):
    """A block of zeros of the given shape."""

    def __new__(cls, shape):
        return Block.__new__(cls, Tuple(*shape))

    def _shape(self):
        return tuple(self.args[0])


def flat_sum(run):
    """The sum of the terms of a run of '+'; a block repeated three times or more is one
    multiple, as a product's is one power, so that its adjoint is one share, not one for
    each time it is written."""
    return _collected(run, Plus, lambda x, k: Hadamard(Integer(k), x))


def flat_product(run):
    """The product of the factors of a run of '*'; a block repeated three times or more
    is one power (as the scalar reader writes x*x*x as x**3; a square stays x ⊙ x, as
    :mod:`~orderdiff.blocks.simplify` writes it), so that the adjoint of a long product
    of one block is one term, not a product of every other factor for each."""
    return _collected(run, Hadamard, lambda x, k: Power(x, Integer(k)))


def _collected(run, combine, repeated):
    """``combine`` of ``run``, each block written three times or more ``repeated(x, k)`` once,
    in the order of its first place."""
    if len(run) == 1:
        return run[0]
    counts = {}
    for x in run:
        counts[x] = counts.get(x, 0) + 1
    if all(k < 3 or not is_array(x) for x, k in counts.items()):
        return combine(*run)
    out = [repeated(x, k) if k >= 3 and is_array(x) else x
           for x, k in counts.items() for _ in range(1 if k >= 3 and is_array(x) else k)]
    return out[0] if len(out) == 1 else combine(*out)


def zero_like(x):
    """Zeros shaped like ``x`` (the number 0 for a scalar)."""
    shape = shape_of(x)
    return Zeros(shape) if shape else S.Zero


def is_zero(x):
    return isinstance(x, Zeros) or (isinstance(x, Number) and x == 0)


def is_array(x):
    return isinstance(x, Block)


def shift(expr, k):
    """``expr`` with every time index moved by ``k`` (``h[t-1]`` -> ``h[t]`` for k = 1)."""
    if k == 0:
        return expr
    return retimed(expr, lambda time: time + k)


def at_time(expr, when):
    """``expr`` with the generic index ``t`` replaced by the integer or expression ``when``."""
    return retimed(expr, lambda time: _time_at(time, when))


@lru_cache(maxsize=1 << 16)
def _time_at(time, when):
    return time.subs(T_INDEX, when)  # slow, and asked again for every variable of every step


def retimed(expr, move):
    """``expr`` with each time-indexed variable at time ``move(time)``, each distinct one moved once."""
    if isinstance(expr, Var):
        return expr.at(move(expr.time[0])) if expr.time else expr
    if not is_array(expr):
        return expr
    moved = {v: v.at(move(v.time[0])) for v in atoms(expr, Var) if v.time}
    return expr.xreplace(moved) if moved else expr


def lag(var):
    """How far back ``var`` looks: 1 for h[t-1], 0 for h[t]."""
    return int(-(var.time[0] - T_INDEX))


def early(slots):
    """The times of ``slots`` before step 1 (h[0], h[-1]), not those past the last (hb[T+1])."""
    return [s for s in slots if isinstance(s, int)]


def time_key(time):
    """A sort key of fixed times: h[-1] < h[0] < hb[T+1] < hb[T+2]."""
    return (1, int(time - T_LAST)) if isinstance(time, Basic) and time.has(T_LAST) else (0, int(time))


def show_time(time):
    """A time as written in an index: ``t-1``, ``T+1``, ``0``."""
    return str(time).replace(" ", "")


def last_steps(expr):
    """The k of each step T - k that ``expr`` reads (h[T-1]: 1), or whose :class:`Last` share it holds."""
    if not is_array(expr):
        return set()
    reads = {int(T_LAST - v.time[0]) for v in atoms(expr, Var) if v.time and v.time[0].has(T_LAST)}
    return reads | {int(e.args[1]) for e in atoms(expr, Last)}


def first_steps(expr):
    """The k of each early step k that ``expr`` reads after the loop (h[1]: 1), or whose
    :class:`First` share it holds."""
    if not is_array(expr):
        return set()
    reads = {int(v.time[0]) for v in atoms(expr, Var) if v.time and v.time[0].is_Integer and v.time[0] >= 1}
    return reads | {int(e.args[1]) for e in atoms(expr, First)}


def at_last(expr, j):
    """``expr`` at the step T - j: each share of a last step (:class:`Last`) kept where it is that
    step's, zeros where it is another's (j = -1: before every last step, all zeros), and every share
    of an early step (:class:`First`) zeros: the forms of the two ends never meet (``min_steps``)."""
    return at_one_end(expr, Last, j)


def at_first(expr, k):
    """``expr`` at the early step k: each share of an early step (:class:`First`) kept where it is
    that step's, zeros where it is another's, and every share of a last step zeros."""
    return at_one_end(expr, First, k)


def at_one_end(expr, kind, k):
    """``expr`` with the shares of ``kind`` (:class:`Last` or :class:`First`) at ``k`` kept, and every
    other share of a fixed step zeros."""
    ends = atoms(expr, Last, First)
    if not ends:
        return expr
    return expr.xreplace({e: e.args[0] if isinstance(e, kind) and e.args[1] == k else zero_like(e)
                          for e in ends})


def preorder(expr):
    """The block nodes of ``expr``, parents first (numbers and shapes are not visited)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if is_array(node) and not isinstance(node, (Var, Zeros)):
            stack.extend(node.args)


def count_ops(expr, leaves=()):
    """The operations in ``expr``: a sum or elementwise product of k terms is k - 1, any
    other operation (``@``, a function, a negation, a transpose, a slice) 1; variables,
    adjoints, numbers and the subtrees in ``leaves`` none.

    >>> x, y = Var("x", (2,)), Var("y", (2,))
    >>> count_ops(Plus(x, Hadamard(x, y), Elementwise(Str("tanh"), y)))
    4
    """
    if not is_array(expr) or isinstance(expr, (Var, Adj, Zeros)) or expr in leaves:
        return 0
    inner = [a for a in expr.args if is_array(a)]
    own = len(inner) - 1 if isinstance(expr, (Plus, Hadamard)) else 1
    return own + sum(count_ops(a, leaves) for a in inner)


class Memo(dict):
    """A cache of facts about (immutable) trees, which starts afresh past ``limit`` entries."""

    def __init__(self, limit=500_000):
        super().__init__()
        self.limit = limit

    def keep(self, key, value):
        if len(self) > self.limit:
            self.clear()
        self[key] = value
        return value


FACTS = Memo()  # node -> (size, adjoints, kinds of node): what folding asks of each new form
ATOMS = {}  # kinds -> Memo


def fold(expr, combine, memo):
    """``combine(node, [child results])`` bottom-up over the block nodes of ``expr``, each
    distinct subtree once (a loop, not recursion: a derivative may nest deeply)."""
    if expr in memo:  # most calls ask of a tree already seen
        return memo[expr]
    stack = [expr]
    while stack:
        node = stack[-1]
        if node in memo:
            stack.pop()
            continue
        kids = [a for a in node.args if is_array(a)] if not isinstance(node, (Var, Zeros)) else []
        todo = [a for a in kids if a not in memo]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        memo.keep(node, combine(node, [memo[a] for a in kids]))
    return memo[expr]


def atoms(expr, *kinds):
    """The distinct block nodes of ``expr`` of the ``kinds`` (a frozenset), as ``expr.atoms(*kinds)``,
    each distinct subtree looked at once (sympy's ``atoms`` and ``has`` walk the whole tree each time,
    shapes and indices included); a tree whose facts hold none of the kinds is not walked."""
    if not holds(expr, *kinds):
        return frozenset()
    memo = ATOMS.get(kinds)
    if memo is None:
        memo = ATOMS[kinds] = Memo()
    return fold(expr, lambda node, kids: frozenset((node,)).union(*kids) if isinstance(node, kinds)
                else frozenset().union(*kids), memo)


def facts(expr):
    """``(size, adjoints, kinds)`` of a block expression, found together in one walk of the
    subtrees not seen before (folding asks all three of every form it makes)."""
    return fold(expr, _facts, FACTS)


def _facts(node, kids):
    kind = type(node)
    if kind is Var or kind is Zeros:
        return 1, NONE, with_kind(NONE, kind)
    size = 1 + sum(k[0] for k in kids) + len(node.args) - len(kids)  # the numbers, names and shapes
    adjoints, kinds = NONE, NONE
    for _, a, k in kids:  # most subtrees hold what one child holds: no new set for them
        adjoints = a if not adjoints else adjoints if a <= adjoints else adjoints | a
        kinds = k if not kinds else kinds if k is kinds else kinds | k
    return size, frozenset((node,)) if kind is Adj else adjoints, with_kind(kinds, kind)


NONE = frozenset()


@lru_cache(maxsize=1 << 12)  # a few kinds of node, in a few combinations
def with_kind(kinds, kind):
    return kinds if kind in kinds else kinds | {kind}


def adjoints(expr):
    """The distinct :class:`Adj` nodes of ``expr`` (a frozenset), as ``expr.atoms(Adj)``."""
    return facts(expr)[1] if is_array(expr) else frozenset()


def holds(expr, *kinds):
    """Whether ``expr`` has a block node of one of the ``kinds``, as ``expr.has(*kinds)``."""
    return is_array(expr) and any(issubclass(k, kinds) for k in facts(expr)[2])


def size(expr):
    """The nodes of ``expr`` as printed, shared subtrees counted each time: its block nodes,
    and the numbers, names and shapes among their arguments."""
    return facts(expr)[0] if is_array(expr) else 1


def replace_adjoints(expr, mapping):
    """``expr.xreplace(mapping)`` for a mapping from :class:`Adj` nodes, entering only the
    subtrees that hold one of them."""
    if not is_array(expr) or not mapping or adjoints(expr).isdisjoint(mapping):
        return expr
    if expr in mapping:
        return mapping[expr]
    return expr.func(*(replace_adjoints(a, mapping) for a in expr.args))


def replaced(expr, mapping):
    """``expr.xreplace(mapping)`` (a subtree in ``mapping`` is replaced whole, before its parts
    are looked at), each distinct subtree once: a derivative's tree may be far larger than
    the graph of subtrees it shares, which is what this walks (a loop: it may nest deeply)."""
    if not mapping:
        return expr
    done, stack = {}, [expr]
    while stack:
        node = stack[-1]
        if node in done:
            stack.pop()
        elif node in mapping:
            done[node] = mapping[node]
        elif not is_array(node) or isinstance(node, (Var, Adj, Zeros)):
            done[node] = node
        else:
            todo = [a for a in node.args if is_array(a) and a not in done]
            if todo:
                stack.extend(todo)
                continue
            done[node] = rebuilt(node, [done[a] if is_array(a) else a for a in node.args])
    return done[expr]


def rebuilt(expr, args):
    """``expr`` with the arguments ``args``: ``expr`` itself where they are its own (a new node
    checks its shapes again)."""
    same = len(args) == len(expr.args) and all(a is b for a, b in zip(args, expr.args))
    return expr if same else expr.func(*args)


def variables(expr):
    """The distinct :class:`Var` leaves of ``expr``."""
    return set(atoms(expr, Var))


__all__ = ["Block", "Var", "Adj", "Zeros", "Plus", "Neg", "Hadamard", "Divide", "Power", "MatProd",
           "Trans", "Outer", "Cat", "Rows", "Cols", "Pad", "Elementwise", "Softmax", "CrossEntropy",
           "SquaredError", "Total", "Inner", "Broadcast", "SumT", "Last", "First", "ShapeMismatch", "T_INDEX", "T_LAST",
           "last_steps", "at_last", "first_steps", "at_first",
           "is_zero", "zero_like", "is_array", "shift", "at_time", "retimed", "lag", "show_time", "early",
           "time_key", "preorder", "variables",
           "count_ops",
           "atoms", "adjoints", "holds", "size", "replace_adjoints", "replaced", "rebuilt", "shape_of", "show",
           "dim_equal", "same_shape", "as_dim"]
