"""Hostile and extreme block files: each is derived correctly or refused at its column.

Constant equations derive (their gradient is zero) and their numbers agree with a NumPy
forward pass written here; long flat sums and products derive; everything unbounded
(numbers in time, in shapes and slices, numbers beyond floats, line length, nesting of
slices) is refused with one located line before anything is allocated. Inputs that
could hang run in a subprocess with a timeout.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import orderdiff
from orderdiff.limits import MAX_BLOCK_LINE, MAX_EXTENT, MAX_LAG
from test_cli_errors import assert_failed_cleanly, assert_points_at, invoke

ROOT = Path(__file__).resolve().parent.parent
HEAD = "dim n\ninput x[t]: n\nparam W: n, n\ninit h[0] = 0\n"
STEP = "h[t] = tanh(W @ h[t-1] + x[t])\n"
LOSS = "C = sum_t(sum(h[t] * h[t]))\n"


def refused(tmp_path, text, line, message, col=None, source=None):
    """``orderdiff derive`` on ``text`` fails at ``line:col`` with ``message``, its line and a caret.

    ``col`` defaults to where ``source`` (a piece of the line) starts."""
    path = tmp_path / "net.eqs"
    path.write_text(text)
    result = invoke(["derive", str(path)])
    assert_failed_cleanly(result)
    written = text.splitlines()[line - 1]
    col = col if col is not None else written.index(source) + 1
    assert_points_at(result.output, f"{path}:{line}:{col}", message, written, col)
    return result.output


# ----- constant equations and operands --------------------------------------------------------

SOFTPLUS_1 = math.log(1 + math.e)
CONSTANTS = [("3", 3.0), ("relu(1)", 1.0), ("relu(-2)", 0.0), ("softplus(1)", SOFTPLUS_1),
             ("tanh(1)", math.tanh(1)), ("-2^3 / 4", -2.0), ("sigmoid(1) * 2", 2 / (1 + math.exp(-1)))]


def forward(W, x, h0, c):
    """The loss of CONSTANT_NET, written out in NumPy: h[t] = tanh(W h[t-1] + c x[t] + c), C = sum h*h + c."""
    h, loss = h0, 0.0
    for xt in x:
        h = np.tanh(h @ W.T + c * xt + c)
        loss += np.sum(h * h)
    return loss + c * x.shape[1]  # the constant term is in every sequence's C


CONSTANT_NET = HEAD + "a = {}\nh[t] = tanh(W @ h[t-1] + x[t] * a + a)\nC = sum_t(sum(h[t] * h[t])) + a\n"


@pytest.mark.parametrize("written, value", CONSTANTS, ids=[c[0] for c in CONSTANTS])
def test_a_constant_equation_derives_and_computes(written, value):
    d = orderdiff.derive(orderdiff.parse(CONSTANT_NET.format(written)))
    assert "∂⁺C/∂a = 1" in d.to_text()
    rng = np.random.default_rng(0)
    T, B, n = 3, 2, 3
    W, x, h0 = rng.normal(0, 0.5, (n, n)), rng.normal(size=(T, B, n)), rng.normal(size=(B, n))
    loss, grads = d.lambdify()(params={"W": W}, inputs={"x": x}, init={"h": h0})
    assert loss == pytest.approx(forward(W, x, h0, value), rel=1e-12)
    eps, numeric = 1e-6, np.zeros_like(W)
    for i in np.ndindex(W.shape):
        dW = np.zeros_like(W)
        dW[i] = eps
        numeric[i] = (forward(W + dW, x, h0, value) - forward(W - dW, x, h0, value)) / (2 * eps)
    assert np.allclose(grads["W"], numeric, rtol=1e-6, atol=1e-8)


def test_a_constant_operand_and_a_constant_step_equation_derive():
    text = HEAD + "c[t] = 2\nh[t] = tanh(W @ h[t-1] + x[t] * c[t] + tanh(1) * relu(1))\n" + LOSS
    d = orderdiff.derive(orderdiff.parse(text))
    assert len(d.gradients) == 2 and "W" in d.gradients and "h[0]" in d.gradients


def test_constant_equations_pass_check(tmp_path):
    path = tmp_path / "net.eqs"
    path.write_text(CONSTANT_NET.format("softplus(1) + relu(1)"))
    result = invoke(["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "OK: all 2 gradients agree" in result.output


# ----- huge exact numbers ------------------------------------------------------------------------

@pytest.mark.parametrize("power", ["4^2e400", "4^-2e400", "(4^2e400)^0"])
def test_a_power_with_a_huge_exponent_is_too_large_in_a_scalar_file(tmp_path, power):
    out = refused(tmp_path, f"y = {power} * x\n", 1, r"the number 4\*\*-?20000000*\.\.\.\(40[12] characters\) is too "
                  r"large \(about 10\^400 digits; orderdiff keeps exact numbers up to 4000 digits\)", source="^")
    assert len(out.splitlines()[0]) < 250


def test_a_power_with_a_huge_exponent_is_refused_in_a_block_file(tmp_path):
    """A block file's numbers are floats in its program: the exponent is already beyond them."""
    text = HEAD + "h[t] = tanh(W @ h[t-1] + x[t] * 4^2e400)\n" + LOSS
    refused(tmp_path, text, 5, r"the number 2e400 is beyond the range of floating-point numbers .*", source="2e400")
    text = HEAD + "h[t] = tanh(W @ h[t-1] + x[t] * 4^(2*10^300))\n" + LOSS
    refused(tmp_path, text, 5, r"the number 4\*\*20000000\.\.\.\(301 characters\) is too large \(about 10\^300 "
            "digits; .*", source="^(")
    text = HEAD + "h[t] = tanh(W @ h[t-1] + x[t] * 4^100000)\n" + LOSS
    refused(tmp_path, text, 5, r"the number 4\*\*100000 is too large \(about 6.02e\+04 digits; .*", source="^")


