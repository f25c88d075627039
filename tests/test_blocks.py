"""Block files through the library and the command: errors located, derivations, generated code.

Every error a block file can cause is checked for its exit status, its
``FILE:LINE:COL: message`` line, the source line with a caret, and no traceback.
The numbers of the generated code are checked by tests/test_rnn_oracles.py; here the
command's paths (derive, --steps, --emit-python, check, rnn) and the unrolled view,
whose ordered derivatives are evaluated by a small interpreter written here and
compared with the generic program's gradients.
"""

import re
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
from click.testing import CliRunner

import orderdiff
from orderdiff.blocks import expr as B
from orderdiff.blocks.check import random_point
from orderdiff.blocks.presets import ACTIVATIONS, OUTPUTS, elman
from orderdiff.cli import main

EXAMPLES = Path(__file__).parent.parent / "examples"
HEAD = """dim n_x, n_h
input x[t]: n_x
param W: n_h, n_x + n_h
param b: n_h
init h[0] = 0
"""
STEP = "h[t] = tanh(W @ concat(x[t], h[t-1]) + b)\n"
LOSS = "C = sum_t(sum(h[t]))\n"


def invoke(args):
    return CliRunner().invoke(main, args)


def check_error(tmp_path, body, line, col, message, cls):
    path = tmp_path / "net.eqs"
    path.write_text(HEAD + body)
    with pytest.raises(cls) as info:
        orderdiff.load(str(path))
    assert (info.value.line, info.value.col) == (line, col), info.value.format()
    assert re.search(message, info.value.message), info.value.message
    result = invoke(["derive", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{path}:{line}:{col}: ")
    source = (HEAD + body).splitlines()[line - 1]
    assert lines[1] == "    " + source
    assert lines[2] == "    " + " " * (col - 1) + "^"


ERRORS = [
    # id, body after HEAD (lines 1-5), line, col, message, class
    ("shape", "h[t] = tanh(W @ x[t] + b)\n" + LOSS, 6, 15,
     r"'@' needs the columns of the left \(n_h \+ n_x\) to match the rows of the right \(n_x\), got "
     r"\(n_h, n_h \+ n_x\) @ \(n_x\)", orderdiff.ShapeError),
    ("elementwise shapes", "h[t] = tanh(W @ concat(x[t], h[t-1]) + x[t])\n" + LOSS, 6, 38,
     r"'\+' needs operands of the same shape, got \(n_h\) and \(n_x\)", orderdiff.ShapeError),
    ("slice", STEP + "C = sum_t(sum(h[t][0:n_h + 1]))\n", 7, 19, r"the slice \[0:n_h \+ 1\] does not fit in n_h rows",
     orderdiff.ShapeError),
    ("before the initial values", "h[t] = tanh(W @ concat(x[t], h[t-2]) + b)\n" + LOSS, 6, 1,
     r"h\[t-2\] reaches back to t = -1 at the first step, but h\[-1\] has no initial value; add "
     r"'init h\[-1\] = 0'", orderdiff.DefinitionError),
    ("cycle in a step", "a[t] = tanh(W @ concat(x[t], h[t-1]) + c[t])\nc[t] = 2 * a[t]\nh[t] = a[t]\n" + LOSS,
     6, 1, r"the equations form a cycle within one time step: a -> c -> a", orderdiff.CycleError),
    ("no step back", "h[t] = tanh(W @ concat(x[t], h[t-0]) + b)\n" + LOSS, 6, 34,
     r"h\[t-0\] is h\[t\], this step: write h\[t\], or h\[t-1\] for the step before", orderdiff.ParseError),
    ("past the last step", "h[t] = tanh(W @ concat(x[t], h[t+1]) + b)\n" + LOSS, 6, 1,
     r"h\[t\+1\] reaches past the last step to t = T\+1, but h\[T\+1\] has no value; add 'init h\[T\+1\] = 0'",
     orderdiff.DefinitionError),
    ("both directions", "init h[T+1] = 0\nh[t] = tanh(W @ concat(x[t], h[t-1]) + b + h[t+1])\n" + LOSS, 7, 44,
     r"h\[t\+1\] reads a later step on a recurrence that also reads earlier ones \(h\); a recurrence runs forward "
     r"\(t-1\) or backward \(t\+1\), not both", orderdiff.DefinitionError),
    ("both directions through a loop", "init g[T+1] = 0\ng[t] = tanh(h[t-1] + g[t+1])\n" + STEP.replace("+ b", "+ g[t]")
     + LOSS, 7, 22, r"g\[t\+1\] reads a later step on a recurrence that also reads earlier ones \(g, h\)",
     orderdiff.DefinitionError),
    ("a name past the last step", "init h[T+1] = b\n" + STEP + LOSS, 6, 15,
     r"a value past the last step is a number \(init h\[T\+1\] = 0\); one from a parameter or an input cannot be "
     r"written yet", orderdiff.ParseError),
    ("too far past the last step", "init h[T+1001] = 0\n" + STEP + LOSS, 6, 10,
     r"a value past the last step is for T\+K, K a whole number from 1 to 1000", orderdiff.ParseError),
    ("too far ahead", "h[t] = tanh(W @ concat(x[t], h[t+100000000000000000000]) + b)\n" + LOSS, 6, 34,
     r"h\[t\+\.\.\.\] reaches ahead more than 1000 steps, the most orderdiff unrolls", orderdiff.LimitError),
    ("unknown declaration", "parm V: n_h\n" + STEP + LOSS, 6, 1,
     r"unknown declaration 'parm' \(did you mean 'param'\?\)", orderdiff.ParseError),
    ("unknown name", "h[t] = tanh(Wx @ concat(x[t], h[t-1]) + b)\n" + LOSS, 6, 13,
     r"'Wx' is not declared or defined", orderdiff.DefinitionError),
    ("unknown dimension", "param V: n_q\n" + STEP + LOSS, 6, 10,
     r"unknown dimension 'n_q' \(did you mean 'n_x' or 'n_h'\?\)", orderdiff.DefinitionError),
    ("missing time index", "h[t] = tanh(W @ concat(x, h[t-1]) + b)\n" + LOSS, 6, 24,
     r"'x' is indexed by time: write x\[t\] or x\[t-1\]", orderdiff.ParseError),
    ("time index outside sum_t", STEP + "C = sum(h[t])\n", 7, 12,
     r"in an equation without a time index: sum it over time with sum_t", orderdiff.ParseError),
    ("lag inside sum_t", STEP + "C = sum_t(sum(h[t-1]))\n", 7, 20,
     r"inside sum_t\(\.\.\.\) use h\[t\]", orderdiff.ParseError),
    ("defined twice", STEP + "h[t] = x[t]\n" + LOSS, 7, 1, r"'h' is defined twice \(first on line 6\)",
     orderdiff.DefinitionError),
    ("unknown function", "h[t] = tanhh(W @ concat(x[t], h[t-1]) + b)\n" + LOSS, 6, 8,
     r"unknown function 'tanhh' \(did you mean 'tanh'", orderdiff.UnknownFunctionError),
    ("declared and defined", STEP + "b = 2 * W\n" + LOSS, 7, 1, r"'b' is declared, so it cannot also have",
     orderdiff.DefinitionError),
    ("parameter with time", "param V[t]: n_h\n" + STEP + LOSS, 6, 9,
     r"only inputs and initial values are indexed by time, not a param", orderdiff.ParseError),
    ("vector transposed", STEP + "C = sum_t(sum(transpose(h[t])))\n", 7, 15, r"transpose needs a matrix, got \(n_h\)",
     orderdiff.ShapeError),
    ("static uses a sum", STEP + "S = sum_t(sum(h[t]))\ng[t] = S * h[t]\nC = sum_t(sum(g[t]))\n", 8, 1,
     r"'S' sums over every step, so the step equation of 'g' cannot use it", orderdiff.DefinitionError),
]


@pytest.mark.parametrize("body, line, col, message, cls", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_block_errors_are_located(tmp_path, body, line, col, message, cls):
    check_error(tmp_path, body, line, col, message, cls)


def test_an_initial_value_must_be_finite(tmp_path):
    path = tmp_path / "net.eqs"
    path.write_text(HEAD.replace("init h[0] = 0", "init h[0] = 1e400") + STEP + LOSS)
    result = invoke(["derive", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"{path}:5:13: an initial value must be a finite number\n")


def test_check_refuses_huge_literal_shapes(tmp_path):
    """A literal dimension of 100000 would make check allocate and nudge millions of entries."""
    path = tmp_path / "net.eqs"
    path.write_text("dim n\ninput x[t]: n\nparam W: 100000, n\nh[t] = tanh(W @ x[t])\nC = sum_t(sum(h[t]))\n")
    result = invoke(["check", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "check draws arrays of at most 10000 entries" in result.output


def test_target_must_be_a_scalar(tmp_path):
    path = tmp_path / "net.eqs"
    path.write_text(HEAD + STEP + "C = sum_t(h[t])\n")
    result = invoke(["derive", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}:7:1: the target must be a scalar defined without [t]" in result.output
    assert "'C' has shape (n_h)" in result.output


def test_scalar_options_are_refused_for_block_files():
    for option in (["--at", "x=1"], ["--budget", "5"]):
        result = invoke(["derive", str(EXAMPLES / "elman.eqs"), *option])
        assert result.exit_code == 1 and "applies to scalar equation files" in result.output


def test_steps_on_a_scalar_file_is_an_error():
    result = invoke(["derive", str(EXAMPLES / "werbos.eqs"), "--steps", "3"])
    assert result.exit_code == 1 and "--steps unrolls a time-indexed (block) file" in result.output


def test_a_long_chain_of_lagged_uses_stays_linear():
    """3000 variables each using the next one step back: shapes in one pass, folding in linear time."""
    n = 3000
    lines = ["dim n", "input x[t]: n", *(f"init a{k}[0] = 0" for k in range(n))]
    lines += [f"a{k}[t] = a{k + 1}[t-1] + x[t]" for k in range(n - 1)]
    lines += [f"a{n - 1}[t] = tanh(x[t])", "C = sum_t(sum(a0[t]))"]
    code = ("import orderdiff, sys; d = orderdiff.derive(orderdiff.parse(sys.stdin.read())); "
            "print(sorted(str(v.name) for v in d.recurrences), len(d.gradients))")
    done = subprocess.run([sys.executable, "-c", code], input="\n".join(lines), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # a0[t] keeps its adjoint (its explicit 1 is 0 past T, so it cannot move a step); every other
    # a_k[t] folds into its user, up to a_2999[t], which has none; each used a_k[0] has a gradient
    assert done.stdout.split("] ") == [f"['a0', 'a{n - 1}'", f"{n - 1}\n"]


# ----- the command on the examples -------------------------------------------------------------

def test_derive_prints_the_elman_recurrences():
    result = invoke(["derive", str(EXAMPLES / "elman.eqs"), "--ascii"])
    assert result.exit_code == 0, result.output
    assert "d+C/dzo[t] = y[t] - yhat[t]\n" in result.output
    assert "at t = T: d+C/dzh[T] = " in result.output


@pytest.mark.parametrize("fmt", ["text", "latex", "json"])
def test_unrolled_formats(fmt):
    result = invoke(["derive", str(EXAMPLES / "elman.eqs"), "--steps", "2", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "zh" in result.output


def test_emit_python_writes_a_module_that_runs_on_its_own(tmp_path):
    out = tmp_path / "bptt.py"
    result = invoke(["derive", str(EXAMPLES / "lstm.eqs"), "--emit-python", str(out)])
    assert result.exit_code == 0, result.output
    done = subprocess.run([sys.executable, str(out)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("loss ") and "d loss / d W:" in done.stdout


def test_emitted_module_agrees_with_lambdify(tmp_path):
    d = orderdiff.derive(orderdiff.load(str(EXAMPLES / "gru.eqs")))
    namespace = {}
    exec(compile(d.python_module(), "gru_bptt.py", "exec"), namespace)
    _, params, inputs, init = random_point(d.system, numpy.random.default_rng(3))
    loss, grads = namespace["loss_and_gradients"](params, inputs, init)
    loss2, grads2 = d.lambdify()(params, inputs, init)
    assert loss == loss2
    for k in grads2:
        numpy.testing.assert_array_equal(grads[k], grads2[k])


@pytest.mark.parametrize("name", ["elman", "lstm", "gru", "jordan"])
def test_check_agrees_on_the_examples(name):
    result = invoke(["check", str(EXAMPLES / f"{name}.eqs"), "--points", "1"])
    assert result.exit_code == 0, result.output
    assert "OK: all" in result.output


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("bias", [True, False])
def test_rnn_presets_derive_through_the_same_path(tmp_path, activation, output, bias):
    text = elman(activation, output, bias)
    flags = ["--activation", activation, "--head", output, "--bias" if bias else "--no-bias"]
    shown = invoke(["rnn", *flags, "--print-eqs"])
    assert shown.exit_code == 0 and shown.output == text
    path = tmp_path / "preset.eqs"
    path.write_text(text)
    assert invoke(["rnn", *flags, "--ascii"]).output == invoke(["derive", str(path), "--ascii"]).output
    checked = invoke(["check", str(path), "--points", "1"])
    assert checked.exit_code == 0, checked.output


def test_check_reports_a_wrong_gradient(monkeypatch):
    """The check can fail: a gradient perturbed after generation is caught."""
    from orderdiff.blocks import gradients

    real = gradients.Gradients.__call__

    def wrong(self, params, inputs, init=None):
        loss, grads = real(self, params, inputs, init)
        grads["b_ho"] = grads["b_ho"] * 1.01
        return loss, grads

    monkeypatch.setattr(gradients.Gradients, "__call__", wrong)
    result = invoke(["check", str(EXAMPLES / "elman.eqs"), "--points", "1"])
    assert result.exit_code == 1
    assert re.search(r"b_ho .*<-- disagrees", result.output)


# ----- the unrolled view, evaluated -------------------------------------------------------------

def interpret(e, values, adj, dims):
    """A block expression at numbers, one sequence (no batch axis): an independent reading of each class."""
    def ev(x):
        return interpret(x, values, adj, dims)
    if not B.is_array(e):
        return float(e)
    if isinstance(e, B.Var):
        return values[e.name, e.time[0] if e.time else None]
    if isinstance(e, B.Adj):
        v = e.args[0]
        return adj.get((v.name, v.time[0] if v.time else None), 0.0)
    args = e.args
    dim = lambda d: int(d.xreplace(dims))  # noqa: E731
    table = {
        B.Plus: lambda: sum(ev(a) for a in args), B.Neg: lambda: -ev(args[0]),
        B.Hadamard: lambda: numpy.prod([ev(a) for a in args], axis=0) if len(args) > 1 else ev(args[0]),
        B.Divide: lambda: ev(args[0]) / ev(args[1]), B.Power: lambda: ev(args[0]) ** float(args[1]),
        B.MatProd: lambda: ev(args[0]) @ ev(args[1]), B.Trans: lambda: ev(args[0]).T,
        B.Outer: lambda: numpy.outer(ev(args[0]), ev(args[1])),
        B.Cat: lambda: numpy.concatenate([ev(a) for a in args]),
        B.Rows: lambda: ev(args[0])[dim(args[1]):dim(args[2])],
        B.Cols: lambda: ev(args[0])[:, dim(args[1]):dim(args[2])],
        B.Total: lambda: numpy.sum(ev(args[0])), B.Inner: lambda: numpy.dot(ev(args[0]), ev(args[1])),
        B.Broadcast: lambda: ev(args[0]) * numpy.ones([dim(d) for d in args[1]]),
        B.Zeros: lambda: numpy.zeros([dim(d) for d in args[0]]),
        B.Softmax: lambda: numpy.exp(ev(args[0])) / numpy.sum(numpy.exp(ev(args[0]))),
        B.CrossEntropy: lambda: -numpy.sum(ev(args[0]) * numpy.log(ev(args[1]))),
        B.Elementwise: lambda: {"tanh": numpy.tanh, "log": numpy.log, "sigmoid": lambda z: 1 / (1 + numpy.exp(-z))}[
            args[0].name](ev(args[1])),
    }
    return table[type(e)]()


def test_unrolled_ordered_derivatives_match_the_generic_program():
    """Evaluate every node of the unrolled DAG (forward, then Eq. 1 from the target back) and compare
    the parameters' and h[0]'s ordered derivatives with the generated loop's gradients."""
    system = orderdiff.load(str(EXAMPLES / "elman.eqs"))
    T = 3
    u = orderdiff.derive(system, steps=T)
    dims_named, params, inputs, init = random_point(system, numpy.random.default_rng(7), steps=T, batch=1)
    dims = {s: dims_named[str(s)] for s in system.dims.values()}
    values = {(k, None): v for k, v in params.items()}
    values.update(((k, t + 1), v[t, 0]) for k, v in inputs.items() for t in range(T))
    values["h", 0] = init["h[0]"][0]
    for t in range(1, T + 1):
        for name in system.timed:
            values[name, t] = interpret(B.at_time(system.equations[name].expr, t), values, {}, dims)
    adj = {("C", None): 1.0}
    for v in reversed(u.order):
        if v.name == "C":
            continue
        adj[v.name, v.time[0] if v.time else None] = interpret(u.recursive[v], values, adj, dims)
    _, grads = orderdiff.derive(system).lambdify()(params, inputs, init)
    for name in params:
        numpy.testing.assert_allclose(adj[name, None], grads[name], rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(adj["h", 0], grads["h[0]"][0], rtol=1e-10, atol=1e-12)


def test_lambdify_checks_the_shapes_it_is_given():
    d = orderdiff.derive(orderdiff.load(str(EXAMPLES / "elman.eqs")))
    f = d.lambdify()
    params = {"W_ih": numpy.zeros((4, 7)), "b_ih": numpy.zeros(4), "W_ho": numpy.zeros((5, 4)),
              "b_ho": numpy.zeros(5)}
    inputs = {"x": numpy.zeros((6, 2, 3)), "yhat": numpy.full((6, 2, 5), 0.2)}
    loss, _ = f(params, inputs)
    assert loss == pytest.approx(6 * 2 * numpy.log(5))  # zero weights: a uniform softmax at every step
    with pytest.raises(orderdiff.ValueInputError, match=r"params\['W_ih'\] has shape \(4, 8\); expected "
                                                         r"\(n_h, n_h \+ n_x\) = \(4, 7\)"):
        f({**params, "W_ih": numpy.zeros((4, 8))}, inputs)
    with pytest.raises(orderdiff.ValueInputError, match=r"inputs\['yhat'\] has shape \(5, 2, 5\); expected \(T, B, n_y\) "
                                                         r"= \(6, 2, 5\), with T = 6 and B = 2 from inputs\['x'\]"):
        f(params, {**inputs, "yhat": numpy.zeros((5, 2, 5))})
    with pytest.raises(orderdiff.ValueInputError, match=r"missing params\['b_ho'\]"):
        f({k: v for k, v in params.items() if k != "b_ho"}, inputs)
    with pytest.raises(orderdiff.ValueInputError, match=r"unknown inputs: z"):
        f(params, {**inputs, "z": numpy.zeros(1)})


def test_a_static_distribution_is_assumed_without_a_time_index():
    text = ("dim n\ninput p: n distribution\ninput x[t]: n\nparam W: n, n\ninit h[0] = 0\n"
            "h[t] = tanh(W @ x[t] + h[t-1])\nC = sum_t(cross_entropy(p, softmax(h[t])))\n")
    d = orderdiff.derive(orderdiff.parse(text))
    assert d.assumptions == ("sum(p) = 1 (p is declared 'distribution' on line 2)",)
