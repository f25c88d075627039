"""No user text can escape into generated Python: file names, comments, equations, names.

A block file's name and equations reach the docstring of the module that
``--emit-python`` writes; its names become identifiers there. Each hostile case is
run through the command, the module is run (as a script and on import) in a fresh
directory, and the test asserts that a payload's marker file never appears, that the
docstring shows the text verbatim, and that the numbers are the unmodified example's,
or, for renamed variables, HIPS autograd's on a forward pass written by hand
(tests/rnn_reference.py). Scalar systems are checked on Werbos's (1990) numbers
136, 58, 16, 4. The last part feeds hostile sources to the checks that refuse them.
"""

import ast
import io
import os
import re
import subprocess
import sys
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

import numpy
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import orderdiff
from orderdiff.cli import main
from orderdiff.codegen import compile_function
from orderdiff.pysource import check_module, comment, literal
from rnn_reference import MODELS, NumpyOps, sample

EXAMPLES = Path(__file__).parent.parent / "examples"
PAYLOAD = '__import__("pathlib").Path("pwned").touch()'
BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]

HOSTILE_FILE_NAMES = [
    f'a""";{PAYLOAD};"""b.eqs',
    f"a''';{PAYLOAD};'''b.eqs",
    f'a"\n{PAYLOAD}\n""".eqs',
    f'a"""\r{PAYLOAD}#\r.eqs',
    f'a\\"""\\\\;{PAYLOAD}#\\.eqs',
    f'x\\N{{BULLET}}\\x41\\u0041\\"""{{0}}%s.eqs',
    *(f'"""{c}{PAYLOAD}{c}#""".eqs' for c in BREAKS[3:]),
    f'\u202e""";{PAYLOAD};"""gpj.eqs',
    "L" * 150 + f'""";{PAYLOAD};"""' + "L" * 40 + ".eqs",
]

# examples/elman.eqs with its names as fields, to rename them all at once
ELMAN = """dim {n_x}, {n_h}, {n_y}
input {x}[t]: {n_x}
input {yhat}[t]: {n_y} distribution
param {W_ih}: {n_h}, {n_x} + {n_h}
param {b_ih}: {n_h}
param {W_ho}: {n_y}, {n_h}
param {b_ho}: {n_y}
init {h}[0] = 0

{xc}[t] = concat({x}[t], {h}[t-1])
{zh}[t] = {W_ih} @ {xc}[t] + {b_ih}
{h}[t] = tanh({zh}[t])
{zo}[t] = {W_ho} @ {h}[t] + {b_ho}
{y}[t] = softmax({zo}[t])
{C} = sum_t(cross_entropy({yhat}[t], {y}[t]))
"""
ELMAN_NAMES = "n_x n_h n_y x yhat W_ih b_ih W_ho b_ho xc zh h zo y C".split()
RENAMINGS = {
    "python": "print rng PARAMS __import__ exec numpy __debug__ loss_and_gradients dict os np gradients "
              "INITS zip range",
    "generated": "n mm cat v0 d_v0 sum0 w0 pre0 tmp0 step0 d_h h h_init d_h_init loss",
    "dunders": "__builtins__ __name__ __file__ match case type _ __class__ __doc__ __spec__ __annotations__ "
               "carry lax T B",
    "guard": "fits LABELS ProgramShapeError ValueError shape x name a e parts rows start lead g rank",
}

WERBOS = "{z2} = 2*{z1}\n{z3} = 3*{z2} + {z1}\n{z4} = 4*{z3} + 2*{z2} + {z1}\n{E} = 4*{z4} + 2*{z2}\n"
WERBOS_ORDERED = {"z1": 136.0, "z2": 58.0, "z3": 16.0, "z4": 4.0, "E": 1.0}  # Werbos (1990)


def invoke(args):
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.output
    return result