@pytest.mark.parametrize("number, message", [
    ("1e999", r"the number 1e999 is beyond the range of floating-point numbers .*"),
    ("1e200 * 1e200", r"the number 1000.*\(401 characters\) is beyond the range .*"),
    ("10^1000", r"the number 10\*\*1000 is beyond the range .*"),
    ("exp(1000)", r"the number exp\(1000\) is beyond the range .*"),
    ("log(-1)", r"log\(-1\) is not a real number \(I\*pi\); orderdiff works over the reals"),
    ("sqrt(-1)", r"sqrt\(-1\) is not a real number \(I\); orderdiff works over the reals"),
    ("log(0)", r"log\(0\) is not a finite number"),
])
def test_a_number_the_program_cannot_compute_is_refused(tmp_path, number, message):
    text = HEAD + f"h[t] = tanh(W @ h[t-1] + x[t] * {number})\n" + LOSS
    col = len("h[t] = tanh(W @ h[t-1] + x[t] * ") + 1
    if "*" in number or "^" in number:
        col += next(i for i, ch in enumerate(number) if ch in "*^")
    refused(tmp_path, text, 5, message, col)


# ----- long flat expressions -------------------------------------------------------------------

def test_a_long_flat_sum_and_product_derive():
    """Far past the nesting limit, as sympy would recurse through a left-nested tree."""
    sums = " + ".join(["x[t]"] * 800)
    products = " * ".join(["x[t]"] * 2000)
    d = orderdiff.derive(orderdiff.parse(HEAD + f"h[t] = tanh(W @ h[t-1] + {sums} + {products})\n" + LOSS))
    g = "(1 - h[t] * h[t])"  # the adjoint d+C/dh[t] taken out of the sum
    assert f"\n          = d+C/dh[t] * (800*{g} + 2000*({g} * x[t]**1999))\n" in d.to_text(unicode=False)  # d+C/dx[t]


