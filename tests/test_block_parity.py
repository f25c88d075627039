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
    ("only-dimensions", "dim n\n  dim m, k\n", [], 2, 3, r"the file has no equations"),
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
BLOCK_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("*.eqs") if orderdiff.load(str(p)).algebra == "block")


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
    # as in a scalar file's JSON, the target is the last of the order and a node, d+C/dC = 1
    assert doc["order"][-1] == doc["target"] and doc["target"] not in doc["order"][:-1]
    assert doc["nodes"][doc["target"]]["total"] == doc["nodes"][doc["target"]]["explicit"] == "1"
    assert set(doc["nodes"]) == set(doc["order"])


# ----- the API: the keywords of Derivation, mappings keyed by name ---------------------------------

@pytest.mark.parametrize("method", ["to_text", "to_latex", "to_json", "json_pieces"])
def test_both_kinds_of_file_derive_to_one_class_whose_views_take_one_set_of_keywords(method, elman):
    import inspect

    scalar = orderdiff.derive(orderdiff.parse("y = 3*x"))
    assert type(scalar) is type(elman) is orderdiff.Derivation
    params = inspect.signature(getattr(orderdiff.Derivation, method)).parameters
    assert {"form", "values", "wrt"} <= set(params)
    assert all(p.kind == inspect.Parameter.KEYWORD_ONLY for k, p in params.items() if k != "self")


def test_a_block_derivation_gives_its_json_in_pieces_as_a_scalar_one_does(elman):
    assert "".join(elman.json_pieces(form="closed")) == elman.to_json()
    with pytest.raises(ValueError, match="need arrays"):
        elman.json_pieces(values={"x": 1.0})


def test_the_default_form_is_closed_generic_and_recursive_unrolled(elman, elman2):
    assert elman.to_text(form="closed") == elman.to_text()
    assert elman.to_json(form="closed") == elman.to_json()
    assert elman2.to_text(form="recursive") == elman2.to_text()
    assert elman2.to_latex(form="recursive") == elman2.to_latex()
    assert elman.form("recursive") is elman.recursive
    assert dict(elman.form()) == dict(elman.closed) == dict(elman.total) == {**elman.compact, **elman.substituted}
    assert list(elman.closed) == list(elman.order) and not set(elman.compact) & set(elman.substituted)


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
    import sympy

    assert elman.to_json(wrt="zh") == elman.to_json(wrt=sympy.Symbol("zh")) == elman.to_json(wrt=["zh"])
    assert list(json.loads(by_name)["nodes"]) == ["zh[t]", "h[0]"]
    assert list(json.loads(elman.to_json(wrt=["C", "zh"]))["nodes"]) == ["C", "zh[t]"]
    with pytest.raises(TargetError, match="unknown variable 'W_hh'"):
        elman.to_latex(wrt=["W_hh"])


def elman_forward(np, p, x, yhat, nudge):
    """C of examples/elman.eqs for one sequence, written from the equations; ``nudge`` adds its
    arrays to zh[t], h[t] and zo[t], so the gradient with respect to each is d+C/dv at v[t]."""
    h, C, values = np.zeros(p["W_ho"].shape[1]), 0.0, []
    for t in range(x.shape[0]):
        xc = np.concatenate([x[t], h])
        zh = p["W_ih"] @ xc + p["b_ih"] + nudge["zh"][t]
        h = np.tanh(zh) + nudge["h"][t]
        zo = p["W_ho"] @ h + p["b_ho"] + nudge["zo"][t]
        y = np.exp(zo) / np.sum(np.exp(zo))
        C = C - np.sum(yhat[t] * np.log(y))
        values.append({"xc": xc, "zh": zh, "h": h, "zo": zo, "y": y})
    return C, values


