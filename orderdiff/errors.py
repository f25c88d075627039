"""The one exception hierarchy of orderdiff.

Every error a user can cause is an :class:`OrderdiffError`. It carries where the
problem is (file, line, column, the source line) so that :meth:`OrderdiffError.format`
can print ``eqs.txt:3:7: message``, the line, and a caret under the column.
The library raises; only the CLI prints and exits.
"""

from __future__ import annotations


class OrderdiffError(Exception):
    """Base of every error orderdiff raises for bad input.

    Parameters
    ----------
    message : str
        What is wrong and, where possible, how to fix it.
    file : str, optional
        The file name (``<string>`` for text, ``-`` for standard input).
    line, col : int, optional
        1-based line and column of the problem.
    source : str, optional
        The text of that line, shown with a caret under ``col``.
    notes : list of str, optional
        Further lines printed after the caret (e.g. the equations of a cycle).
    """

    def __init__(self, message, *, file=None, line=None, col=None, source=None, notes=()):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        self.source = source
        self.notes = list(notes)

    def located(self, file):
        """Return this error with ``file`` filled in where it was unknown."""
        if self.file is None:
            self.file = file
        return self

    def format(self):
        """The message as the CLI prints it: location, message, line, caret, notes."""
        where = [str(p) for p in (self.file, self.line, self.col) if p is not None]
        head = ":".join(where + [""]) + " " if where else ""
        lines = [head + self.message]
        if self.source is not None:
            source, col = window(self.source.expandtabs(1), self.col)
            lines.append("    " + source)
            if col is not None:
                lines.append("    " + " " * (col - 1) + "^")
        lines.extend(self.notes)
        return "\n".join(lines)

    def __str__(self):
        return self.format()


def window(source, col, width=100):
    """``source`` cut to about ``width`` characters around ``col``, and the column in the cut."""
    if len(source) <= width:
        return source, col
    start = max(0, min((col or 1) - 1 - width // 2, len(source) - width))
    cut = source[start:start + width]
    prefix = "..." if start > 0 else ""
    suffix = "..." if start + width < len(source) else ""
    return prefix + cut + suffix, None if col is None else col - start + len(prefix)


class ParseError(OrderdiffError):
    """The text is not a valid equation file (syntax, encoding, empty file)."""


class UnknownFunctionError(ParseError):
    """A call of a function orderdiff does not know."""


class LimitError(ParseError):
    """The input is too large to handle safely (huge numbers, deep nesting)."""


class ShapeError(ParseError):
    """Operands whose shapes do not fit (block files): both shapes are in the message."""


class ProgramShapeError(OrderdiffError):
    """An array of the generated BPTT program whose shape is not the one derived for it: a
    slip in orderdiff's rules or code generator, stopped before it turns into numbers."""


class DefinitionError(OrderdiffError):
    """A variable is defined twice, or a definition is unusable."""


class CycleError(OrderdiffError):
    """The equations depend on each other in a cycle."""


class TargetError(OrderdiffError):
    """The target (or a ``--wrt`` variable) is unknown or ambiguous."""


class ValueInputError(OrderdiffError):
    """Malformed, missing or extra input values (``--at``)."""


class UnsupportedExpressionError(OrderdiffError):
    """A sympy expression given to :class:`~orderdiff.System` uses an unsupported operation."""


def did_you_mean(name, candidates):
    """`` (did you mean 'a' or 'b'?)`` for the candidates closest to ``name``, or ``''``."""
    import difflib

    lowered = {}
    for c in candidates:
        lowered.setdefault(c.lower(), c)
    close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.5)]
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
