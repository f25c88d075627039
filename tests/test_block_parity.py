"""Block files get what scalar files have: the target chosen among several losses, target
errors located, ``--wrt`` and ``--form``, the JSON's top-level keys, and the keyword
arguments and name-keyed mappings of :class:`~orderdiff.Derivation`.

Numbers are checked against oracles that share no code with the derivation: HIPS
autograd on forward passes written here by hand from the equations, and central finite
differences of those passes.
"""

import json
import re
from pathlib import Path

import numpy
import pytest
from click.testing import CliRunner

import orderdiff
from orderdiff.cli import main
from orderdiff.errors import TargetError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ELMAN = str(EXAMPLES / "elman.eqs")

# h[t] feeds two losses: C sums h, D sums h*h; either may be the target.
TWO_LOSSES = """dim n
param w: n
input x[t]: n
init h[0] = 0
h[t] = tanh(w * h[t-1] + x[t])
C = sum_t(sum(h[t]))
D = sum_t(sum(h[t] * h[t]))
"""


def invoke(args):
    return CliRunner().invoke(main, args)


def write(tmp_path, text, name="net.eqs"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def assert_failed_cleanly(result):
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


def two_losses_forward(np, w, x, which):
    """C or D of TWO_LOSSES, summed over the batch, written from the equations."""
    h = np.zeros(x.shape[1:])
    total = 0.0
    for t in range(x.shape[0]):
        h = np.tanh(w * h + x[t])
        total = total + (np.sum(h) if which == "C" else np.sum(h * h))
    return total


# ----- the target among several losses ----------------------------------------------------------

@pytest.mark.parametrize("target", ["C", "D"])
def test_the_other_loss_passes_back_nothing(target):
    """d+C/dD is 0: the sweep keeps only what the target depends on, and the program runs."""
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    d = orderdiff.derive(orderdiff.parse(TWO_LOSSES), target)
    other = "D" if target == "C" else "C"
    assert other not in {v.name for v in d.order}
    assert f"d+{target}/d{other}" not in d.to_text(unicode=False)
    rng = numpy.random.default_rng(3)
    w, x = rng.normal(size=3), rng.normal(size=(4, 2, 3))
    loss, grads = d.lambdify()({"w": w}, {"x": x})
    numpy.testing.assert_allclose(loss, two_losses_forward(numpy, w, x, target), rtol=1e-12)
    expected = autograd.grad(lambda w: two_losses_forward(anp, w, x, target))(w)
    numpy.testing.assert_allclose(grads["w"], expected, rtol=1e-9, atol=1e-12)


def test_check_chooses_one_of_two_losses(tmp_path):
    path = write(tmp_path, TWO_LOSSES)
    for target in ("C", "D"):
        result = invoke(["check", path, "--target", target])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"target {target}, ") and "OK: all 2 gradients agree" in result.output


# ----- target errors, located ---------------------------------------------------------------------

ONE_STEP = "dim n\nparam w: n\ninput x[t]: n\ninit h[0] = 0\nh[t] = tanh(w * h[t-1] + x[t])\n"

TARGET_ERRORS = [
    # id, file, options, line, col, message (regular expression)
    ("several-losses", TWO_LOSSES, [], 6, 1,
     r"2 variables are used by no other equation: C, D; choose the target with --target"),
    ("no-loss", ONE_STEP, [], 5, 1, r"every variable is used by another equation, so none is the loss; add one"),
    ("no-equations", "dim n\nparam w: n\ninput x[t]: n\n", [], 3, 1, r"the file has no equations"),
    ("declared-target", TWO_LOSSES, ["--target", "x"], 3, 7,
     r"the target must be a scalar defined without \[t\] .*'x' is declared, not defined by an equation"),
    ("timed-target", TWO_LOSSES, ["--target", "h"], 5, 1, r"'h' is indexed by time"),
]