def test_closed_forms_of_nodes_without_a_recurrence_agree_with_autograd(elman):
    """d+C/dh[t], d+C/dx[t], d+C/dxc[t] and d+C/dy[t] in the kept adjoints d+C/dzh, d+C/dzo, at numbers:
    autograd's gradients of the loss with respect to those nodes, at every step."""
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    from test_blocks import interpret

    from orderdiff.blocks import expr as B

    n_x, n_h, n_y, T = 3, 4, 5, 4
    rng = numpy.random.default_rng(11)
    p = {"W_ih": 0.5 * rng.normal(size=(n_h, n_x + n_h)), "b_ih": 0.1 * rng.normal(size=n_h),
         "W_ho": 0.5 * rng.normal(size=(n_y, n_h)), "b_ho": 0.1 * rng.normal(size=n_y)}
    x, yhat = rng.normal(size=(T, n_x)), rng.dirichlet(numpy.ones(n_y), size=T)  # yhat: a distribution
    nudge = {"zh": numpy.zeros((T, n_h)), "h": numpy.zeros((T, n_h)), "zo": numpy.zeros((T, n_y))}
    _, steps = elman_forward(numpy, p, x, yhat, nudge)
    grad = autograd.grad(lambda n: elman_forward(anp, p, x, yhat, n)[0])(nudge)
    grad_x = autograd.grad(lambda x: elman_forward(anp, p, x, yhat, nudge)[0])(x)
    values = {(k, None): v for k, v in p.items()}
    values.update({("h", 0): numpy.zeros(n_h)})
    values.update({(k, t + 1): v for t, step in enumerate(steps) for k, v in step.items()})
    values.update({("x", t + 1): x[t] for t in range(T)} | {("yhat", t + 1): yhat[t] for t in range(T)})
    kept = {(k, t + 1): grad[k][t] for k in ("zh", "zo") for t in range(T)}
    kept.update({("zh", T + 1): numpy.zeros(n_h), ("zo", T + 1): numpy.zeros(n_y)})  # 0 past T
    dims = {s: {"n_x": n_x, "n_h": n_h, "n_y": n_y}[name] for name, s in elman.system.dims.items()}
    assert {"h", "x", "xc", "y"} <= {v.name for v in elman.substituted}
    for t in range(1, T + 1):
        at = {name: interpret(B.at_time(elman.closed[name], t), values, kept, dims) for name in ("h", "x", "xc", "y")}
        numpy.testing.assert_allclose(at["h"], grad["h"][t - 1], rtol=1e-10, atol=1e-12)
        numpy.testing.assert_allclose(at["x"], grad_x[t - 1], rtol=1e-10, atol=1e-12)
        # xc[t] = concat(x[t], h[t-1]): its first n_x rows are x[t]'s
        numpy.testing.assert_allclose(at["xc"][:n_x], grad_x[t - 1], rtol=1e-10, atol=1e-12)
        # y[t]: the loss's own share, -yhat/y, the only use of y
        numpy.testing.assert_allclose(at["y"], -yhat[t - 1] / steps[t - 1]["y"], rtol=1e-12)


MAPPINGS = ["explicit", "recursive", "steps", "compact", "closed", "total", "recurrences", "gradients",
            "substituted"]


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


# ----- --wrt and --form through the command -------------------------------------------------------

def derive_ascii(*options):
    result = invoke(["derive", *options, "--ascii"])
    assert result.exit_code == 0, result.output
    return result.output


def section(text, title):
    """The lines of the section of ``text`` that starts with ``title``, up to the blank line."""
    return text.split("\n" + title, 1)[1].split("\n\n", 1)[0].splitlines()[1:]


def lhs(lines):
    """The ordered derivatives a section defines: ``d+C/dzh[t]`` of ``d+C/dzh[t] = ...``."""
    return [line.split(" = ", 1)[0] for line in lines if line.startswith("d+C/d")]


