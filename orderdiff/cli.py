"""The ``orderdiff`` command: parse options, call the library, print.

Bad input (an :class:`~orderdiff.errors.OrderdiffError`) prints as
``FILE:LINE:COL: message`` with the line and a caret, and exits with status 1.

A command imports the parts of the library it uses when it runs, so that ``--help``
loads none of sympy, networkx, NumPy or matplotlib, and a scalar ``derive`` no picture
or block code.
"""

from __future__ import annotations

import atexit
import gc
import re
import sys

import click

from .blocks.presets import ACTIVATIONS, OUTPUTS, elman
from .errors import OrderdiffError, TargetError, ValueInputError

# The values of orderdiff.derivation.FORMS and orderdiff.derive.DEFAULT_MAX_SIZE, which the
# options' help shows; written here because importing those modules loads sympy.
FORMS = ("recursive", "closed", "inputs")
DEFAULT_MAX_SIZE = 2000

NUMBER = r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|nan)"
ASSIGNMENT = re.compile(rf"\s*([A-Za-z_]\w*)\s*=\s*({NUMBER})\s*(,|$)?")


def option_error(cls, message, option, text, col):
    """An error located in the text of a command-line option (``--at:1:COL:``)."""
    return cls(message, file=option, line=1, col=col, source=text)


def parse_assignments(text, option="--at"):
    """``'z1=0.5,x=2'`` → ``{'z1': (0.5, 1), 'x': (2.0, 8)}``: values and columns of names."""
    values, pos = {}, 0
    while pos < len(text):
        m = ASSIGNMENT.match(text, pos)
        if not m:
            name = re.match(r"\s*([A-Za-z_]\w*)\s*=", text[pos:])
            message = (f"expected a number after '{name.group(1)}='" if name
                       else "expected NAME=NUMBER, e.g. z1=0.5,x=2")
            col = pos + (name.end() if name else len(text[pos:]) - len(text[pos:].lstrip())) + 1
            raise option_error(ValueInputError, message, option, text, col)
        if m.group(3) is None:
            raise option_error(ValueInputError, "expected ',' between values", option, text, m.end(2) + 1)
        if m.group(1) in values:
            raise option_error(ValueInputError, f"'{m.group(1)}' is given twice", option, text, m.start(1) + 1)
        values[m.group(1)] = (float(m.group(2)), m.start(1) + 1)
        pos = m.end()
    if not values:
        raise option_error(ValueInputError, "no values given (expected NAME=NUMBER, e.g. z1=0.5,x=2)",
                           option, text, 1)
    return values


def input_values(system, text):
    """The ``--at`` values for exactly the inputs of ``system``; others are errors at their column.

    A system without inputs takes ``--at ''``: its numbers need no values.
    """
    if not system.inputs and not text.strip():
        return {}
    given = parse_assignments(text)
    inputs = [v.name for v in system.inputs]
    listing = f" (the inputs are {', '.join(inputs) or 'none'})"
    extra = [(name, col) for name, (_, col) in given.items() if name not in inputs]
    if extra:
        names = ", ".join(n for n, _ in extra)
        verb = "is not an input" if len(extra) == 1 else "are not inputs"
        defined = [n for n, _ in extra if n in system]
        hint = f"; {', '.join(defined)} {'is' if len(defined) == 1 else 'are'} defined by equations" if defined else ""
        raise option_error(ValueInputError, f"{names} {verb}{hint}{listing}", "--at", text, extra[0][1])
    missing = [n for n in inputs if n not in given]
    if missing:
        raise option_error(ValueInputError, "missing value for " + ", ".join(missing) + listing,
                           "--at", text, len(text) + 1)
    return {name: value for name, (value, _) in given.items()}


def resolve_names(system, text, option, what):
    """The variables named in a comma-separated option, each checked at its column."""
    return option_names(text, option, lambda name: system.resolve(name, what))


def option_names(text, option, resolve):
    """``resolve(name)`` of each name of a comma-separated option; a :class:`TargetError` is
    located at the name's column."""
    names = []
    for m in re.finditer(r"[^,]+", text):
        name = m.group().strip()
        if not name:
            continue
        try:
            names.append(resolve(name))
        except TargetError as e:
            col = m.start() + len(m.group()) - len(m.group().lstrip()) + 1
            raise option_error(TargetError, e.message, option, text, col) from None
    return names