def test_a_flat_sum_computes_as_written():
    k = 300
    d = orderdiff.derive(orderdiff.parse(HEAD + "h[t] = tanh(W @ h[t-1] + " + " + ".join(["x[t]"] * k) + ")\n"
                                         + LOSS))
    rng = np.random.default_rng(1)
    W, x, h0 = rng.normal(0, 0.5, (2, 2)), rng.normal(0, 0.01, (2, 1, 2)), np.zeros((1, 2))
    loss, _ = d.lambdify()(params={"W": W}, inputs={"x": x}, init={"h": h0})
    h, expected = h0, 0.0
    for xt in x:
        h = np.tanh(h @ W.T + k * xt)
        expected += np.sum(h * h)
    assert loss == pytest.approx(expected, rel=1e-12)


def test_a_sum_of_many_distinct_terms_computes_and_differentiates_as_written():
    """A run longer than the generated program writes in a row (Python reads a + b + ... as a
    tree as deep as the run) is written in halves; its loss and gradients as NumPy has them."""
    k = 1100
    text = ("dim n\n" + "".join(f"input x{i}[t]: n\n" for i in range(k)) + "param W: n, n\ninit h[0] = 0\n"
            "h[t] = tanh(W @ h[t-1] + " + " + ".join(f"x{i}[t]" for i in range(k)) + ")\n" + LOSS)
    d = orderdiff.derive(orderdiff.parse(text))
    rng = np.random.default_rng(2)
    W, h0 = rng.normal(0, 0.5, (2, 2)), np.zeros((1, 2))
    xs = {f"x{i}": rng.normal(0, 0.05, (3, 1, 2)) for i in range(k)}

    def loss_of(W):
        h, total = h0, 0.0
        for t in range(3):
            h = np.tanh(h @ W.T + sum(x[t] for x in xs.values()))
            total += np.sum(h * h)
        return total

    loss, grads = d.lambdify()(params={"W": W}, inputs=xs, init={"h": h0})
    assert loss == pytest.approx(loss_of(W), rel=1e-12)
    step, fd = 1e-6, np.zeros_like(W)
    for index in np.ndindex(W.shape):
        up, down = W.copy(), W.copy()
        up[index] += step
        down[index] -= step
        fd[index] = (loss_of(up) - loss_of(down)) / (2 * step)
    np.testing.assert_allclose(grads["W"], fd, rtol=1e-6, atol=1e-9)
    namespace = {"__name__": "bptt"}
    exec(compile(d.python_module(), "bptt.py", "exec"), namespace)  # the module's source check holds too


def test_a_shape_mismatch_in_a_long_sum_is_at_its_operator(tmp_path):
    terms = " + ".join(["x[t]"] * 8)
    text = "dim n, m\ninput x[t]: n\ninput y[t]: m\nparam W: n, n\ninit h[0] = 0\n" \
           f"h[t] = tanh(W @ h[t-1] + {terms} - y[t])\n" + LOSS
    refused(tmp_path, text, 6, r"'\+' needs operands of the same shape, got \(n\) and \(m\)", source="- y[t]")


def test_chained_slices_nest(tmp_path):
    path = tmp_path / "net.eqs"
    path.write_text(HEAD + "h[t] = tanh(W @ h[t-1] + x[t]" + "[0:n]" * 3000 + ")\n" + LOSS)
    result = invoke(["derive", str(path)])
    assert_failed_cleanly(result)
    col = len("h[t] = tanh(W @ h[t-1] + x[t]") + 49 * 5 + 1  # tanh( is the first level
    assert result.output.startswith(f"{path}:5:{col}: expression nested too deeply (more than 50 levels)\n")


