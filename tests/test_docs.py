"""The docs show real output: every console and python block of docs/*.md and the
README is re-run.

A ``console`` block holds commands (lines starting with ``$ ``) each followed by its
expected output; a ``python`` block followed directly by a ``text`` block must print
that text. Commands run in a copy of docs/examples/ (where ``examples/`` is the
repository's examples), with ``orderdiff`` running this checkout under this Python.
A python block that imports torch runs where PyTorch is installed (it is optional).
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = tmp_path_factory.mktemp("docs")
    for item in (ROOT / "docs" / "examples").iterdir():
        if item.name != "examples":
            shutil.copy(item, work / item.name)
    shutil.copytree(ROOT / "examples", work / "examples")
    bin_dir = work / ".bin"
    bin_dir.mkdir()
    shim = bin_dir / "orderdiff"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m orderdiff "$@"\n')
    shim.chmod(0o755)
    env = {**os.environ, "COLUMNS": "80", "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT),
           "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    return work, env


def run(args, work, env, **kw):
    return subprocess.run(args, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=120, **kw).stdout


def blocks(path):
    """``(kind, code, expected)`` for each checkable block of one page."""
    found = list(FENCE.finditer(path.read_text(encoding="utf-8")))
    text = path.read_text(encoding="utf-8")
    for k, m in enumerate(found):
        lang, body = m.groups()
        if lang == "console":
            for chunk in re.split(r"^(?=\$ )", body, flags=re.M):
                if chunk.strip():
                    command, _, expected = chunk.partition("\n")
                    yield "console", command[2:], expected
        elif lang == "python" and not body.startswith(">>>"):  # >>> blocks are doctests
            nxt = found[k + 1] if k + 1 < len(found) else None
            follows = nxt is not None and nxt.group(1) == "text" and not text[m.end():nxt.start()].strip()
            yield "python", body, nxt.group(2) if follows else None


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_page_shows_real_output(page, workdir):
    work, env = workdir
    checked = 0
    for kind, code, expected in blocks(page):
        if kind == "console":
            got = run(["bash", "-c", code], work, env)
            got = got if got.endswith("\n") or not got else got + "\n"
            assert got == expected, f"{page.name}: $ {code}"
        elif "import torch" in code and importlib.util.find_spec("torch") is None:
            continue
        else:
            got = run([sys.executable, "-c", code], work, env)
            if expected is not None:
                assert got == expected, f"{page.name}:\n{code}"
        checked += 1
    assert checked or page.name == "index.md"
