"""Random block files from a grammar of typed expressions, and their exercise.

:data:`block_files` draws files that read and derive: a recurrence ``h[t]`` over vectors
of ``n`` built from the declared leaves, the block operations and the elementwise
functions, from a filled or a learned initial state, or run backward (``h[t+1]``) from a
value past the last step, and a loss over it: a sum over the steps, and at times a term
read after the loop at ``h[T]``, ``h[T-1]``, ``h[1]`` or ``h[2]``. :func:`mutated` damages
such a file a token at a time, so the reader's error paths are reached from text that is
almost right. :func:`exercise`
reads, derives, prints and runs a file; the only failure it accepts is an
``OrderdiffError``, and when the program runs, its gradient of every parameter and
initial value must agree with central differences of its own loss (an oracle that
shares nothing with the derivation but the forward pass).
"""

from pathlib import Path

import numpy
from hypothesis import strategies as st

import orderdiff

DECLARATIONS = """\
dim n, m
input x[t]: n
input s: m
input yhat[t]: n distribution
param W: n, n
param U: n, m
param V: m, n
param b: n
"""
INITS = ["init h[0] = 0\n", "param h0: n\ninit h[0] = h0\n"]  # a fill, or a learned initial state
SIZES = {"n": 3, "m": 2}
STEPS, BATCH = 3, 2
LEAVES = ["x[t]", "h[t-1]", "b", "U @ s", "(W @ x[t])"]
FUNCTIONS = ["tanh", "sigmoid", "softplus", "sin", "cos", "softmax", "relu"]
NUMBERS = ["0.5", "2", "3", "n"]  # a dimension is a number too


def _vector(children):
    """A vector of n from vectors of n (``children``) and scalars made from them."""
    scalar = st.one_of(st.sampled_from(NUMBERS), children.map(lambda v: f"sum({v})"),
                       st.tuples(children, children).map(lambda ab: f"dot({ab[0]}, {ab[1]})"))
    return st.one_of(
        st.tuples(st.sampled_from(FUNCTIONS), children).map(lambda fv: f"{fv[0]}({fv[1]})"),
        st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda v: f"W @ {v}"),
        children.map(lambda v: f"transpose(V) @ (V @ {v})"),
        st.tuples(scalar, children).map(lambda sv: f"{sv[0]} * {sv[1]}"),
        children.map(lambda v: f"{v} / 2"),
        st.tuples(children, children).map(lambda ab: f"{ab[0]} / (2 + {ab[1]} * {ab[1]})"),  # by a block, never 0
        children.map(lambda v: f"concat({v}[0:1], {v}[1:n])"),
    )


vectors = st.recursive(st.sampled_from(LEAVES), _vector, max_leaves=8)
losses = st.one_of(
    vectors.map(lambda v: f"sum_t(sum({v} * {v}))"),
    vectors.map(lambda v: f"sum_t(cross_entropy(yhat[t], softmax({v})))"),
    vectors.map(lambda v: f"sum_t(squared_error({v}, x[t]))"),
)


BACKWARD = ["init h[T+1] = 0\n", "init h[T+1] = 0.5\n"]  # the value past the last step of a state run backward


@st.composite
def block_files(draw):
    """A block file that reads and derives: ``h[t]``, run forward (h[t-1]) or backward (h[t+1]),
    an optional ``g[t]`` on it, a loss."""
    backward = draw(st.booleans())
    h = draw(vectors)
    init = draw(st.sampled_from(BACKWARD if backward else INITS))
    lines = [f"h[t] = {h.replace('h[t-1]', 'h[t+1]') if backward else h}"]
    loss_of = "h[t]"
    if draw(st.booleans()):
        g = draw(vectors).replace('x[t]', 'h[t]')
        if backward and draw(st.booleans()):
            g = g.replace("h[t-1]", "h[t+1]")  # the next step of h, else its previous one
        elif backward and "h[t-1]" in g:
            init += "init h[0] = 0\n"
        lines.append(f"g[t] = {g}")
        loss_of = "g[t]"
    loss = draw(losses).replace("h[t-1]", loss_of)  # a step's term of the loss sees its own step
    if draw(st.booleans()):  # and a term read after the loop, at the last steps
        step = draw(st.sampled_from(["h[T]", "h[T-1]", "h[1]", "h[2]"]))
        last = draw(vectors).replace("h[t-1]", step).replace("x[t]", "x[T]")
        loss += f" + sum({last} * {last})"
    return DECLARATIONS + init + "\n".join(lines) + f"\nC = {loss}\n"