@pytest.mark.parametrize("text, options, line, col, message", [c[1:] for c in TARGET_ERRORS],
                         ids=[c[0] for c in TARGET_ERRORS])
def test_target_errors_are_located(tmp_path, text, options, line, col, message):
    path = write(tmp_path, text)
    for command in ("derive", "check"):
        result = invoke([command, path, *options])
        assert_failed_cleanly(result)
        lines = result.output.splitlines()
        assert lines[0].startswith(f"{path}:{line}:{col}: "), lines[0]
        assert re.search(message, lines[0]), lines[0]
        assert lines[1] == "    " + text.splitlines()[line - 1]
        assert lines[2] == "    " + " " * (col - 1) + "^"
    with pytest.raises(TargetError) as info:
        orderdiff.derive(orderdiff.load(path), options[1] if options else None)
    assert (info.value.file, info.value.line, info.value.col) == (path, line, col)


@pytest.mark.parametrize("command", ["derive", "check", "graph"])
def test_an_unknown_target_is_located_in_the_option(tmp_path, command):
    extra = ["-o", str(tmp_path / "net.svg")] if command == "graph" else []
    result = invoke([command, ELMAN, "--target", "c", *extra])
    assert_failed_cleanly(result)
    lines = result.output.splitlines()
    assert lines[0].startswith("--target:1:1: unknown target 'c' (did you mean 'C'"), lines[0]
    assert lines[1:3] == ["    c", "    ^"]


# ----- the JSON's top-level keys ------------------------------------------------------------------

SCALAR_KEYS = list(json.loads(orderdiff.derive(orderdiff.load(str(EXAMPLES / "werbos.eqs"))).to_json()))
BLOCK_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("*.eqs") if getattr(orderdiff.load(str(p)), "is_block", False))


@pytest.mark.parametrize("steps", [None, 2])
@pytest.mark.parametrize("example", BLOCK_EXAMPLES)
def test_block_json_has_the_scalar_keys_in_their_order(example, steps):
    assert SCALAR_KEYS == ["target", "form", "order", "inputs", "nodes"]
    options = [] if steps is None else ["--steps", str(steps)]
    result = invoke(["derive", str(EXAMPLES / example), "--format", "json", *options])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [k for k in doc if k in SCALAR_KEYS] == SCALAR_KEYS
    assert {"mode", "steps", "recurrences", "gradients", "declarations", "equations", "ops"} <= set(doc)
    assert doc["form"] == ("closed" if steps is None else "recursive")
    declared = {name for name, d in doc["declarations"].items() if d["kind"] == "input"}
    assert doc["inputs"] and set(doc["inputs"]) <= set(doc["order"])
    assert {v.split("[")[0] for v in doc["inputs"]} == declared
    d = orderdiff.derive(orderdiff.load(str(EXAMPLES / example)), steps=steps)
    assert [str(v.name) for v in d.inputs] == [v.split("[")[0] for v in doc["inputs"]]


# ----- the API: the keywords of Derivation, mappings keyed by name ---------------------------------

@pytest.fixture(scope="module")
def elman():
    return orderdiff.derive(orderdiff.load(ELMAN))


@pytest.fixture(scope="module")
def elman2():
    return orderdiff.derive(orderdiff.load(ELMAN), steps=2)


@pytest.mark.parametrize("method", ["to_text", "to_latex", "to_json"])
def test_views_take_the_keywords_of_a_scalar_derivation(method):
    import inspect

    from orderdiff.blocks.derivation import BlockDerivation

    scalar = inspect.signature(getattr(orderdiff.Derivation, method)).parameters
    block = inspect.signature(getattr(BlockDerivation, method)).parameters
    assert set(scalar) <= set(block)
    assert all(block[k].kind == inspect.Parameter.KEYWORD_ONLY for k in scalar if k != "self")


