"""A block file run as its user runs it: ``orderdiff check``, and the module that
``--emit-python`` writes, as a program of its own."""

import subprocess
import sys

from click.testing import CliRunner

from orderdiff.cli import main


def check_and_run_module(path):
    """``orderdiff check`` on ``path`` passes, and its emitted module runs; the check's output."""
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0 and "OK: all" in result.output, result.output
    module = path.parent / "bptt.py"
    assert CliRunner().invoke(main, ["derive", str(path), "--emit-python", str(module)]).exit_code == 0
    run = subprocess.run([sys.executable, str(module)], capture_output=True, text=True, cwd=path.parent, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("loss "), run.stderr
    return result.output
