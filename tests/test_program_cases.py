"""Block files of every form the format allows: the generated program runs and its gradients hold.

Each case is a small file that exercises one form -- an input given once per sequence,
a dimension known only through a sum, an initial value that nothing reads back, lags of
two and three steps, a transpose outside the loop, a full slice, a reduction of a
parameter with a batched block, a batched scalar times a matrix -- with its forward
pass written out by hand in ``autograd.numpy``. HIPS autograd differentiates that
forward pass; the gradients of ``lambdify`` on every installed backend and of the
module that ``--emit-python`` writes must match it. A file the program cannot serve is
refused by ``orderdiff check`` with a located message and exit status 1. Generated
names never meet a user's: renaming every user name to each identifier the program
writes changes no number.
"""

from __future__ import annotations

import ast
import importlib.util
import re

import numpy
import pytest
from click.testing import CliRunner

import orderdiff
from orderdiff.cli import main

autograd = pytest.importorskip("autograd")
anp = autograd.numpy

T, BATCH = 4, 2
BACKENDS = [b for b in ("numpy", "torch", "jax") if b == "numpy" or importlib.util.find_spec(b)]


def point(shapes, seed, batch=BATCH):
    """Seeded arrays: ``shapes`` maps a name to ``(kind, shape)``, kind 'param', 'input[t]',
    'input' (once per sequence) or 'init' (before step 1)."""
    rng = numpy.random.default_rng(seed)
    lead = {"param": (), "input[t]": (T, batch), "input": (batch,), "init": (batch,)}
    arrays = {"param": {}, "input[t]": {}, "input": {}, "init": {}}
    for name, (kind, shape) in shapes.items():
        arrays[kind][name] = rng.normal(0.0, 0.5, lead[kind] + shape)
    return arrays["param"], {**arrays["input[t]"], **arrays["input"]}, arrays["init"]


def run_everywhere(text, forward, shapes, seed=0, batch=BATCH):
    """The loss and gradients of ``text`` by every backend and by its module, against autograd
    on ``forward(params, inputs, init)`` (the loss summed over the batch)."""
    params, inputs, init = point(shapes, seed, batch)
    leaves = {"params": params, "init": init}
    objective = lambda lv: forward(lv["params"], inputs, lv["init"])  # noqa: E731
    want_loss = float(objective(leaves))
    want = autograd.grad(objective)(leaves)
    want = {**want["params"], **want["init"]}
    d = orderdiff.derive(orderdiff.parse(text))
    runs = {b: d.lambdify(backend=b) for b in BACKENDS}
    namespace = {"__name__": "bptt"}
    exec(compile(d.python_module(), "bptt.py", "exec"), namespace)
    runs["module"] = namespace["loss_and_gradients"]
    for how, f in runs.items():
        for _ in range(2):  # the first call runs the checked program, the second the plain one
            loss, grads = f(params, inputs, init)
            numpy.testing.assert_allclose(float(loss), want_loss, rtol=1e-10, err_msg=how)
            assert set(grads) == set(want), how
            for k, g in want.items():
                numpy.testing.assert_allclose(numpy.asarray(grads[k]), g, rtol=1e-9, atol=1e-12,
                                              err_msg=f"{how}: {k}")
    return d


def scan(step, xs, init):
    """The values of a recurrence ``h[t] = step(t, h[t-1], ...)`` at t = 1..T."""
    out, past = [], list(init)
    for t in range(len(xs)):
        h = step(t, past)
        out.append(h)
        past = [h] + past[:-1]
    return out


def mv(A, x):
    """A @ x for a batch of vectors x, (B, n)."""
    return anp.dot(x, A.T)


# ----- inputs given once per sequence --------------------------------------------------------

ONCE = """dim n, k
input s: k
input x[t]: n
param W: n, k
param V: n, n
init g[0] = 0
h = W @ s
g[t] = tanh(V @ g[t-1] + x[t] + h)
C = sum_t(sum(g[t] * g[t]))
"""


def once_forward(p, i, init, in_loop=False, in_loss=False):
    h = mv(p["W"], i["s"])
    gs = scan(lambda t, past: anp.tanh(mv(p["V"], past[0]) + i["x"][t] + (mv(p["W"], i["s"]) if in_loop else h)),
              i["x"], [init["g[0]"]])
    loss = sum(anp.sum(g * g) for g in gs)
    return loss + (anp.sum(h) if in_loss else 0.0)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("form", ["static", "in_loop", "in_loss"])
