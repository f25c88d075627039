"""Large block files: no hang, and the faster folding, simplifying and printing keep results right.

The hang guards run the command in a subprocess with a generous timeout (their speed is
measured by benchmarks/hostile.py, never asserted here). The gradients of long chains and
of named softmaxes are checked against finite differences of a NumPy forward pass written
here, which shares no code with orderdiff.
"""

import subprocess
import sys
from pathlib import Path

import numpy
import pytest
from click.testing import CliRunner
from sympy import S, Symbol

import orderdiff
from orderdiff.blocks import expr as B
from orderdiff.blocks.simplify import simplify
from orderdiff.cli import main

ROOT = Path(__file__).resolve().parent.parent
HEAD = "dim n\ninput x[t]: n\nparam W: n, n\ninit h[0] = 0\n"
LOSS = "C = sum_t(sum(h[t] * h[t]))\n"
FUNCTIONS = {"tanh": numpy.tanh, "sigmoid": lambda z: 1 / (1 + numpy.exp(-z))}


def softmax(z):
    e = numpy.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


FUNCTIONS["softmax"] = softmax


def chain_text(n, body):
    """``n`` equations after the recurrent one, each ``body`` of the one before."""
    lines = ["h0[t] = tanh(W @ h[t-1] + x[t])"] + [f"h{k}[t] = {body(f'h{k - 1}[t]')}" for k in range(1, n)]
    return HEAD + "\n".join(lines) + f"\nh[t] = h{n - 1}[t]\n" + LOSS


def chain_forward(n, step, W, x, h0):
    """The loss of :func:`chain_text`'s file in NumPy: ``step`` is one link of the chain."""
    h, loss = h0, 0.0
    for t in range(x.shape[0]):
        v = numpy.tanh(h @ W.T + x[t])
        for _ in range(1, n):
            v = step(v)
        h = v
        loss += numpy.sum(h * h)
    return loss