TOKENS = ["[", "]", "(", ")", "t", "t-1", "t+1", "T+1", "@", "*", "-", ":", ",", "=", "0", "n", "m",
          "h", "x[t]", "sum_t(", "softmax(", "concat(", "transpose(", "\n", " ", "#", "1e999",
          "99999999999999999999", "__import__('os')", "init h[-1] = 0\n", "param Z: n - n\n"]


EXAMPLES = [p.read_text(encoding="utf-8") for p in sorted(
    (Path(__file__).parent.parent / "examples").glob("*.eqs")) if "[t]" in p.read_text(encoding="utf-8")]


@st.composite
def mutated(draw, files=None):
    """A file of ``files`` (default :data:`block_files`) with a few tokens inserted, deleted or replaced."""
    text = draw(files if files is not None else block_files())
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = min(len(text), i + draw(st.integers(0, 3)))
        text = text[:i] + draw(st.sampled_from(TOKENS + [""])) + text[j:]
    return text


def random_arrays(system, rng):
    """Parameters and inputs for ``system`` at :data:`SIZES` (each initial value is the file's own)."""
    def shape(dims):
        return tuple(int(n.subs({s: SIZES.get(s.name, 3) for s in n.free_symbols})) for n in dims)

    params = {d.name: rng.normal(0.0, 0.5, shape(d.shape)) for d in system.params}
    inputs = {}
    for d in system.inputs:
        lead = (STEPS, BATCH) if d.timed else (BATCH,)
        if d.distribution:
            inputs[d.name] = rng.dirichlet(numpy.ones(shape(d.shape)[0]), lead)
        else:
            inputs[d.name] = rng.normal(0.0, 1.0, lead + shape(d.shape))
    return params, inputs


def gradient_errors(f, params, inputs, step=1e-6):
    """Largest ``|fd - g| / max(1, |g|)`` of each parameter, by central differences of ``f``'s loss."""
    _, grads = f(params=params, inputs=inputs)
    errors = {}
    for name, value in params.items():
        worst = 0.0
        for index in numpy.ndindex(value.shape):
            base = value[index]
            value[index] = base + step
            up = f(params=params, inputs=inputs)[0]
            value[index] = base - step
            down = f(params=params, inputs=inputs)[0]
            value[index] = base
            g = grads[name][index]
            worst = max(worst, abs((up - down) / (2 * step) - g) / max(1.0, abs(g)))
        errors[name] = worst
    return errors


def exercise(text, seed=0, run=True):
    """Read, derive, print and (``run``) evaluate ``text``; returns the gradient errors or None.

    Raises whatever is not an ``OrderdiffError``: a crash of orderdiff.
    """
    try:
        system = orderdiff.parse(text, file="fuzz.eqs")
        d = orderdiff.derive(system)
        d.to_text()
        d.to_latex()
        d.to_json()
    except orderdiff.OrderdiffError as e:
        assert e.format()
        return None
    if not run or system.algebra != "block":
        return None
    f = d.lambdify()
    params, inputs = random_arrays(system, numpy.random.default_rng(seed))
    with numpy.errstate(over="ignore", invalid="ignore"):
        loss, _ = f(params=params, inputs=inputs)
        if not numpy.isfinite(loss) or abs(loss) > 1e6:
            return None
        return gradient_errors(f, params, inputs)