def emit(eqs, out):
    result = invoke(["derive", str(eqs), "--emit-python", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def run_module(module, cwd):
    """stdout of ``module`` run as a script, after importing it once; both with ``cwd`` as directory."""
    code = f"import sys; sys.path.insert(0, {str(module.parent)!r}); import {module.stem}"
    imported = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == ""
    done = subprocess.run([sys.executable, str(module)], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def working_directory(path):
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_in_process(text, cwd):
    """stdout of the module ``text`` run as ``__main__`` in this process, with ``cwd`` as directory."""
    out = io.StringIO()
    with working_directory(cwd), redirect_stdout(out):
        exec(compile(text, "bptt.py", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def numbers(stdout):
    return re.findall(r"-?\d+\.\d+", stdout)


def assert_plain_module(text):
    """Checked here without orderdiff's own check: one docstring, numpy imported, no escape hatch."""
    tree = ast.parse(text)
    first, *rest = tree.body
    assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    assert all(isinstance(s, (ast.Import, ast.FunctionDef, ast.Assign, ast.If)) for s in rest)
    imports = [a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names]
    assert imports == ["numpy"]
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert not names & {"__import__", "exec", "eval", "open", "compile", "getattr", "globals", "breakpoint"}
    assert not any(isinstance(n, ast.Attribute) and n.attr.startswith("_") for n in ast.walk(tree))
    return first.value.value


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """What the module of the unmodified examples/elman.eqs prints."""
    work = tmp_path_factory.mktemp("reference")
    text = emit(EXAMPLES / "elman.eqs", work / "bptt.py")
    return text, run_module(work / "bptt.py", work)


def assert_harmless(tmp_path):
    assert not list(tmp_path.rglob("pwned")) and not Path("pwned").exists()


# ----- file names ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", HOSTILE_FILE_NAMES, ids=range(len(HOSTILE_FILE_NAMES)))
def test_a_hostile_file_name_is_shown_and_never_run(tmp_path, reference, name):
    src, out, run = tmp_path / "src", tmp_path / "out", tmp_path / "run"
    for d in (src, out, run):
        d.mkdir()
    eqs = src / name
    eqs.write_text((EXAMPLES / "elman.eqs").read_text(encoding="utf-8"), encoding="utf-8")
    text = emit(eqs, out / "bptt.py")
    doc = assert_plain_module(text)
    assert f"Backpropagation through time for {eqs}, generated by orderdiff." in doc
    assert run_module(out / "bptt.py", run) == reference[1]
    assert_harmless(tmp_path)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.text(st.characters(exclude_categories=()), max_size=6),
                          st.sampled_from(['"""', "'''", "\\", "#", "\x00", PAYLOAD, "\\N{", "\\x", "{", *BREAKS])),
                min_size=1, max_size=8).map("".join).filter(bool))
def test_any_file_name_reads_back_verbatim(tmp_path_factory, reference, name):
    work = tmp_path_factory.mktemp("names")
    d = orderdiff.derive(orderdiff.parse((EXAMPLES / "elman.eqs").read_text(encoding="utf-8"), file=name))
    text = d.python_module()
    text.encode("utf-8")  # lone surrogates in the name are escaped: the module can be written
    assert f"Backpropagation through time for {name}, generated by orderdiff." in assert_plain_module(text)
    assert run_in_process(text, work) == reference[1]
    assert_harmless(work)


# ----- comments and equation text ------------------------------------------------------------

def hostile_elman():
    """examples/elman.eqs with payloads in comments, odd whitespace between tokens, a
    continuation, Windows line ends."""
    lines = (EXAMPLES / "elman.eqs").read_text(encoding="utf-8").splitlines()
    out = [f'# """; {PAYLOAD}; """', f"# '''{PAYLOAD}\x00\u2028\x0c\x85{PAYLOAD}", "#\\"]
    for line in lines:
        if line.startswith("h[t]"):
            line = "h[t]\x0b\x0c=\u3000tanh(zh[t])\x1c\x85"
        if line.startswith("zo[t]"):
            line = "zo[t] = W_ho @ h[t] \\\r\n    + b_ho  # \\"
        out.append(line + f'  # """{PAYLOAD}"""\\')
    return "\r\n".join(out) + "\r\n"


def test_hostile_comments_and_whitespace_change_nothing(tmp_path, reference):
    eqs = tmp_path / "elman.eqs"
    eqs.write_bytes(hostile_elman().encode("utf-8"))
    text = emit(eqs, tmp_path / "bptt.py")
    doc = assert_plain_module(text)
    assert "    h[t] = tanh(zh[t])\n" in doc and "    zo[t] = W_ho @ h[t] + b_ho\n" in doc
    assert PAYLOAD not in text
    assert text.split("import numpy", 1)[1] == reference[0].split("import numpy", 1)[1]
    assert run_module(tmp_path / "bptt.py", tmp_path) == reference[1]
    assert_harmless(tmp_path)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.text(st.characters(exclude_categories=(), exclude_characters="\n\r"), max_size=40))
def test_any_comment_stays_out_of_the_module(tmp_path_factory, reference, text):
    work = tmp_path_factory.mktemp("comments")
    eqs = "\n".join(f"{line}#{text}" for line in ELMAN.format(**{k: k for k in ELMAN_NAMES}).splitlines())
    module = orderdiff.derive(orderdiff.parse(eqs, file="elman.eqs")).python_module()
    assert_plain_module(module)
    assert run_in_process(module, work) == reference[1]
    assert_harmless(work)


def test_a_nul_in_an_equation_is_refused_at_its_column(tmp_path):
    eqs = tmp_path / "elman.eqs"
    eqs.write_text((EXAMPLES / "elman.eqs").read_text(encoding="utf-8").replace("tanh(zh[t])", "tanh(\x00zh[t])"))
    result = invoke(["derive", str(eqs), "--emit-python", str(tmp_path / "bptt.py")])
    line = next(k for k, s in enumerate(eqs.read_text().splitlines(), 1) if "\x00" in s)
    assert result.exit_code == 1
    assert f"{eqs}:{line}:" in result.output and "unexpected character '\\x00'" in result.output
    assert not (tmp_path / "bptt.py").exists()


# ----- identifiers ---------------------------------------------------------------------------

def autograd_reference(names):
    """Loss and gradients of examples/elman.eqs by HIPS autograd, keyed by ``names``' renaming."""
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    model = MODELS["elman"]
    params, inputs, init = sample(model, seed=11)
    ops = NumpyOps(anp)

    def objective(leaves):
        return model.loss(ops, leaves["params"], inputs, leaves["init"])

    leaves = {"params": params, "init": init}
    grads = autograd.grad(objective)(leaves)
    rename = {**names, "h[0]": names["h"] + "[0]"}
    return (objective(leaves), {rename[k]: v for k, v in params.items()}, {rename[k]: v for k, v in inputs.items()},
            {rename[k]: v for k, v in init.items()},
            {rename[k]: v for k, v in {**grads["params"], **grads["init"]}.items()})


@pytest.mark.parametrize("kind", RENAMINGS)
def test_names_python_or_the_module_use_are_renamed_and_the_numbers_hold(tmp_path, reference, kind):
    names = dict(zip(ELMAN_NAMES, RENAMINGS[kind].split()))
    eqs = tmp_path / "renamed.eqs"
    eqs.write_text(ELMAN.format(**names), encoding="utf-8")
    text = emit(eqs, tmp_path / "renamed_bptt.py")
    assert_plain_module(text)
    assert numbers(run_module(tmp_path / "renamed_bptt.py", tmp_path)) == numbers(reference[1])
    loss, params, inputs, init, expected = autograd_reference(names)
    namespace = {"__name__": "renamed_bptt"}
    exec(compile(text, "renamed_bptt.py", "exec"), namespace)
    d = orderdiff.derive(orderdiff.load(str(eqs)))
    for run in (namespace["loss_and_gradients"], d.lambdify()):
        got_loss, grads = run(params, inputs, init)
        numpy.testing.assert_allclose(got_loss, loss, rtol=1e-9)
        assert set(grads) == set(expected)
        for k, g in expected.items():
            numpy.testing.assert_allclose(grads[k], g, rtol=1e-9, atol=1e-12, err_msg=k)
    for backend in ("numpy", "torch", "jax"):  # each program passes the check of its source
        compile(d.numpy_source(readable=True, backend=backend), "gradients.py", "exec")
    assert_harmless(tmp_path)


@pytest.mark.parametrize("name, where", [
    ("lambda", "lambdas are not supported"), ("def", "Python keywords are not supported"),
    ("class", "Python keywords are not supported"), ("import", "Python keywords are not supported"),
    ("None", "Python keywords are not supported"), ("True", "Python keywords are not supported"),
    ("é", "names are ASCII letters"), ("ℌ", "names are ASCII letters"), ("ｘ", "names are ASCII letters"),
])
@pytest.mark.parametrize("block", [True, False], ids=["block", "scalar"])
def test_keywords_and_unicode_names_are_refused_where_they_stand(tmp_path, name, where, block):
    if block:
        text = ELMAN.format(**{k: k for k in ELMAN_NAMES}).replace("zh", name)
        line = next(k for k, s in enumerate(text.splitlines(), 1) if s.startswith(f"{name}[t]"))
    else:
        text, line = WERBOS.format(z1="z1", z2="z2", z3="z3", z4=name, E="E"), 3
    eqs = tmp_path / "names.eqs"
    eqs.write_text(text, encoding="utf-8")
    result = invoke(["derive", str(eqs), "--emit-python", str(tmp_path / "bptt.py")])
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(str(eqs))}:{line}:\d+: .*{re.escape(where)}", result.output), result.output
    assert not (tmp_path / "bptt.py").exists()