def test_the_default_form_is_closed_generic_and_recursive_unrolled(elman, elman2):
    assert elman.to_text(form="closed") == elman.to_text()
    assert elman.to_json(form="closed") == elman.to_json()
    assert elman2.to_text(form="recursive") == elman2.to_text()
    assert elman2.to_latex(form="recursive") == elman2.to_latex()
    assert elman.form("recursive") is elman.recursive and elman.form() is elman.compact is not None
    assert dict(elman.closed) == dict(elman.total) == dict(elman.compact)


@pytest.mark.parametrize("call", ["to_text", "to_latex", "to_json", "form"])
def test_a_form_that_does_not_apply_is_a_value_error(elman, elman2, call):
    def run(d, **kw):
        return getattr(d, call)(kw["form"]) if call == "form" else getattr(d, call)(**kw)

    with pytest.raises(ValueError, match="the inputs form does not apply to a block file"):
        run(elman, form="inputs")
    with pytest.raises(ValueError, match="unrolled over 2 steps, .* leave out the steps"):
        run(elman2, form="closed")
    with pytest.raises(ValueError, match="unknown form 'total'; choose one of recursive, closed"):
        run(elman, form="total")
    with pytest.raises(ValueError, match="unrolled over 2 steps"):
        elman2.total


@pytest.mark.parametrize("method", ["to_text", "to_latex", "to_json"])
def test_values_are_refused_with_the_way_to_numbers(elman, method):
    assert getattr(elman, method)(values=None) == getattr(elman, method)()
    with pytest.raises(ValueError, match=r"lambdify\(\) returns f\(params, inputs, init\)"):
        getattr(elman, method)(values={"x": 1.0})


def test_wrt_takes_names_and_nodes(elman):
    by_name = elman.to_json(wrt=["zh", "h[0]"])
    assert elman.to_json(wrt=[elman.system.var("zh"), elman.system.var("h", 0)]) == by_name
    assert elman.to_json(wrt="zh") == elman.to_json(wrt=["zh"])
    assert list(json.loads(by_name)["nodes"]) == ["zh[t]", "h[0]"]
    with pytest.raises(TargetError, match="unknown variable 'W_hh'"):
        elman.to_latex(wrt=["W_hh"])


MAPPINGS = ["explicit", "recursive", "steps", "compact", "closed", "total", "recurrences", "gradients"]


@pytest.mark.parametrize("attr", MAPPINGS)
def test_mappings_take_a_node_its_text_or_its_name(elman, attr):
    import sympy

    from orderdiff.blocks.nodes import node_text

    m = getattr(elman, attr)
    assert list(m) == [v for v in elman.order if v in m] and len(m) > 0
    for v in m:
        assert m[node_text(v)] == m[v] and node_text(v) in m
        if not v.time or v.time[0] == sympy.Symbol("t", integer=True):
            assert m[v.name] == m[sympy.Symbol(v.name)] == m[v]
    assert ("h[0]" in m) == (elman.system.var("h", 0) in m)
    assert "h[1]" not in m and elman.system.var("h", 1) not in m and "nothing" not in m


def test_mappings_keep_their_keys_and_take_steps_unrolled(elman, elman2):
    zh = elman.system.var("zh")
    assert elman.recurrences[zh] == elman.recurrences["zh"] == elman.recurrences["zh[t]"]
    h, h0 = elman.system.var("h"), elman.system.var("h", 0)
    assert elman.steps["h"] is elman.steps[h] and elman.steps["h[0]"] is elman.steps[h0]
    assert elman.steps["h"].terms != elman.steps["h[0]"].terms  # h[t] and h[0] are two nodes
    assert elman2.recursive["h[2]"] == elman2.recursive[elman2.system.var("h", 2)]
    assert "h" not in elman2.recursive  # unrolled, a bare name is no one node
    with pytest.raises(KeyError):
        elman2.recursive["h"]
    assert elman.steps["W_ih"].terms == elman.steps[elman.system.var("W_ih")].terms