def view_options(d, form, wrt):
    """``--form`` and ``--wrt`` checked against the derivation, each error located in its
    option: ``(form, the selected nodes or None)`` for its printers. A bare name selects a
    scalar system's variable, or every node of a block file's (h: h[t] and h[0])."""
    if form is not None:
        try:
            d.choose_form(form)
        except ValueError as e:
            raise option_error(OrderdiffError, str(e), "--form", form, 1) from None
    if wrt is None:
        return form, None
    if not block_file(d.system):
        return form, resolve_names(d.system, wrt, "--wrt", "variable")
    from .blocks.nodes import nodes_named  # loaded with the block file that was read

    return form, [v for vs in option_names(wrt, "--wrt", lambda name: nodes_named(d, name)) for v in vs]


def fail(error, file):
    click.echo(error.located(file).format(), err=True)
    sys.exit(1)


def block_file(system):
    """Whether ``system`` was read from a block file (declarations, vectors, time steps)."""
    return system.algebra == "block"


def read_system(file):
    """The system in ``file``, with unreadable files reported like other bad input."""
    from .api import load

    try:
        system = load(file)
    except OSError as e:
        raise OrderdiffError(f"cannot read the file: {e.strerror or e}", file=file) from None
    for note in system.notes:
        click.echo(f"{file}: note: {note}", err=True)
    return system


def setup(file, target, budget=DEFAULT_MAX_SIZE, steps=None, system=None):
    """Load ``file`` and derive it for ``--target`` (located in the option on error)."""
    from .api import derive

    system = read_system(file) if system is None else system
    if target is not None:
        chosen = resolve_names(system, target, "--target", "target")
        if len(chosen) != 1:
            raise option_error(TargetError, "give one target", "--target", target, 1)
        target = chosen[0]
    if steps is not None and not block_file(system):
        raise OrderdiffError("--steps unrolls a time-indexed (block) file; this file has scalar equations "
                             "only", file=file)
    return derive(system, target, max_size=budget, steps=steps)


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


file_argument = click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
target_option = click.option("--target", "-t", help="The variable to differentiate "
                             "(default: the one variable no other equation uses).")
at_option = click.option("--at", "at", metavar="NAME=X,...", help="Input values, e.g. z1=0.5,x=2.")
steps_option = click.option("--steps", type=click.IntRange(1, 1000), default=None, metavar="T",
                            help="Block files: unroll over T steps, every node h[1..T] with its own "
                                 "derivatives.")
emit_option = click.option("--emit-python", "emit", type=click.Path(dir_okay=False), metavar="FILE",
                           help="Block files: write the generated NumPy BPTT program (runs on its own) "
                                "instead of printing the derivation (-o still writes it).")
budget_option = click.option("--budget", default=None, type=click.IntRange(1),
                             help=f"Size budget (expression nodes) for the closed and inputs forms of "
                                  f"scalar files.  [default: {DEFAULT_MAX_SIZE}]")


wrt_option = click.option("--wrt", metavar="A,B,...", help="Show only these variables (block files: h is "
                          "every node of h, h[0] or h[2] one).")
form_option = click.option("--form", type=click.Choice(FORMS), default=None,
                           help="recursive: Eq. 1 in the successors' ordered derivatives; closed (the "
                                "default): in the system's variables (block files: the BPTT recurrences, "
                                "generic in t); inputs: in the inputs only (scalar files).")