@pytest.mark.parametrize("names", [
    "__import__ exec numpy print",
    "override ov sweep forward",
    "v0 g1 p0 t0",
    "v3 __builtins__ __debug__ _",
])
def test_scalar_names_never_reach_the_compiled_sweep(names):
    z1, z2, z3, z4 = names.split()
    d = orderdiff.derive(orderdiff.parse(WERBOS.format(z1=z1, z2=z2, z3=z3, z4=z4, E="E")
                                         + f'# """{PAYLOAD}\n'))
    renamed = dict(zip(["z1", "z2", "z3", "z4", "E"], [z1, z2, z3, z4, "E"]))
    out = d.lambdify()(numpy.array([0.5, -2.0]))
    for v, expected in WERBOS_ORDERED.items():
        assert out[renamed[v]].tolist() == [expected, expected]
        assert d.evaluate({z1: 0.5}).total[renamed[v]] == expected
    source = d.numpy_source()
    identifiers = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    assert all(re.fullmatch(r"[vgpt]\d+|numpy", i) for i in identifiers), identifiers
    assert "pwned" not in source


# ----- the renderers and the checks ----------------------------------------------------------

@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.text(st.characters(exclude_categories=()), max_size=60))
def test_literal_reads_back_exactly_and_comment_stays_one_line(text):
    rendered = literal(text)
    assert ast.literal_eval(rendered) == text
    tree = ast.parse(f"{rendered}\nx = 1\n")
    assert [type(s) for s in tree.body] == [ast.Expr, ast.Assign]
    assert len(rendered.splitlines()) == text.count("\n") + 1  # no line break but the text's own
    assert len(comment(text).splitlines()) == 1
    assert ast.parse(f"{comment(text)}\nx = 1\n").body[0].targets[0].id == "x"