def test_a_line_past_the_bound_is_refused_where_it_passes_it(tmp_path):
    path = tmp_path / "net.eqs"
    line = "h[t] = tanh(W @ h[t-1] + " + " + ".join(["x[t]"] * 3000) + ")"
    path.write_text(HEAD + line + "\n" + LOSS)
    result = invoke(["derive", str(path)])
    assert_failed_cleanly(result)
    assert result.output.startswith(f"{path}:5:{MAX_BLOCK_LINE + 1}: a line of a block file has at most "
                                    f"{MAX_BLOCK_LINE} characters (this one has {len(line)}); split it into "
                                    "several equations\n")
    assert max(len(written) for written in result.output.splitlines()) < 300


# ----- dimensions --------------------------------------------------------------------------------

@pytest.mark.parametrize("dims, written, value", [
    ("n - n - 1, n", "n - n - 1", "-1"), ("0, n", "0", "0"), ("n - 1, n", "n - 1", "0 for n = 1"),
    ("n, n - m", "n - m", "0 for m = 1, n = 1"), ("2*n - m", "2\\*n - m", "0 for m = 2, n = 1"),
])
def test_a_dimension_that_can_be_below_one_is_refused(tmp_path, dims, written, value):
    text = f"dim n, m\ninput x[t]: n\nparam W: {dims}\ninit h[0] = 0\nh[t] = tanh(x[t])\n" + LOSS
    col = text.splitlines()[2].index(written.replace("\\", "")) + 1
    refused(tmp_path, text, 3, f"the dimension '{written}' is {value}: a shape needs at least 1 row and column "
            r"for every value \(>= 1\) of its dims; declare another dim for it", col)


@pytest.mark.parametrize("dim", ["n + m - 1", "n*m - n + 1", "2*n", "3"])
def test_a_dimension_at_least_one_everywhere_is_accepted(dim):
    system = orderdiff.parse(f"dim n, m\ninput x[t]: n\nparam v: {dim}\nh[t] = tanh(x[t])\nC = sum_t(sum(h[t])) "
                             "+ sum(v)\n")
    assert system.declarations["v"].shape != ()


def test_every_shipped_block_file_is_accepted():
    files = [*(ROOT / "examples").glob("*.eqs"), *(ROOT / "tests" / "systems" / "rnn").glob("*.eqs")]
    assert len(files) > 8
    for path in files:
        orderdiff.load(path)


@pytest.mark.parametrize("text, piece", [
    ("dim n\ninput x[t]: n\nparam W: 99999999999999999999, n\nh[t] = tanh(W @ x[t])\n" + LOSS,
     "99999999999999999999"),
    (HEAD + "h[t] = tanh(W @ h[t-1] + x[t][0:99999999999999999999])\n" + LOSS, "99999999999999999999"),
    (HEAD + "h[t] = tanh(W @ h[t-1] + x[t][0:1e999])\n" + LOSS, "1e999"),
])
def test_a_huge_number_of_rows_is_refused(tmp_path, text, piece):
    line = next(k for k, written in enumerate(text.splitlines(), start=1) if piece in written)
    refused(tmp_path, text, line, f"a number of rows or columns is at most {MAX_EXTENT}; name a larger one "
            "with 'dim'", source=piece)


# ----- time ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("sign", ["-", "+"])
def test_a_step_back_of_zero_is_this_step(tmp_path, sign):
    text = HEAD + f"h[t] = tanh(W @ h[t{sign}0] + x[t])\n" + LOSS
    refused(tmp_path, text, 5, rf"h\[t\{sign}0\] is h\[t\], this step: write h\[t\], or h\[t-1\] for the step "
            "before", source="0]")


@pytest.mark.parametrize("lag", ["1001", "100000", "99999999999999999999", "1e999"])
def test_a_lag_beyond_the_bound_is_refused(tmp_path, lag):
    text = HEAD + f"h[t] = tanh(W @ h[t-{lag}] + x[t])\n" + LOSS
    refused(tmp_path, text, 5, rf"h\[t-\.\.\.\] reaches back more than {MAX_LAG} steps, the most orderdiff "
            "unrolls", source=lag + "]")