def test_an_input_given_once_per_sequence(form, batch):
    text = ONCE
    if form == "in_loop":
        text = text.replace("h = W @ s\n", "").replace("+ h)", "+ W @ s)")
    if form == "in_loss":
        text = text.replace("C = sum_t(sum(g[t] * g[t]))", "C = sum_t(sum(g[t] * g[t])) + sum(h)")
    shapes = {"W": ("param", (3, 2)), "V": ("param", (3, 3)), "s": ("input", (2,)), "x": ("input[t]", (3,)),
              "g[0]": ("init", (3,))}
    run_everywhere(text, lambda p, i, init: once_forward(p, i, init, form == "in_loop", form == "in_loss"),
                   shapes, batch=batch)


def test_a_matrix_scaled_by_a_reduction_of_a_once_per_sequence_input():
    text = """dim n
input s: n
input x[t]: n
param W: n, n
init g[0] = 0
A = W * dot(s, s)
g[t] = tanh(A @ g[t-1] + x[t] * s)
C = sum_t(dot(g[t], s))
"""

    def forward(p, i, init):
        scale = anp.sum(i["s"] * i["s"], axis=-1)[:, None, None]
        A = p["W"] * scale  # (B, n, n)
        gs = scan(lambda t, past: anp.tanh(anp.einsum("bij,bj->bi", A, past[0]) + i["x"][t] * i["s"]),
                  i["x"], [init["g[0]"]])
        return sum(anp.sum(g * i["s"]) for g in gs)

    run_everywhere(text, forward, {"W": ("param", (3, 3)), "s": ("input", (3,)), "x": ("input[t]", (3,)),
                                   "g[0]": ("init", (3,))})


# ----- dimensions --------------------------------------------------------------------------

def test_a_dimension_known_only_through_a_sum_or_a_multiple():
    text = """dim n, m
input x[t]: 2*m + 1
param W: n, 2*m + 1
param b: n
init h[0] = 0
h[t] = tanh(W @ x[t] + h[t-1] + b)
C = sum_t(sum(h[t][0:n - 1] * h[t][1:n]))
"""

    def forward(p, i, init):
        hs = scan(lambda t, past: anp.tanh(mv(p["W"], i["x"][t]) + past[0] + p["b"]), i["x"], [init["h[0]"]])
        return sum(anp.sum(h[:, :-1] * h[:, 1:]) for h in hs)

    run_everywhere(text, forward, {"W": ("param", (4, 5)), "b": ("param", (4,)), "x": ("input[t]", (5,)),
                                   "h[0]": ("init", (4,))})