def test_the_hole_this_closes_is_refused_by_the_check():
    doc = 'Backpropagation through time for a""";__import__("os").system("touch pwned");"""b.eqs.'
    broken = f'"""{doc}"""\nimport numpy\n'
    with pytest.raises(AssertionError, match="docstring"):
        check_module(broken, docstring=doc)
    check_module(f"{literal(doc)}\nimport numpy\n", docstring=doc)


GOOD = "import numpy\n\n\ndef mm(x, a):\n    return x @ a\n\n\ndef gradients(W, x):\n    return mm(x, W)\n"


@pytest.mark.parametrize("source, why", [
    ("import os\n", "imports something but numpy"),
    ("from numpy import linalg\n", "ImportFrom"),
    ("import numpy as np\n", "imports something but numpy"),
    ('__import__("os")\n', "calls __import__"),
    ('x = __import__\n', "reaches __import__"),
    ("import numpy\nx = numpy.__class__\n", "attribute __class__"),
    ("import numpy\nx = numpy.ones(2)._data\n", "attribute _data"),
    ("print = 3\n", "rebinds print"),
    ("def f(range):\n    return range\n", "rebinds range"),
    (GOOD + "\n\ndef f():\n    mm = 1\n    return mm\n", "rebinds mm"),
    (GOOD + "numpy = 3\n", "rebinds numpy"),
    ("import numpy\nx = 1\nif __name__ == '__main__':\n    x = 2\n", "binds x twice"),
    ("f = lambda: 0\n", "Lambda"),
    ("class A:\n    pass\n", "ClassDef"),
    ("import numpy\n'a stray string'\n", "neither a call nor a docstring"),
    ("x = y\n", "reaches y"),
    ("exec('1')\n", "calls exec"),
    ("def f():\n    raise SystemExit(0)\n", "calls SystemExit"),
    ("def f():\n    raise KeyboardInterrupt\n", "reaches KeyboardInterrupt"),
    ("def f(a, a):\n    return a\n", "does not compile"),
])
def test_the_check_refuses_what_no_generator_writes(source, why):
    with pytest.raises(AssertionError, match=re.escape(why)):
        check_module(source, provided=("lax",))
    check_module(GOOD, provided=("lax",))


@pytest.mark.parametrize("source", [
    'def sweep(v0):\n    return __import__("os")\n',
    "def sweep(v0):\n    t0 = 'text'\n    return t0\n",
    "def sweep(v0):\n    return v0\ndef forward(v0):\n    return v0\n",
    "def sweep(x):\n    return x\n",
    "def sweep(v0):\n    return numpy.load(v0)\n",
    "def sweep(v0):\n    return (lambda: v0)()\n",
])
def test_the_compiled_sweep_is_refused_unless_it_reaches_only_generated_names(source):
    with pytest.raises(AssertionError, match="generated code"):
        compile_function(source)
    assert compile_function("def sweep(v0):\n    return numpy.tanh(v0), numpy.float64('inf')\n")(0.0)[0] == 0.0
