"""orderdiff's modules import one way: the layers contract in pyproject.toml holds, and names them all.

The contract (import-linter's ``layers``) lists the modules from the command line down to the
names every module shares; each may import only the layers below its own. A module missing
from the list would escape the check, so every module of the package must be named in it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return layers


def layer_modules():
    """The modules the layers name, each with its layer's position (0: the top)."""
    return {name.strip(): k for k, layer in enumerate(contract()["layers"])
            for name in layer.replace("|", ":").split(":")}


def package_modules():
    """The package's modules; a package whose ``__init__`` is empty is only its modules."""
    names = set()
    for path in (ROOT / "orderdiff").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__" and not path.read_text().strip():
            continue
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names - {"orderdiff"}


def covered(module, named):
    return any(module == n or module.startswith(n + ".") for n in named)


def test_every_module_is_in_a_layer():
    named = layer_modules()
    assert not sorted(m for m in package_modules() if not covered(m, named))
    assert not sorted(n for n in named if n not in package_modules())


def test_the_layers_run_from_the_command_line_down():
    named = layer_modules()
    assert named["orderdiff.__main__"] < named["orderdiff.cli"] < named["orderdiff.api"]
    order = ["orderdiff.api", "orderdiff.documents", "orderdiff.pictures", "orderdiff.codegen",
             "orderdiff.printers", "orderdiff.derivation", "orderdiff.forms", "orderdiff.derive", "orderdiff.sweep",
             "orderdiff.parse", "orderdiff.system", "orderdiff.graph", "orderdiff.errors"]
    assert [named[m] for m in order] == sorted(named[m] for m in order)
    assert len({named[m] for m in order}) == len(order)


@pytest.mark.skipif(shutil.which("lint-imports") is None and not (Path(sys.executable).parent / "lint-imports").exists(),
                    reason="import-linter is not installed (pip install -e '.[test]')")
def test_the_imports_keep_the_contract():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_every_package_is_installed():
    """``pip install .`` ships the packages pyproject.toml lists: each of orderdiff's must be there."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.relative_to(ROOT).parts[:-1]) for p in (ROOT / "orderdiff").rglob("__init__.py")}
    assert found == listed
