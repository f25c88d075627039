"""The ``orderdiff`` command: parse options, call the library, print.

Bad input (an :class:`~orderdiff.errors.OrderdiffError`) prints as
``FILE:LINE:COL: message`` with the line and a caret, and exits with status 1.
"""

from __future__ import annotations

import re
import sys

import click

from . import check as checking
from .derivation import FORMS
from .derive import DEFAULT_MAX_SIZE, derive
from .errors import OrderdiffError, ValueInputError
from .parse import load

NUMBER = r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|nan)"
ASSIGNMENT = re.compile(rf"\s*([A-Za-z_]\w*)\s*=\s*({NUMBER})\s*(?:,|$)")


def parse_assignments(text, option="--at"):
    """``'z1=0.5,x=2'`` → ``{'z1': 0.5, 'x': 2.0}``; errors point into ``text``."""
    values, pos = {}, 0
    while pos < len(text):
        m = ASSIGNMENT.match(text, pos)
        if not m:
            name = re.match(r"\s*([A-Za-z_]\w*)\s*=", text[pos:])
            message = (f"expected a number after '{name.group(1)}='" if name
                       else "expected NAME=NUMBER, e.g. z1=0.5,x=2")
            col = pos + (name.end() if name else len(text[pos:]) - len(text[pos:].lstrip())) + 1
            raise ValueInputError(message, file=option, line=1, col=col, source=text)
        if m.group(1) in values:
            raise ValueInputError(f"'{m.group(1)}' is given twice", file=option, line=1,
                                  col=m.start(1) + 1, source=text)
        values[m.group(1)] = float(m.group(2))
        pos = m.end()
    if not values:
        raise ValueInputError("no values given (expected NAME=NUMBER, e.g. z1=0.5,x=2)",
                              file=option, line=1, col=1, source=text)
    return values


def split_names(text):
    return [n.strip() for n in text.split(",") if n.strip()] if text else None


def fail(error, file):
    click.echo(error.located(file).format(), err=True)
    sys.exit(1)


def stream_supports_unicode(stream):
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "∂⁺·".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


@click.group()
@click.version_option(package_name="orderdiff")
def main():
    """Explicit and ordered (Werbos) derivatives of systems of sequential variables.

    Write one equation per line (z3 = 3*z2 + z1) and run `orderdiff derive FILE`.
    """


target_option = click.option("--target", "-t", help="The variable to differentiate "
                             "(default: the one variable no other equation uses).")
at_option = click.option("--at", "at", metavar="NAME=X,...", help="Input values, e.g. z1=0.5,x=2.")
budget_option = click.option("--budget", default=DEFAULT_MAX_SIZE, show_default=True, type=click.IntRange(1),
                             help="Size budget (expression nodes) for the closed and inputs forms.")


@main.command("derive")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@target_option
@click.option("--wrt", metavar="A,B,...", help="Show only these variables.")
@click.option("--form", type=click.Choice(FORMS), default="closed", show_default=True,
              help="recursive: Eq. 1 in the successors' ordered derivatives; closed: in the "
                   "system's variables; inputs: in the inputs only.")
@at_option
@click.option("--format", "fmt", type=click.Choice(["text", "latex", "json"]), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file.")
@click.option("--body-only", is_flag=True, help="LaTeX: only the body, to paste into a document.")
@click.option("--ascii", "ascii_only", is_flag=True, help="Text: write d+E/dz instead of ∂⁺E/∂z.")
@budget_option
def derive_command(file, target, wrt, form, at, fmt, output, body_only, ascii_only, budget):
    """Explicit dE/dv and ordered d+E/dv of the target for every variable of FILE.

    FILE holds one equation per line ('-' reads standard input). Example:

    \b
        orderdiff derive examples/werbos.eqs
        orderdiff derive examples/werbos.eqs --at z1=1 --format latex -o werbos.tex
    """
    try:
        d = derive(load(file), target, max_size=budget)
        values = parse_assignments(at) if at is not None else None
        names = split_names(wrt)
        if fmt == "json":
            text = d.to_json(form=form, values=values, wrt=names)
        elif fmt == "latex":
            text = d.to_latex(form=form, values=values, wrt=names, body_only=body_only)
        else:
            unicode = not ascii_only and (output is not None or stream_supports_unicode(sys.stdout))
            text = d.to_text(form=form, values=values, wrt=names, unicode=unicode)
    except OrderdiffError as e:
        fail(e, file)
    write(text, output)


def write(text, output):
    if output is None:
        click.echo(text, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)


@main.command("check")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@target_option
@at_option
@click.option("--points", default=3, show_default=True, type=click.IntRange(1),
              help="Random points to check when --at is not given.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random points.")
@click.option("--tol", default=1e-5, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Largest acceptable error |fd - d+E/dv| / max(1, |d+E/dv|).")
def check_command(file, target, at, points, seed, tol):
    """Compare every ordered derivative with central finite differences.

    Each variable v is nudged by ±h, every later variable recomputed, and the change of
    the target compared with d+E/dv, at --at or at seeded random points. Prints the
    worst error per variable; exits with status 1 when any exceeds --tol.
    """
    try:
        d = derive(load(file), target)
        chosen = [parse_assignments(at)] if at is not None else checking.random_points(d, points, seed)
        results = [checking.compare(d, p) for p in chosen]
    except OrderdiffError as e:
        fail(e, file)
    worst = {v: max((r.rows[v] for r in results), key=lambda row: row[2]) for v in d.order}
    width = max(len(str(v)) for v in d.order)
    click.echo(f"target {d.target}, {len(results)} point(s), tolerance {tol:g}")
    click.echo(f"{'variable'.ljust(width)}  {'d+E/dv':>14}  {'finite diff.':>14}  {'error':>9}")
    for v in reversed(d.order):
        total, fd, err = worst[v]
        flag = "" if err <= tol else "  <-- disagrees"
        click.echo(f"{str(v).ljust(width)}  {total:14.8g}  {fd:14.8g}  {err:9.2e}{flag}")
    bad = [v for v in d.order if not worst[v][2] <= tol]
    if bad:
        click.echo(f"FAILED: {len(bad)} of {len(d.order)} ordered derivatives disagree with finite "
                   f"differences: {', '.join(map(str, bad))}", err=True)
        sys.exit(1)
    click.echo(f"OK: all {len(d.order)} ordered derivatives agree "
               f"(worst error {max(w[2] for w in worst.values()):.2e})")