def gradients_against_numpy(text, forward, seed=0):
    """The gradients of ``lambdify`` for W and h[0] against central differences of ``forward``."""
    rng = numpy.random.default_rng(seed)
    n, T, batch = 3, 3, 2
    W, x, h0 = rng.normal(0, 0.5, (n, n)), rng.normal(0, 1, (T, batch, n)), rng.normal(0, 0.5, (batch, n))
    f = orderdiff.derive(orderdiff.parse(text)).lambdify()
    loss, grads = f({"W": W.copy()}, {"x": x}, {"h[0]": h0.copy()})
    assert loss == pytest.approx(forward(W, x, h0), rel=1e-12)
    def loss_at(name, value):
        return forward(value if name == "W" else W, x, value if name == "h[0]" else h0)

    for name, value in (("W", W), ("h[0]", h0)):
        fd, step = numpy.zeros_like(value), 1e-6
        for index in numpy.ndindex(value.shape):
            up, down = value.copy(), value.copy()
            up[index] += step
            down[index] -= step
            fd[index] = (loss_at(name, up) - loss_at(name, down)) / (2 * step)
        numpy.testing.assert_allclose(grads[name], fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("n, body, step", [
    (60, lambda v: f"tanh({v})", numpy.tanh),  # past the fold budget: some adjoints stay named
    (12, lambda v: f"tanh({v}) * sigmoid({v})", lambda v: numpy.tanh(v) / (1 + numpy.exp(-v))),
    (6, lambda v: f"softmax({v})", softmax),
])
def test_long_chains_match_finite_differences(n, body, step):
    gradients_against_numpy(chain_text(n, body), lambda W, x, h0: chain_forward(n, step, W, x, h0))


def test_nested_softmax_within_budget_matches_finite_differences():
    text = HEAD + "h[t] = softmax(softmax(softmax(W @ h[t-1] + x[t])))\n" + LOSS

    def forward(W, x, h0):
        h, loss = h0, 0.0
        for t in range(x.shape[0]):
            h = softmax(softmax(softmax(h @ W.T + x[t])))
            loss += numpy.sum(h * h)
        return loss

    gradients_against_numpy(text, forward)


def test_a_long_sum_that_repeats_an_input_is_measured_in_its_variables():
    """Each of the 398 terms' shares of x reads tanh(z) with all of z before tanh(z) is read
    as h[t] (a tree of nearly 500,000 nodes); named, the share is small and within the budget."""
    terms = range(2, 400)
    text = HEAD + "h[t] = tanh(W @ h[t-1] + " + " + ".join(f"{k}*x[t]" for k in terms) + ")\n" + LOSS

    def forward(W, x, h0):
        h, loss = h0, 0.0
        for t in range(x.shape[0]):
            h = numpy.tanh(h @ W.T + sum(terms) * x[t])
            loss += numpy.sum(h * h)
        return loss

    gradients_against_numpy(text, forward)


def test_nested_softmax_past_budget_is_refused_where_it_is_written():
    nested = "softmax(" * 14 + "W @ h[t-1] + x[t]" + ")" * 14
    result = CliRunner().invoke(main, ["derive", "-"], input=HEAD + f"h[t] = {nested}\n" + LOSS)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "-:5:1: the derivative of this equation would print as" in result.output
    assert "name parts of it with equations of their own (s[t] = softmax(...) for a nested softmax" in result.output


def test_simplifier_distributes_where_a_division_cancels():
    n = Symbol("n")
    y, u, a = (B.Var(s, (n,)) for s in "yua")
    assert simplify(B.Hadamard(y, B.Plus(u, B.Divide(a, y)))) == B.Plus(B.Hadamard(y, u), a)
    assert simplify(B.Hadamard(y, B.Plus(u, B.Neg(B.Divide(a, y))))) == B.Plus(B.Hadamard(y, u), B.Neg(a))
    kept = B.Hadamard(y, B.Plus(u, B.Divide(a, u)))  # no factor that a term divides by
    assert simplify(kept) == kept


def test_simplifier_takes_an_adjoint_common_to_terms_out_of_their_sum():
    n = Symbol("n")
    a, b, c = (B.Var(s, (n,)) for s in "abc")
    g, k = B.Adj(B.Var("h", (n,), (B.T_INDEX + 1,))), B.Adj(B.Var("z", (n,)))
    assert simplify(B.Plus(B.Hadamard(g, a), B.Hadamard(b, g))) == B.Hadamard(g, B.Plus(a, b))
    assert simplify(B.Plus(B.Hadamard(g, a), B.Neg(B.Hadamard(g, b)))) == B.Hadamard(g, B.Plus(a, B.Neg(b)))
    # a term that is the adjoint alone leaves 1; the sum is ordered by step, t before t+1
    assert simplify(B.Plus(B.Hadamard(S(2), g, a), g, c)) == B.Plus(c, B.Hadamard(g, B.Plus(S.One, B.Hadamard(S(2), a))))
    # each adjoint once: the product rule's halves of two products
    both = simplify(B.Plus(B.Hadamard(g, a), B.Hadamard(g, b), B.Hadamard(k, a), B.Hadamard(k, c)))
    assert sum(1 for x in B.preorder(both) if x == g) == 1 and sum(1 for x in B.preorder(both) if x == k) == 1
    kept = B.Plus(B.Hadamard(k, b), B.Hadamard(g, a))  # no adjoint in two terms (in order of step)
    assert simplify(kept) == kept


def test_the_gru_gate_gradient_reads_as_the_product_rule_writes_it():
    text = orderdiff.derive(orderdiff.load(ROOT / "examples" / "gru.eqs")).to_text(unicode=False)
    assert "d+C/du[t] = d+C/dh[t] * (n[t] - h[t-1])" in text


def test_tree_facts_agree_with_sympy_walks():
    n, t = Symbol("n"), B.T_INDEX
    h, W = B.Var("h", (n,), (t - 1,)), B.Var("W", (n, n))
    g = B.Adj(B.Var("z", (n,), (t + 1,)))
    e = B.Plus(B.Hadamard(g, B.Elementwise(B.Str("tanh"), B.MatProd(W, h))), B.Neg(B.Hadamard(g, h)))
    assert B.adjoints(e) == e.atoms(B.Adj)
    assert B.size(e) == sum(1 for _ in B.preorder(e))
    moved = e.replace(lambda v: isinstance(v, B.Var) and v.time, lambda v: v.at(v.time[0] + 2))
    assert B.shift(e, 2) == moved
    assert B.at_time(e, 3) == e.replace(lambda v: isinstance(v, B.Var) and v.time,
                                        lambda v: v.at(v.time[0].subs(t, 3)))
    zero = {g: B.zero_like(g)}
    assert B.replace_adjoints(e, zero) == e.xreplace(zero)


@pytest.mark.parametrize("path", ["examples/lstm.eqs", "examples/torch_bigru.eqs", "tests/systems/rnn/lookahead2.eqs",
                                  "tests/systems/rnn/operations.eqs"])
def test_tree_facts_agree_with_sympy_walks_on_every_subtree_of_a_derivation(path):
    """The memoised facts of each subtree (size, adjoints, kinds of node) against sympy's own
    walks of it, over every form a derivation keeps: subtrees shared between forms are found
    once and must still be right for each."""
    d = orderdiff.derive(orderdiff.load(ROOT / path))
    forms = [*d.compact.values(), *d.recursive.values(), *d.explicit.values()]
    seen = set()
    for node in (x for f in forms if B.is_array(f) for x in B.preorder(f) if B.is_array(x)):
        if node in seen:
            continue
        seen.add(node)
        assert B.adjoints(node) == node.atoms(B.Adj), node
        assert B.size(node) == sum(1 for _ in B.preorder(node)), node
        for kind in (B.Var, B.Adj, B.Zeros, B.SumT, B.Last, B.First, B.MatProd):
            assert B.holds(node, kind) == node.has(kind), (node, kind)
    assert len(seen) > 50


def run_command(args, tmp_path, timeout=60):
    """``orderdiff ARGS`` in a subprocess; a run past ``timeout`` seconds fails the test."""
    done = subprocess.run([sys.executable, "-m", "orderdiff", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.mark.parametrize("case, options", [
    ("chain", ["--format", "text"]),
    ("chain", ["--format", "json", "--form", "recursive"]),
    ("product", ["--format", "latex", "--no-figure"]),
    ("softmax", ["--format", "text", "--form", "recursive"]),
])
def test_large_files_do_not_hang(case, options, tmp_path):
    body = {"chain": lambda v: f"tanh({v})", "product": lambda v: f"tanh({v}) * sigmoid({v})",
            "softmax": lambda v: f"softmax({v})"}[case]
    path = tmp_path / f"{case}.eqs"
    path.write_text(chain_text(500, body))
    assert run_command(["derive", str(path), *options, "-o", str(tmp_path / "out")], tmp_path) == ""
    assert (tmp_path / "out").stat().st_size > 0


def test_many_steps_do_not_hang(tmp_path):
    out = run_command(["derive", "examples/lstm.eqs", "--steps", "200", "--format", "json"], tmp_path)
    assert '"steps": 200' in out


def test_a_document_of_many_equations_says_its_picture_is_not_drawn():
    doc = orderdiff.derive(orderdiff.parse(chain_text(110, lambda v: f"tanh({v})"))).to_latex()
    assert "tikzpicture" not in doc
    assert "With 112 equations, more than the 100 a picture on a page could hold" in doc
