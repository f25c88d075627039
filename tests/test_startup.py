"""What each ``orderdiff`` command imports, and the package's names that load on first use.

The command runs in a fresh interpreter under ``python -X importtime``, whose report
names every module the run imported; ``--help`` must load none of sympy, NumPy,
networkx or matplotlib, and each command only what it uses. These are checks of
structure, not of time: the timings are in the benchmarks.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
HEAVY = {"sympy", "numpy", "networkx", "matplotlib"}
IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)$", re.M)


def imported(args, tmp_path):
    """The modules a run of ``python -m orderdiff ARGS`` imported (after the interpreter's own)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "orderdiff", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(IMPORTED.findall(done.stderr))


def run_python(code, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("command", [[], ["derive"], ["check"], ["graph"], ["rnn"]],
                         ids=["orderdiff", "derive", "check", "graph", "rnn"])
def test_help_imports_no_heavy_library(tmp_path, command):
    modules = imported([*command, "--help"], tmp_path)
    assert "orderdiff.cli" in modules and "click" in modules  # the report is read right
    assert not modules & HEAVY, sorted(modules & HEAVY)


def test_printing_the_preset_imports_no_heavy_library(tmp_path):
    modules = imported(["rnn", "--print-eqs"], tmp_path)
    assert not modules & HEAVY, sorted(modules & HEAVY)


@pytest.mark.parametrize("args", [["derive", "werbos.eqs"], ["derive", "werbos.eqs", "--format", "json"],
                                  ["derive", "werbos.eqs", "--format", "latex", "--no-figure"],
                                  ["check", "werbos.eqs"]],
                         ids=["derive", "json", "latex-without-figure", "check"])
def test_a_scalar_file_loads_no_picture_and_no_block_code(tmp_path, args):
    modules = imported([str(EXAMPLES / a) if a.endswith(".eqs") else a for a in args], tmp_path)
    assert {"sympy", "numpy", "networkx"} <= modules  # the run did derive
    unwanted = {m for m in modules if m.split(".")[0] == "matplotlib" or m.startswith("orderdiff.pictures")
                or m in ("orderdiff.blocks.codegen", "orderdiff.blocks.program", "orderdiff.blocks.guard",
                         "orderdiff.blocks.emitted", "orderdiff.blocks.derivation")}
    assert not unwanted, sorted(unwanted)


def test_a_picture_loads_matplotlib(tmp_path):
    modules = imported(["graph", str(EXAMPLES / "werbos.eqs"), "-o", "werbos.png"], tmp_path)
    assert "matplotlib" in modules
    assert (tmp_path / "werbos.png").stat().st_size > 0


def test_importing_the_package_loads_no_heavy_library(tmp_path):
    out = run_python("import sys, orderdiff\n"
                     "print(sorted(m for m in {'sympy', 'numpy', 'networkx', 'matplotlib'} if m in sys.modules))",
                     tmp_path)
    assert out == "[]\n"


def test_public_names_load_on_first_use(tmp_path):
    # Importing the modules orderdiff.derive and orderdiff.parse first binds them on the package,
    # where the functions of the same names must stay.
    code = ("import orderdiff.derive, orderdiff.parse\n"
            "from orderdiff import load, derive, parse, System, Derivation, Dplus, TargetError\n"
            "print(orderdiff.derive is derive, orderdiff.parse is parse, callable(orderdiff.derive))\n"
            "d = orderdiff.derive(orderdiff.parse('z2 = 2*z1\\nE = 4*z2 + z1'))\n"
            "print(d.total['z1'], type(d) is orderdiff.Derivation)\n"
            "print(set(orderdiff.__all__) <= set(dir(orderdiff)))\n")
    assert run_python(code, tmp_path) == "True True True\n9 True\nTrue\n"


def test_an_unknown_name_is_an_attribute_error():
    import orderdiff

    with pytest.raises(AttributeError, match="has no attribute 'drive'"):
        orderdiff.drive  # noqa: B018


def test_every_public_name_resolves():
    import orderdiff

    assert all(getattr(orderdiff, name) is not None for name in orderdiff.__all__)


def test_the_options_show_the_library_defaults():
    from orderdiff import cli, derivation
    from orderdiff.derive import DEFAULT_MAX_SIZE

    assert cli.FORMS == derivation.FORMS
    assert cli.DEFAULT_MAX_SIZE == DEFAULT_MAX_SIZE