@main.command("derive")
@file_argument
@target_option
@wrt_option
@form_option
@at_option
@click.option("--format", "fmt", type=click.Choice(["text", "latex", "json"]), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@click.option("--body-only", is_flag=True, help="LaTeX: only the body, to paste into a document.")
@click.option("--no-figure", is_flag=True, help="LaTeX: leave out the picture of the system.")
@click.option("--ascii", "ascii_only", is_flag=True, help="Text: write d+E/dz instead of ∂⁺E/∂z.")
@budget_option
@steps_option
@emit_option
def derive_command(file, target, wrt, form, at, fmt, output, body_only, no_figure, ascii_only, budget, steps,
                   emit):
    """Explicit dE/dv and ordered d+E/dv of the target for every variable of FILE.

    FILE holds one equation per line ('-' reads standard input); a file with
    declarations (dim, input, param, init) holds vector and time-indexed equations,
    derived generic in t (the BPTT recurrences) or unrolled with --steps. Example:

    \b
        orderdiff derive examples/werbos.eqs
        orderdiff derive examples/werbos.eqs --at z1=1 --format latex -o werbos.tex
        orderdiff derive examples/elman.eqs --emit-python elman_bptt.py
    """
    try:
        d = setup(file, target, budget or DEFAULT_MAX_SIZE, steps)
        if block_file(d.system):
            refuse_scalar_options(at=at, budget=budget)
        elif emit is not None:
            raise OrderdiffError("--emit-python writes the BPTT program of a block file; for scalar "
                                 "files use Derivation.numpy_source()", file=file)
        form, selected = view_options(d, form, wrt)
        values = input_values(d.system, at) if at is not None else None
        unicode = not ascii_only and (output is not None or stream_supports_unicode(sys.stdout))
        from .algebra import paused_gc  # loaded with the file that was read

        # Printing builds every form, writing as it goes: many small objects and no cycles,
        # which collections would walk again and again.
        with paused_gc():
            text = render(d, fmt, form, values, selected, body_only, unicode, False if no_figure else None)
            emit_python(d, emit)
            if emit is None or output is not None:  # -o writes the derivation too
                write(text, output)
        # The derivation lives until exit; freezing spares the interpreter's last collection
        # a walk over its objects (seconds for 10,000 variables). atexit: not while tests run.
        atexit.unregister(gc.freeze)
        atexit.register(gc.freeze)
    except OrderdiffError as e:
        fail(e, file)


def render(d, fmt, form, values, wrt, body_only, unicode, figure=None):
    """The derivation in ``fmt``, the same call for both kinds of file (a scalar system's JSON
    in pieces, written as they are made; ``figure`` None: in documents, not in bodies)."""
    if fmt == "json":
        return d.json_pieces(form=form, values=values, wrt=wrt)
    if fmt == "latex":
        return d.to_latex(form=form, values=values, wrt=wrt, body_only=body_only, figure=figure)
    return d.to_text(form=form, values=values, wrt=wrt, unicode=unicode)


# What to do instead of --at for a block file: where its numbers come from, and in check,
# which draws a block file's points itself, to leave it out.
AT_HINT = " (for numbers: 'orderdiff check', or Derivation.lambdify())"
BLOCK_POINTS = 1000
CHECK_AT_HINT = ("; check draws a block file's parameters and inputs at random: leave out --at "
                 "(--points N and --seed S choose the points)")


def refuse_scalar_options(at_hint=AT_HINT, **given):
    """Refuse the options of scalar files that a block file was given; ``at_hint`` follows --at's."""
    for name, value in given.items():
        if value is not None:
            hint = at_hint if name == "at" else ""
            raise OrderdiffError(f"--{name} applies to scalar equation files, not to block files{hint}")


def emit_python(d, path):
    """Write the generated NumPy program of a generic block derivation to ``path``."""
    if path is None:
        return
    if d.steps_count is not None:
        raise OrderdiffError("--emit-python writes the loop over t: leave out --steps")
    write(d.python_module(), path)


def write(text, output):
    """Write ``text`` (a ``str``, or an iterable of pieces of one) to ``output`` or standard output."""
    pieces = (text,) if isinstance(text, str) else text
    if output is None:
        for batch in batches(pieces):
            click.echo(batch, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8") as f:
            for batch in batches(pieces):
                f.write(batch)
    except OSError as e:
        raise OrderdiffError(f"cannot write the output: {e.strerror or e}", file=output) from None


def batches(pieces, size=1 << 20):
    """The pieces joined into strings of about ``size`` characters (one write call each)."""
    batch, length = [], 0
    for piece in pieces:
        batch.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(batch)
            batch, length = [], 0
    if batch:
        yield "".join(batch)


@main.command("check")
@file_argument
@target_option
@at_option
@click.option("--points", default=3, show_default=True, type=click.IntRange(1),
              help="Random points to check when --at is not given.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0),
              help="Seed of the random points (a whole number >= 0).")
@click.option("--tol", default=1e-5, show_default=True, type=click.FloatRange(0, min_open=True),
              callback=lambda ctx, param, value: finite(value),
              help="Largest acceptable error |fd - d+E/dv| / max(1, |d+E/dv|).")
def check_command(file, target, at, points, seed, tol):
    """Compare every ordered derivative with central finite differences.

    Each variable v is nudged by ±h, every later variable recomputed, and the change of
    the target compared with d+E/dv, at --at or at seeded random points. Prints the
    worst error per variable; exits with status 1 when any exceeds --tol. A block
    file's gradients are checked at seeded random dimensions, parameters and inputs
    (--at is for scalar files).
    """
    try:
        d = setup(file, target)
        if block_file(d.system):
            from .blocks import check as block_check

            refuse_scalar_options(at=at, at_hint=CHECK_AT_HINT)
            if points > BLOCK_POINTS:
                raise OrderdiffError(f"--points {points}: a block file's check is at most {BLOCK_POINTS} random "
                                     "points (each runs the program twice per entry of every gradient)")
            block_results = [block_check.compare(d, seed + k) for k in range(points)]
        else:
            from . import check as checking

            chosen = [input_values(d.system, at)] if at is not None else checking.random_points(d, points, seed)
            results = [checking.compare(d, p) for p in chosen]
    except OrderdiffError as e:
        fail(e, file)
    if block_file(d.system):
        return report_blocks(d, block_results, tol)
    if at is None and len(chosen) < points:
        click.echo(f"note: only {len(chosen)} of {points} random points gave finite values", err=True)
    report(d, results, tol)


def finite(value):
    """``value`` if it is a finite number: a tolerance of nan fails every check, one of inf none."""
    if value != value or value == float("inf"):
        raise click.BadParameter(f"{value} is not a finite number")
    return value


def report(d, results, tol):
    """The worst error per variable, a verdict line, and exit status 1 on disagreement."""
    worst = {v: max((r.rows[v] for r in results), key=lambda row: row[2]) for v in d.order}
    width = max(len("variable"), *(len(v.name) for v in d.order))
    E = d.target.name
    click.echo(f"target {E}, {len(results)} point(s), tolerance {tol:g}")
    click.echo(f"{'variable'.ljust(width)}  {f'd+{E}/dv':>15}  {'finite diff.':>15}  {'error':>9}")
    for v in reversed(d.order):
        total, fd, err = worst[v]
        flag = "" if err <= tol else "  <-- disagrees"
        click.echo(f"{v.name.ljust(width)}  {total:15.8g}  {fd:15.8g}  {err:9.2e}{flag}")
    verdict([v.name for v in d.order if not worst[v][2] <= tol], len(d.order), "ordered derivatives",
            max(w[2] for w in worst.values()))


def verdict(bad, total, what, worst):
    """The last line of a check: the disagreeing names and exit status 1, or OK with the worst error."""
    if bad:
        click.echo(f"FAILED: {len(bad)} of {total} {what} disagree with finite differences: "
                   f"{', '.join(bad)}", err=True)
        sys.exit(1)
    click.echo(f"OK: all {total} {what} agree (worst error {worst:.2e})")


def report_blocks(d, results, tol):
    """The worst error per parameter and initial value over the random points; status 1 on disagreement."""
    names = list(results[0].rows)
    worst = {n: max((r.rows[n] for r in results), key=lambda row: row[1]) for n in names}
    width = max(len("gradient of"), *(len(n) for n in names))
    dims = ", ".join(f"{k}={v}" for k, v in results[0].dims.items())
    click.echo(f"target {d.target.name}, {len(results)} random point(s) ({f'dimensions {dims}; ' if dims else ''}"
               f"T = {results[0].steps}, batch 2), tolerance {tol:g}")
    click.echo(f"{'gradient of'.ljust(width)}  {'max |entry|':>12}  {'worst error':>11}")
    for n in names:
        size, err = worst[n]
        flag = "" if err <= tol else "  <-- disagrees"
        click.echo(f"{n.ljust(width)}  {size:12.6g}  {err:11.2e}{flag}")
    verdict([n for n in names if not worst[n][1] <= tol], len(names), "gradients",
            max(w[1] for w in worst.values()))


@main.command("rnn")
@click.option("--activation", type=click.Choice(ACTIVATIONS), default="tanh", show_default=True)
@click.option("--head", type=click.Choice(list(OUTPUTS)), default="softmax-xent", show_default=True,
              help="The output layer and loss. softmax-xent: softmax and cross-entropy; linear-mse: "
                   "linear output, squared error.")
@click.option("--bias/--no-bias", default=True, show_default=True)
@click.option("--print-eqs", is_flag=True, help="Print the equation file instead of deriving it.")
@click.option("--wrt", metavar="A,B,...", help="Show only these variables (h is every node of h, h[0] one).")
@click.option("--form", type=click.Choice(["recursive", "closed"]), default=None,
              help="recursive: Eq. 1 for every node; closed (the default): then the BPTT recurrences and "
                   "the gradients, every adjoint used once substituted.")
@steps_option
@click.option("--format", "fmt", type=click.Choice(["text", "latex", "json"]), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@click.option("--body-only", is_flag=True, help="LaTeX: only the body, to paste into a document.")
@click.option("--ascii", "ascii_only", is_flag=True, help="Text: write d+C/dz instead of ∂⁺C/∂z.")
@emit_option
def rnn_command(activation, head, bias, print_eqs, wrt, form, steps, fmt, output, body_only, ascii_only, emit):
    """The Elman network (Elman 1990) as a preset, derived.

    The preset only writes the equations (see --print-eqs); they are parsed and
    derived exactly as a file of yours would be. Example:

    \b
        orderdiff rnn --print-eqs > elman.eqs
        orderdiff rnn --activation relu --head linear-mse --no-bias
        orderdiff rnn --emit-python rnn_bptt.py
    """
    text = elman(activation, head, bias)
    try:
        if print_eqs:
            write(text, output)
            return
        from .api import parse

        d = setup("<rnn>", None, steps=steps, system=parse(text, file="<rnn>"))
        unicode = not ascii_only and (output is not None or stream_supports_unicode(sys.stdout))
        form, selected = view_options(d, form, wrt)
        rendered = render(d, fmt, form, None, selected, body_only, unicode)
        emit_python(d, emit)
        if emit is None or output is not None:
            write(rendered, output)
    except OrderdiffError as e:
        fail(e, "<rnn>")


@main.command("graph")
@file_argument
@target_option
@at_option
@click.option("--depth", type=click.IntRange(0), metavar="K",
              help="Draw only the variables within K edges upstream of the target (default: all of "
                   "them, or the largest such neighbourhood with at most 40).")
@click.option("--steps", type=click.IntRange(1), default=None, metavar="T",
              help="Block files: draw the graph unrolled over T steps (at most 8); without it, the "
                   "folded cell.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="OUT",
              help="The picture to write: .svg, .png, .pdf, .dot or .tex.")
def graph_command(file, target, at, depth, steps, output):
    """Draw the DAG of FILE: d+E/dv on each variable, dz_j/dz_i on each edge.

    Each edge z_i -> z_j is labelled with the explicit partial dz_j/dz_i. Inputs
    are on the left, the target on the right; with --at the labels are numbers.
    A block file draws its folded cell (one step; a dashed edge t-1 uses the step
    before), or with --steps T its graph unrolled over T steps, a column per step;
    each edge u -> v carries v's share of d+C/du, with g for d+C/dv. OUT's suffix
    picks the format: .svg, .png, .pdf (matplotlib), .dot (Graphviz text) or .tex
    (a tikzpicture for a document that loads tikz). Example:

    \b
        orderdiff graph examples/werbos.eqs -o werbos.svg
        orderdiff graph examples/werbos.eqs --at z1=1 -o werbos.tex
        orderdiff graph examples/elman.eqs --steps 3 -o elman.svg
    """
    from .pictures import check_suffix, draw
    from .pictures.blocks import MAX_STEPS, too_many

    try:
        check_suffix(output)  # before any work: a wrong suffix is a typo, not a reason to derive
        system = read_system(file)
        if block_file(system):
            refuse_scalar_options(at=at)
            if depth is not None:
                raise OrderdiffError("--depth draws part of a scalar system's graph; a block file's "
                                     "picture draws every node of its steps", file=file)
            if steps is not None and steps > MAX_STEPS:  # before unrolling them all
                raise OrderdiffError(too_many(steps, "leave out --steps"), file=file)
        d = setup(file, target, steps=steps, system=system)
        values = input_values(d.system, at) if at is not None else None
        shown = draw(d, output, values=values, depth=depth)
    except OrderdiffError as e:
        fail(e, file)
    for note in shown.notes:
        if note not in shown.legend:
            click.echo(f"note: {note}", err=True)
    if shown.beyond:
        names = ", ".join(shown.beyond[:20]) + (", …" if len(shown.beyond) > 20 else "")
        click.echo(f"note: left out: {names}; --depth K draws K edges back from {shown.target}", err=True)