def test_a_dimension_no_array_gives_is_refused_where_it_is_used(tmp_path):
    eqs = tmp_path / "slice.eqs"
    eqs.write_text("dim n, m\ninput x[t]: n\nparam W: n, n\ninit h[0] = 0\n"
                   "h[t] = tanh(W @ x[t] + h[t-1])\nC = sum_t(sum(h[t][0:m]))\n")
    result = CliRunner().invoke(main, ["check", str(eqs)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{eqs}:6:22: no parameter or input has a shape that gives the size of the dimension 'm'" in result.output
    assert result.output.rstrip().endswith("C = sum_t(sum(h[t][0:m]))\n" + " " * 25 + "^")
    d = orderdiff.derive(orderdiff.load(str(eqs)))  # the derivation itself stands
    with pytest.raises(orderdiff.errors.DefinitionError, match="dimension 'm'"):
        d.lambdify()


# ----- initial values and lags -------------------------------------------------------------

def test_an_initial_value_never_read_back_has_a_zero_gradient():
    text = """dim n
input x[t]: n
param W: n, n
init h[0] = 0
init h[-1] = 0
init g[0] = 0
g[t] = tanh(W @ x[t])
h[t] = tanh(W @ h[t-1] + g[t])
C = sum_t(sum(h[t] * h[t]))
"""

    def forward(p, i, init):
        hs = scan(lambda t, past: anp.tanh(mv(p["W"], past[0]) + anp.tanh(mv(p["W"], i["x"][t]))),
                  i["x"], [init["h[0]"]])
        return sum(anp.sum(h * h) for h in hs) + 0.0 * (anp.sum(init["g[0]"]) + anp.sum(init["h[-1]"]))

    shapes = {"W": ("param", (3, 3)), "x": ("input[t]", (3,)), "h[0]": ("init", (3,)), "h[-1]": ("init", (3,)),
              "g[0]": ("init", (3,))}
    run_everywhere(text, forward, shapes)


@pytest.mark.parametrize("vector", [False, True], ids=["scalar", "vector"])
def test_an_initial_value_whose_derivative_cancels_has_zeros_of_its_shape(vector):
    """h[t-1] - h[t-1] reads h[0], but d+C/dh[0] simplifies to 0: the program returns zeros of
    h[0]'s shape, (B, n) or (B,), not the number 0."""
    drive = "tanh(W @ x[t])" if vector else "sum(tanh(W @ x[t]))"
    text = f"""dim n
input x[t]: n
param W: n, n
init h[0] = 0
h[t] = (h[t-1] - h[t-1]) / 2 + {drive}
C = sum_t({"sum(h[t] * h[t])" if vector else "h[t] * h[t]"})
"""

    def forward(p, i, init):
        def step(t, past):
            z = anp.tanh(mv(p["W"], i["x"][t]))
            return (past[0] - past[0]) / 2 + (z if vector else anp.sum(z, axis=-1))
        return sum(anp.sum(h * h) for h in scan(step, i["x"], [init["h[0]"]]))

    shapes = {"W": ("param", (3, 3)), "x": ("input[t]", (3,)), "h[0]": ("init", (3,) if vector else ())}
    d = run_everywhere(text, forward, shapes)
    params, inputs, init = point(shapes, 0)
    for backend in BACKENDS:
        _, grads = d.lambdify(backend=backend)(params, inputs, init)
        assert numpy.shape(grads["h[0]"]) == ((BATCH, 3) if vector else (BATCH,)), backend
        assert not numpy.any(numpy.asarray(grads["h[0]"]))
    result = CliRunner().invoke(main, ["check", "-"], input=text)
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output


LAGS = {
    "two": ("h[t] = h[t-2] + b + x[t]", lambda p, x, past: past[1] + p["b"] + x),
    "three": ("h[t] = tanh(W @ h[t-3] + x[t])", lambda p, x, past: anp.tanh(mv(p["W"], past[2]) + x)),
    "one and three": ("h[t] = tanh(W @ h[t-1] + b * h[t-3] + x[t])",
                      lambda p, x, past: anp.tanh(mv(p["W"], past[0]) + p["b"] * past[2] + x)),
}


@pytest.mark.parametrize("lag", LAGS)
def test_lags_of_several_steps(lag):
    equation, step = LAGS[lag]
    k = 2 if lag == "two" else 3
    inits = "".join(f"init h[{-j}] = 0\n" for j in range(k))
    text = f"dim n\ninput x[t]: n\nparam W: n, n\nparam b: n\n{inits}{equation}\nC = sum_t(sum(h[t] * h[t]))\n"

    def forward(p, i, init):
        hs = scan(lambda t, past: step(p, i["x"][t], past), i["x"], [init[f"h[{-j}]"] for j in range(k)])
        return sum(anp.sum(h * h) for h in hs) + 0.0 * anp.sum(p["W"])

    shapes = {"W": ("param", (3, 3)), "b": ("param", (3,)), "x": ("input[t]", (3,)),
              **{f"h[{-j}]": ("init", (3,)) for j in range(k)}}
    run_everywhere(text, forward, shapes)


# ----- transposes and slices ---------------------------------------------------------------

@pytest.mark.parametrize("form", ["matrix", "vector", "in loss"])
def test_a_transpose_in_an_equation_without_t(form):
    static = {"matrix": "U = transpose(V)", "vector": "U = transpose(V) @ b", "in loss": "U = transpose(V) @ V"}[form]
    use = "U @ h[t-1]" if form == "matrix" else "V @ h[t-1] + U" if form == "vector" else "V @ h[t-1]"
    loss = " + sum(U * V)" if form == "in loss" else ""
    text = (f"dim n\ninput x[t]: n\nparam V: n, n\nparam b: n\ninit h[0] = 0\n{static}\n"
            f"h[t] = tanh({use} + x[t])\nC = sum_t(sum(h[t] * h[t])){loss}\n")

    def forward(p, i, init):
        V = p["V"]
        U = {"matrix": V.T, "vector": anp.dot(V.T, p["b"]), "in loss": anp.dot(V.T, V)}[form]
        rec = {"matrix": lambda h: mv(U, h), "vector": lambda h: mv(V, h) + U, "in loss": lambda h: mv(V, h)}[form]
        hs = scan(lambda t, past: anp.tanh(rec(past[0]) + i["x"][t]), i["x"], [init["h[0]"]])
        extra = BATCH * anp.sum(U * V) if form == "in loss" else 0.0  # a term no data touches, once per sequence
        return sum(anp.sum(h * h) for h in hs) + extra + 0.0 * anp.sum(p["b"])

    run_everywhere(text, forward, {"V": ("param", (3, 3)), "b": ("param", (3,)), "x": ("input[t]", (3,)),
                                   "h[0]": ("init", (3,))})


@pytest.mark.parametrize("rows", [":", "1:3"])
def test_a_slice_of_a_lagged_value(rows):
    width = 2 if rows == "1:3" else 4
    text = (f"dim n\ninput x[t]: 4\nparam W: 4, {width}\ninit h[0] = 0\n"
            f"h[t] = tanh(W @ h[t-1][{rows}] + x[t])\nC = sum_t(sum(h[t] * h[t]))\n")
    cut = slice(1, 3) if rows == "1:3" else slice(None)

    def forward(p, i, init):
        hs = scan(lambda t, past: anp.tanh(mv(p["W"], past[0][:, cut]) + i["x"][t]), i["x"], [init["h[0]"]])
        return sum(anp.sum(h * h) for h in hs)

    run_everywhere(text, forward, {"W": ("param", (4, width)), "x": ("input[t]", (4,)), "h[0]": ("init", (4,))})


# ----- reductions and scalars times blocks --------------------------------------------------

def test_a_reduction_of_a_parameter_and_a_batched_block():
    text = """dim n
input x[t]: n
param W: n, n
param b: n
init h[0] = 0
g[t] = dot(b, W @ x[t])
h[t] = tanh(W @ h[t-1] + x[t] * g[t])
C = sum_t(sum(h[t] * h[t])) + sum_t(squared_error(b, h[t]))
"""

    def forward(p, i, init):
        def step(t, past):
            g = anp.sum(p["b"] * mv(p["W"], i["x"][t]), axis=-1, keepdims=True)
            return anp.tanh(mv(p["W"], past[0]) + i["x"][t] * g)

        hs = scan(step, i["x"], [init["h[0]"]])
        return sum(anp.sum(h * h) + 0.5 * anp.sum((h - p["b"]) ** 2) for h in hs)

    run_everywhere(text, forward, {"W": ("param", (3, 3)), "b": ("param", (3,)), "x": ("input[t]", (3,)),
                                   "h[0]": ("init", (3,))})


def test_batched_scalars_times_and_over_matrices_and_vectors():
    text = """dim n
input x[t]: n
input a[t]
param W: n, n
init h[0] = 0
h[t] = tanh(sum(x[t]) * W @ h[t-1] + (W / sum(h[t-1] * h[t-1] + 1)) @ x[t] + dot(x[t], x[t]) * x[t] + sum(a[t]) / 3)
C = sum_t(sum(h[t] * h[t]))
"""

    def forward(p, i, init):
        W = p["W"]

        def step(t, past):
            x, h = i["x"][t], past[0]
            s = anp.sum(x, axis=-1)[:, None, None]
            q = (anp.sum(h * h + 1, axis=-1))[:, None, None]
            return anp.tanh(anp.einsum("bij,bj->bi", s * W, h) + anp.einsum("bij,bj->bi", W / q, x)
                            + anp.sum(x * x, axis=-1, keepdims=True) * x + i["a"][t][:, None] / 3)

        hs = scan(step, i["x"], [init["h[0]"]])
        return sum(anp.sum(h * h) for h in hs)

    params, inputs, init = point({"W": ("param", (3, 3)), "x": ("input[t]", (3,)), "h[0]": ("init", (3,))}, 1)
    inputs["a"] = numpy.random.default_rng(2).normal(size=(T, BATCH))
    leaves = {"params": params, "init": init}
    objective = lambda lv: forward(lv["params"], inputs, lv["init"])  # noqa: E731
    want = autograd.grad(objective)(leaves)
    d = orderdiff.derive(orderdiff.parse(text))
    for backend in BACKENDS:
        loss, grads = d.lambdify(backend=backend)(params, inputs, init)
        numpy.testing.assert_allclose(float(loss), float(objective(leaves)), rtol=1e-10)
        numpy.testing.assert_allclose(numpy.asarray(grads["W"]), want["params"]["W"], rtol=1e-9, atol=1e-12)
        numpy.testing.assert_allclose(numpy.asarray(grads["h[0]"]), want["init"]["h[0]"], rtol=1e-9, atol=1e-12)


# ----- generated names ---------------------------------------------------------------------

NAMED = """dim n, k
input x[t]: n
input s: k
param W: n, n
param U: n, k
param a
init h[0] = 0
init h[-1] = 0
u = U @ s
g[t] = W @ h[t-1]
h[t] = tanh(g[t] + a * h[t-2] + x[t] + u)
C = sum_t(sum(h[t] * h[t])) + a * a
"""
USER_NAMES = ("n", "k", "x", "s", "W", "U", "a", "h", "u", "g", "C")


def named_forward(p, i, init):
    u = mv(p["U"], i["s"])
    hs = scan(lambda t, past: anp.tanh(mv(p["W"], past[0]) + p["a"] * past[1] + i["x"][t] + u),
              i["x"], [init["h[0]"], init["h[-1]"]])
    return sum(anp.sum(h * h) for h in hs) + BATCH * p["a"] * p["a"]


NAMED_SHAPES = {"W": ("param", (3, 3)), "U": ("param", (3, 2)), "a": ("param", ()), "x": ("input[t]", (3,)),
                "s": ("input", (2,)), "h[0]": ("init", (3,)), "h[-1]": ("init", (3,))}


def generated_identifiers(d):
    """Every identifier the program and the module of ``d`` write, on every backend."""
    texts = [d.python_module(), *(d.numpy_source(readable=r, backend=b, checks="terms")  # torch's is numpy's
                                  for r in (True, False) for b in ("numpy", "jax"))]
    out = set()
    for node in (n for text in texts for n in ast.walk(ast.parse(text))):
        out |= {getattr(node, "id", None), getattr(node, "arg", None),
                node.name if isinstance(node, ast.FunctionDef) else None}
    return sorted(out - {None})


# every identifier the program of NAMED and its module write (on each backend, readable and
# not), the patterns of generated names beyond them (a shared subexpression, a hoisted block),
# and the builtins the module calls
GENERATED = (
    "B", "T", "t", "_", "carry", "numpy", "lax", "softmax_", "cat", "mm", "pad", "fits", "LABELS",
    "ProgramShapeError", "ValueError", "gradients", "loss", "loss_and_gradients", "PARAMS", "INPUTS", "INITS",
    "args", "out", "init_grads", "grads", "params", "inputs", "init_", "rng", "name", "e", "z", "lead", "parts",
    "rank", "rows", "shape", "start", "axis", "p", "v", "h_init", "h_init1", "d_h", "d_h_init", "d_h_init1",
    "d_C", "d_U", "d_W", "d_a", "d_u", "d_g_", "g_", "v0", "v1", "v2", "v3", "v4", "v9", "v10", "v9_init",
    "v9_init1", "d_v0", "d_v9", "d_v9_init", "d_v9_init1", "pre0", "pre1", "pre2", "sum0", "sum1", "step0", "step1", "tmp0",
    "w0", "dict", "float", "list", "print", "range", "reversed", "tuple", "zip", "__name__",
)


def renamed(text, old, new):
    """``text`` with the user name ``old`` written ``new`` (the words of the format kept)."""
    return re.sub(r"[A-Za-z_]\w*", lambda m: new if m.group() == old and not m.group().startswith("sum")
                  and m.group() not in ("t", "tanh") else m.group(), text)


def test_the_program_of_the_naming_case_holds():
    run_everywhere(NAMED, named_forward, NAMED_SHAPES)


def test_the_names_tried_cover_every_identifier_the_program_writes():
    d = orderdiff.derive(orderdiff.parse(NAMED))
    written = set(generated_identifiers(d)) - set(USER_NAMES) - {"init", "softmax", "axes", "keepdims", "reverse"}
    pattern = lambda names: {re.sub(r"\d+", "0", n) for n in names}  # noqa: E731  (v7 is tried as v0, v9, v10)
    assert pattern(written) <= pattern(GENERATED), sorted(pattern(written) - pattern(GENERATED))


GROUPS = [GENERATED[k:k + len(USER_NAMES)] for k in range(0, len(GENERATED), len(USER_NAMES))]


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g[0])
def test_user_names_equal_to_generated_ones_change_no_number(group):
    """Every user name at once renamed to generated identifiers gives the numbers of the plain
    names (those are autograd's: the test above), through lambdify and the module."""
    params, inputs, init = point(NAMED_SHAPES, 0)
    want_loss, want = orderdiff.derive(orderdiff.parse(NAMED)).lambdify()(params, inputs, init)
    text, rename = NAMED, {}
    for user, new in zip(USER_NAMES, group):
        text, rename[user] = renamed(text, user, new), new
    d = orderdiff.derive(orderdiff.parse(text))

    def key(k):
        name, _, rest = k.partition("[")
        return rename.get(name, name) + (f"[{rest}" if rest else "")

    args = [{key(k): v for k, v in g.items()} for g in (params, inputs, init)]
    namespace = {"__name__": "bptt"}
    exec(compile(d.python_module(), "bptt.py", "exec"), namespace)
    for f in (d.lambdify(), namespace["loss_and_gradients"]):
        loss, grads = f(*args)
        assert abs(loss - want_loss) <= 1e-12 * abs(want_loss)
        assert set(grads) == {key(k) for k in want}
        for k, g in want.items():
            numpy.testing.assert_allclose(grads[key(k)], g, rtol=1e-12, atol=1e-14, err_msg=f"{k} as {key(k)}")
    for backend in ("torch", "jax"):  # each source passes the check of what it may do, and compiles
        compile(d.numpy_source(readable=True, backend=backend, checks="arrays"), "bptt.py", "exec")


# ----- equations of numbers alone ---------------------------------------------------------

def test_equations_and_calls_of_numbers_alone():
    text = """dim n
input x[t]: n
param W: n, n
init h[0] = 0
a = relu(1) * 2 + sigmoid(0.5) ** 2
k = 3
h[t] = tanh(W @ h[t-1] + x[t] * relu(-1 + 3) + softplus(1))
C = sum_t(sum(h[t] * h[t])) * a + k
"""

    def forward(p, i, init):
        a = 2.0 + (1 / (1 + numpy.exp(-0.5))) ** 2
        hs = scan(lambda t, past: anp.tanh(mv(p["W"], past[0]) + i["x"][t] * 2.0 + numpy.log1p(numpy.e)),
                  i["x"], [init["h[0]"]])
        return sum(anp.sum(h * h) for h in hs) * a + BATCH * 3.0

    run_everywhere(text, forward, {"W": ("param", (3, 3)), "x": ("input[t]", (3,)), "h[0]": ("init", (3,))})


def test_a_reduction_of_a_parameter_with_a_once_per_sequence_matrix():
    text = """dim n, k
input M: n, k
input x[t]: k
param V: n, n
param u: n
init g[0] = 0
g[t] = tanh(V @ g[t-1] + M @ x[t])
C = sum_t(sum(g[t] * g[t])) + sum_t(dot(u, M @ x[t]))
"""

    def forward(p, i, init):
        Mx = lambda t: anp.einsum("bij,bj->bi", i["M"], i["x"][t])  # noqa: E731
        gs = scan(lambda t, past: anp.tanh(mv(p["V"], past[0]) + Mx(t)), i["x"], [init["g[0]"]])
        return sum(anp.sum(g * g) for g in gs) + sum(anp.sum(p["u"] * Mx(t)) for t in range(T))

    run_everywhere(text, forward, {"V": ("param", (3, 3)), "u": ("param", (3,)), "M": ("input", (3, 2)),
                                   "x": ("input[t]", (2,)), "g[0]": ("init", (3,))})


# ----- an input read steps back ------------------------------------------------------------

LAGGED_INPUT = """dim n
input x[t]: n
param W: n, n
init h[0] = 0
init x[0] = 0
h[t] = tanh(W @ h[t-1] + x[t-1])
C = sum_t(sum(h[t] * h[t]))
"""


def test_an_input_read_steps_back_is_refused_where_it_is_read(tmp_path):
    eqs = tmp_path / "delay.eqs"
    eqs.write_text(LAGGED_INPUT)
    result = CliRunner().invoke(main, ["check", str(eqs)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{eqs}:6:26: x[t-1] reads the input x before step 1" in result.output
    assert "'xp[t] = x[t]' with 'init xp[0] = 0', then xp[t-1]" in result.output
    assert result.output.rstrip().endswith(" " * 29 + "^")


def test_an_input_read_past_the_last_step_is_refused_where_it_is_read(tmp_path):
    eqs = tmp_path / "ahead.eqs"
    eqs.write_text(LAGGED_INPUT.replace("init h[0] = 0\ninit x[0] = 0", "init h[T+1] = 0\ninit x[T+1] = 0")
                   .replace("h[t-1] + x[t-1]", "h[t+1] + x[t+1]"))
    result = CliRunner().invoke(main, ["check", str(eqs)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{eqs}:6:26: x[t+1] reads the input x past the last step, which the generated program does not take; " \
           "copy it into a variable and read that: 'xn[t] = x[t]' with 'init xn[T+1] = 0', then xn[t+1]" \
           in result.output


def test_an_input_copied_into_a_variable_is_read_back_with_its_initial_value():
    text = LAGGED_INPUT.replace("init x[0] = 0\n", "init xp[0] = 0\nxp[t] = x[t]\n").replace("x[t-1]", "xp[t-1]")

    def forward(p, i, init):
        xs = [init["xp[0]"], *(i["x"][t] for t in range(T - 1))]
        hs = scan(lambda t, past: anp.tanh(mv(p["W"], past[0]) + xs[t]), i["x"], [init["h[0]"]])
        return sum(anp.sum(h * h) for h in hs)

    run_everywhere(text, forward, {"W": ("param", (3, 3)), "x": ("input[t]", (3,)), "h[0]": ("init", (3,)),
                                   "xp[0]": ("init", (3,))})


def test_arrays_that_disagree_on_a_dimension_solved_from_a_sum_are_named():
    d = orderdiff.derive(orderdiff.parse("dim n, m\ninput x[t]: n + m\nparam W: n, n + m\ninit h[0] = 0\n"
                                         "h[t] = tanh(W @ x[t] + h[t-1])\nC = sum_t(sum(h[t] * h[t]))\n"))
    f = d.lambdify()
    with pytest.raises(orderdiff.errors.ValueInputError, match=re.escape(
            "inputs['x'] has shape (4, 2, 6); expected (T, B, m + n) = (?, ?, 5), with m = 2 and n = 3 "
            "from params['W'] of shape (3, 5)")):
        f({"W": numpy.ones((3, 5))}, {"x": numpy.ones((4, 2, 6))})


STATIC_TERMS = """\
dim n, m
input s: m
input x[t]: n
param U: n, m
param W: n, n
param b: n
init h[0] = 0
h[t] = tanh(W @ h[t-1] + x[t])
"""


@pytest.mark.parametrize("loss", ["once_per_sequence", "no_data", "beside_data"])
def test_a_sum_over_t_of_a_term_the_same_at_every_step_counts_it_t_times(loss):
    # sum_t of a term that no step changes is T times it, in the loss and in its gradient;
    # a term that no data touches is every sequence's, so the batch counts it B times
    loss_line = {"once_per_sequence": "C = sum_t(sum(tanh(U @ s))) + sum_t(sum(h[t]))",
                 "no_data": "C = sum_t(sum(b * b)) + sum(b) + sum_t(sum(h[t]))",
                 "beside_data": "C = sum_t(sum(W @ b) + sum(h[t] * x[t]))"}[loss]

    def forward(p, i, init):
        hs = scan(lambda t, past: anp.tanh(past[0] @ p["W"].T + i["x"][t]), i["x"], [init["h[0]"]])
        steps = sum(anp.sum(h) for h in hs)
        if loss == "once_per_sequence":
            return T * anp.sum(anp.tanh(i["s"] @ p["U"].T)) + steps
        if loss == "no_data":
            return BATCH * (T * anp.sum(p["b"] * p["b"]) + anp.sum(p["b"])) + steps
        return BATCH * T * anp.sum(p["W"] @ p["b"]) + sum(anp.sum(h * x) for h, x in zip(hs, i["x"]))

    run_everywhere(STATIC_TERMS + loss_line + "\n", forward,
                   {"U": ("param", (3, 2)), "W": ("param", (3, 3)), "b": ("param", (3,)),
                    "s": ("input", (2,)), "x": ("input[t]", (3,)), "h[0]": ("init", (3,))})