def test_the_missing_initial_values_of_a_long_lag_fit_in_one_line(tmp_path):
    text = HEAD + f"h[t] = tanh(W @ h[t-{MAX_LAG}] + x[t])\n" + LOSS
    out = refused(tmp_path, text, 5, r"h\[t-1000\] reaches back to t = -999 at the first step, but h\[-1\], "
                  r"h\[-2\], h\[-3\], \.\.\. \(999 in all\) have no initial value; add 'init h\[-1\] = 0' and "
                  r"'init h\[-2\] = 0' and 'init h\[-3\] = 0' and so on", col=1)
    assert len(out) < 400


@pytest.mark.parametrize("time, message", [
    ("-5000000", r"an initial value is for a time from -999 to 0: a step reaches back at most 1000 steps"),
    ("-99999999999999999999", r"an initial value is for a time from -999 to 0: .*"),
    ("99999999999999999999", r"an initial value is for a time t <= 0, e.g. init h\[0\] = 0"),
])
def test_an_initial_value_far_in_time_is_refused(tmp_path, time, message):
    text = HEAD + f"init h[{time}] = 0\n" + STEP + LOSS
    refused(tmp_path, text, 5, message, source=time.lstrip("-"))


def test_an_initial_value_at_the_bound_is_accepted():
    inits = "".join(f"init h[{-s}] = 0\n" for s in range(MAX_LAG))
    system = orderdiff.parse(HEAD.replace("init h[0] = 0\n", inits) + f"h[t] = tanh(W @ h[t-{MAX_LAG}] + x[t])\n"
                             + LOSS)
    assert system.lags == {"h": MAX_LAG}


@pytest.mark.parametrize("steps", [0, -1, 1001, 10**9, 2.0, True, "3"])
def test_steps_are_bounded_as_the_option_is(steps):
    system = orderdiff.load(ROOT / "examples" / "elman.eqs")
    with pytest.raises(ValueError, match=r"steps is a whole number from 1 to 1000, as --steps takes"):
        orderdiff.derive(system, steps=steps)


# ----- what could hang: in a subprocess with a timeout ------------------------------------------

HANG_GUARD = """
import json, sys, time
import orderdiff
from orderdiff.errors import OrderdiffError
out = {}
for name, text in json.loads(sys.stdin.read()).items():
    start = time.perf_counter()
    try:
        orderdiff.parse(text, file="net.eqs")
        out[name] = ["accepted", time.perf_counter() - start]
    except OrderdiffError as e:
        out[name] = [str(e).splitlines()[0], time.perf_counter() - start]
start = time.perf_counter()
try:
    orderdiff.derive(orderdiff.load("examples/elman.eqs"), steps=10**9)
except ValueError as e:
    out["steps"] = [str(e), time.perf_counter() - start]
print(json.dumps(out))
"""


def test_what_would_hang_is_refused_at_once():
    cases = {
        "lag": HEAD + "h[t] = tanh(W @ h[t-99999999999999999999] + x[t])\n" + LOSS,
        "line": HEAD + "h[t] = tanh(W @ h[t-1] + " + " + ".join(["x[t]"] * 120000) + ")\n" + LOSS,
        "init": HEAD + "init h[-99999999999999999999] = 0\n" + STEP + LOSS,
    }
    done = subprocess.run([sys.executable, "-c", HANG_GUARD], input=json.dumps(cases), capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["lag"][0].startswith("net.eqs:5:21: h[t-...] reaches back more than 1000 steps")
    assert out["line"][0] == (f"net.eqs:5:{MAX_BLOCK_LINE + 1}: a line of a block file has at most "
                              f"{MAX_BLOCK_LINE} characters (this one has 840023); split it into several equations")
    assert out["init"][0].startswith("net.eqs:5:9: an initial value is for a time from -999 to 0")
    assert out["steps"][0].startswith("steps is a whole number from 1 to 1000")
    assert all(seconds < 5 for _, seconds in out.values()), out