def test_wrt_through_the_command_is_the_api(elman, tmp_path):
    out = tmp_path / "out.txt"
    assert invoke(["derive", ELMAN, "--wrt", "W_ih,h[0]", "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == elman.to_text(wrt=["W_ih", "h[0]"])


def test_wrt_a_parameter_shows_its_gradient_and_the_recurrences_it_reads():
    everything = derive_ascii(ELMAN)
    text = derive_ascii(ELMAN, "--wrt", "W_ih")
    assert text.split("Ordered derivatives")[0] == everything.split("Ordered derivatives")[0]  # the network
    assert lhs(section(text, "Ordered derivatives (Eq. 1)")) == ["d+C/dW_ih"]
    assert section(text, "Parameter gradients:") == ["d+C/dW_ih = sum_t(d+C/dzh[t] @ xc[t]^T)"]
    # d+C/dzh[t] reads d+C/dzo[t]: both recurrences, as in the whole derivation
    bptt = section(text, "Backpropagation through time")
    assert lhs(bptt) == lhs(section(everything, "Backpropagation through time")) == ["d+C/dzo[t]", "d+C/dzh[t]"]
    assert "(also shown: d+C/dzo[t], d+C/dzh[t], which the selected forms read)" in bptt


def test_wrt_a_name_is_every_node_of_it_and_an_index_one():
    text = derive_ascii(ELMAN, "--wrt", "h")
    assert lhs(section(text, "Ordered derivatives (Eq. 1)")) == ["d+C/dh[t]", "d+C/dh[0]"]
    assert lhs(section(text, "Parameter gradients:")) == ["d+C/dh[0]"]
    # h[t] keeps no recurrence: its closed form is in the recurrences' adjoints, shown with them
    bptt = section(text, "Backpropagation through time")
    after = bptt[bptt.index("the selected nodes without a recurrence, in the ordered derivatives above:") + 1:]
    assert lhs(after) == ["d+C/dh[t]"] and "d+C/dzh[t+1]" in after[0] and "d+C/dxc" not in after[0]
    assert lhs(bptt) == ["d+C/dzo[t]", "d+C/dzh[t]", "d+C/dh[t]"]
    assert "the selected nodes without a recurrence" not in derive_ascii(ELMAN, "--wrt", "h", "--form", "recursive")
    text = derive_ascii(ELMAN, "--wrt", "h[0], zo")
    assert lhs(section(text, "Ordered derivatives (Eq. 1)")) == ["d+C/dzo[t]", "d+C/dh[0]"]
    assert "(also shown: d+C/dzh[t], which the selected forms read)" in text
    unrolled = derive_ascii(ELMAN, "--steps", "2", "--wrt", "h")
    shown = lhs(section(unrolled, "Ordered derivatives (Eq. 1)"))  # and the nodes they read, back to C
    assert [v for v in shown if v.startswith("d+C/dh[")] == ["d+C/dh[2]", "d+C/dh[1]", "d+C/dh[0]"]
    assert "d+C/dxc[2]" in shown and "d+C/dxc[2]" in unrolled.split("(also shown: ")[1].split(")")[0]
    unrolled = derive_ascii(ELMAN, "--steps", "2", "--wrt", "h[1],C")
    shown = lhs(section(unrolled, "Ordered derivatives (Eq. 1)"))
    assert shown[0] == "d+C/dC" and shown[-1] == "d+C/dh[1]" and "d+C/dh[0]" not in shown


def test_wrt_a_variable_the_target_does_not_depend_on_is_zero(tmp_path):
    path = write(tmp_path, TWO_LOSSES.replace("param w: n\n", "param w: n\nparam u: n\n"))
    text = derive_ascii(path, "--target", "C", "--wrt", "u,D")
    assert section(text, "Ordered derivatives (Eq. 1)")[1:] == ["d+C/du = 0   (C does not depend on u)",
                                                                "d+C/dD = 0   (C does not depend on D)"]
    doc = json.loads(invoke(["derive", path, "--target", "C", "--wrt", "u", "--format", "json"]).output)
    assert doc["nodes"] == {"u": {"shape": ["n"], "explicit": "0", "users": [], "recursive": "0", "total": "0"}}


@pytest.mark.parametrize("steps", [None, 2])
@pytest.mark.parametrize("example", ["elman", "lstm", "gru", "jordan"])
def test_wrt_recursive_shows_eq1_of_every_node_its_forms_read(example, steps):
    """In the recursive form, --wrt one parameter shows its Eq. 1 and that of each node whose
    ordered derivative it reads, back to the target, so that it can be computed."""
    path = str(EXAMPLES / f"{example}.eqs")
    options = ["--form", "recursive", "--format", "json"] + ([] if steps is None else ["--steps", str(steps)])
    whole = json.loads(invoke(["derive", path, *options]).output)
    for name in (d for d, decl in whole["declarations"].items() if decl["kind"] == "param"):
        doc = json.loads(invoke(["derive", path, *options, "--wrt", name]).output)
        assert name in doc["nodes"] and doc["target"] not in doc["nodes"]
        assert all(doc["nodes"][k] == whole["nodes"][k] for k in doc["nodes"])
        read = {m for node in doc["nodes"].values() for m in re.findall(r"d\+C/d(\w+(?:\[[^\]]*\])?)", node["recursive"])}
        shown = set(doc["nodes"]) if steps else {k.split("[")[0] for k in doc["nodes"]}
        read = read if steps else {m.split("[")[0] for m in read}
        assert read - {doc["target"]} <= shown, (name, read - shown)
    text = derive_ascii(path, "--form", "recursive", "--wrt", name, *options[4:])
    assert "which the selected forms read)" in text


@pytest.mark.parametrize("example", ["elman", "lstm", "gru", "jordan"])
def test_wrt_json_shows_every_recurrence_its_forms_read(example):
    """With --wrt one parameter, every adjoint the shown forms read has its recurrence shown."""
    path = str(EXAMPLES / f"{example}.eqs")
    whole = json.loads(invoke(["derive", path, "--format", "json"]).output)
    for name in (d for d, decl in whole["declarations"].items() if decl["kind"] == "param"):
        result = invoke(["derive", path, "--format", "json", "--wrt", name])
        assert result.exit_code == 0, result.output
        doc = json.loads(result.output)
        assert list(doc["nodes"]) == [name] and list(doc["gradients"]) == [name]
        assert doc["gradients"][name] == whole["gradients"][name]
        assert doc["order"] == whole["order"] and doc["inputs"] == whole["inputs"]
        shown = {k.split("[")[0] for k in doc["recurrences"]}
        forms = [doc["gradients"][name]] + [r["form"] for r in doc["recurrences"].values()]
        read = {m for f in forms for m in re.findall(r"d\+C/d(\w+)\[", f)}
        assert read <= shown, (name, read - shown)
        assert all(doc["recurrences"][k] == whole["recurrences"][k] for k in doc["recurrences"])


def test_wrt_latex_shows_the_selected_gradient():
    result = invoke(["derive", ELMAN, "--format", "latex", "--body-only", "--wrt", "b_ho"])
    assert result.exit_code == 0, result.output
    gradients = result.output.split("\\section*{Parameter gradients}")[1]
    assert "\\partial b_{ho}}" in gradients and "\\partial W_{ih}}" not in gradients
    assert "The recurrences of $zo_{t}$ are shown because the selected forms read them." in result.output
    result = invoke(["derive", ELMAN, "--format", "latex", "--body-only", "--wrt", "h"])
    bptt = result.output.split("\\section*{Backpropagation through time}")[1].split("\\section*")[0]
    closed = bptt.split("The selected nodes without a recurrence, in the ordered derivatives above:")[1]
    assert closed.lstrip().startswith("\\begin{align*}\n\\frac{\\partial^{+} C}{\\partial h_{t}} &= W_{ho}^{\\top}")


def test_rnn_takes_wrt_and_form():
    result = invoke(["rnn", "--ascii", "--wrt", "W_ho", "--form", "recursive"])
    assert result.exit_code == 0, result.output
    shown = lhs(section(result.output, "Ordered derivatives (Eq. 1)"))
    assert shown[-1] == "d+C/dW_ho" and "d+C/dzo[t]" in shown  # d+C/dW_ho reads d+C/dzo[t]
    assert f"(also shown: {', '.join(reversed(shown[:-1]))}, which the selected forms read)" in result.output
    assert "Backpropagation" not in result.output and "Parameter gradients" not in result.output


WRT_ERRORS = [
    # id, options, source of the option, column, message (regular expression)
    ("unknown", ["--wrt", "x,W_hh"], "x,W_hh", 3, r"unknown variable 'W_hh' \(did you mean 'W_ih' or 'W_ho'"),
    ("step-of-generic", ["--wrt", "zh, h[1]"], "zh, h[1]", 5,
     r"no node h\[1\] in this derivation; the nodes of h are h\[0\], h\[t\] \(--steps T unrolls"),
    ("step-past-T", ["--steps", "2", "--wrt", "h[3]"], "h[3]", 1,
     r"no node h\[3\] in this derivation; the nodes of h are h\[0\], h\[1\], h\[2\]$"),
    ("index-of-static", ["--wrt", "W_ih[0]"], "W_ih[0]", 1, r"no node W_ih\[0\] .* the nodes of W_ih are W_ih$"),
    ("not-a-node", ["--wrt", "h[t"], "h[t", 1, r"'h\[t' is not a node"),
]


@pytest.mark.parametrize("options, source, col, message", [c[1:] for c in WRT_ERRORS],
                         ids=[c[0] for c in WRT_ERRORS])
def test_wrt_errors_are_located_in_the_option(options, source, col, message):
    for fmt in ("text", "json"):
        result = invoke(["derive", ELMAN, *options, "--format", fmt])
        assert_failed_cleanly(result)
        lines = result.output.splitlines()
        assert lines[0].startswith(f"--wrt:1:{col}: "), lines[0]
        assert re.search(message, lines[0]), lines[0]
        assert lines[1:3] == ["    " + source, "    " + " " * (col - 1) + "^"]


def test_form_recursive_is_eq1_alone():
    recursive = derive_ascii(ELMAN, "--form", "recursive")
    closed = derive_ascii(ELMAN, "--form", "closed")
    assert closed == derive_ascii(ELMAN)
    assert closed.startswith(recursive.split("\nassuming ")[0])
    assert "Backpropagation" not in recursive and "Parameter gradients" not in recursive
    assert "assuming sum(yhat[t]) = 1 for every t" in recursive  # Eq. 1 is simplified with it
    unrolled = derive_ascii(ELMAN, "--steps", "2")
    assert derive_ascii(ELMAN, "--steps", "2", "--form", "recursive") == unrolled


@pytest.mark.parametrize("options, message", [
    (["--form", "inputs"], "the inputs form does not apply to a block file"),
    (["--form", "closed", "--steps", "2"], "unrolled over 2 steps, every node keeps its own ordered derivative"),
])
def test_a_form_that_does_not_apply_is_refused(options, message):
    for command in (["derive", ELMAN], ["rnn"]):
        if command == ["rnn"] and "inputs" in options:
            continue  # the preset's --form offers recursive and closed only
        result = invoke([*command, *options])
        assert_failed_cleanly(result)
        lines = result.output.splitlines()
        assert lines[0].startswith("--form:1:1: " + message), lines[0]
        assert lines[1:3] == ["    " + options[1], "    ^"]


def test_json_form_recursive_holds_eq1_of_the_gradients():
    doc = json.loads(invoke(["derive", ELMAN, "--format", "json", "--form", "recursive"]).output)
    assert (doc["form"], doc["recurrences"]) == ("recursive", {})
    assert list(doc["gradients"]) == ["W_ih", "b_ih", "W_ho", "b_ho", "h[0]"]
    assert all(doc["gradients"][v] == doc["nodes"][v]["recursive"] for v in doc["gradients"])


# ----- one System, one Derivation --------------------------------------------------------------

def test_both_kinds_of_file_read_into_one_system_a_scalar_one_without_time():
    scalar = orderdiff.parse("z2 = 2*z1\nz3 = 3*z2 + z1\nE = z3^2 + z2")
    block = orderdiff.load(ELMAN)
    assert type(scalar) is type(block) is orderdiff.System
    assert (scalar.algebra, block.algebra) == ("scalar", "block")
    assert scalar.declarations == scalar.dims == scalar.inits == scalar.lags == {}
    assert (scalar.timed, scalar.after) == ((), ())
    assert scalar.before == tuple(scalar.equations) == scalar.order[1:]
    assert [str(v) for v in scalar.leaves] == ["z1"] and scalar.inputs == scalar.leaves
    assert block.lags == {"h": 1} and block.timed == ("xc", "zh", "h", "zo", "y")
    assert block.after == ("C",) and block.before == ()
    assert [d.name for d in block.inputs] == ["x", "yhat"]
    # one graph: an edge per use, with its lag; a scalar system's are all within one step
    assert {k for _, _, k in scalar.graph.edges(data="lag")} == {0}
    assert ("h", "xc", 1) in {(u, v, k) for u, v, k in block.graph.edges(data="lag")}
    assert scalar.sinks() == [scalar.resolve("E")] and block.sinks() == ["C"]


def test_a_scalar_equation_and_a_block_one_are_one_class_written_as_the_file_writes_them():
    scalar = orderdiff.parse("y = 3*x\nE = y^2")
    block = orderdiff.load(ELMAN)
    assert type(scalar.equations[scalar.resolve("y")]) is type(block.equations["h"]) is orderdiff.Equation
    assert scalar.equations[scalar.resolve("E")].written == "E = y^2"
    assert block.equations["h"].written == "h[t] = tanh(zh[t])"
    assert block.equations["xc"].lagged == [("h", 1)] and not scalar.equations[scalar.resolve("E")].lagged


def test_what_one_algebra_has_no_meaning_for_is_refused_with_what_to_use(elman):
    scalar = orderdiff.derive(orderdiff.parse("y = 3*x\nE = y^2"))
    with pytest.raises(ValueError, match="scalar system has no time"):
        orderdiff.derive(scalar.system, steps=2)
    with pytest.raises(ValueError, match="NumPy's, in float64"):
        scalar.lambdify(backend="torch")
    with pytest.raises(ValueError, match="one spelling"):
        scalar.numpy_source(backend="jax")
    with pytest.raises(ValueError, match="generated for block files"):
        scalar.python_module()
    with pytest.raises(ValueError, match="need arrays"):
        elman.evaluate({"x": 1.0})
    with pytest.raises(ValueError, match="leave out wrt"):
        elman.lambdify(["W_ih"])
    with pytest.raises(AttributeError, match="a scalar derivation has no attribute 'compact'"):
        scalar.compact
    with pytest.raises(AttributeError, match="a block derivation has no attribute 'in_inputs'"):
        elman.in_inputs
    assert {"compact", "recurrences", "gradients"} <= set(dir(elman)) and "partials" in dir(scalar)
