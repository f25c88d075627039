"""Equation-file text to tokens: decoding, comments, continuations, line and column numbers.

A logical line is one equation: physical lines joined where a line ends in ``\\``,
with everything after ``#`` removed. Offsets into a logical line map back to the
physical line and column, which every error message carries. Characters and
keywords outside the equation language are refused here, each with its own message.
"""

from __future__ import annotations

import keyword
import re
from typing import NamedTuple

from .errors import ParseError

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|:=|//|==|[-+*/^(),=])
  | (?P<other>.)
""", re.VERBOSE)

UNSUPPORTED = {
    ".": "attribute access is not supported",
    "[": "brackets are not supported (no subscripts, lists or comprehensions)",
    "]": "brackets are not supported (no subscripts, lists or comprehensions)",
    "==": "comparisons are not supported; '=' separates the variable from its expression",
    "{": "sets and dictionaries are not supported",
    "}": "sets and dictionaries are not supported",
    "'": "strings are not supported",
    '"': "strings are not supported",
    ":=": "assignment expressions (:=) are not supported; write one equation per line",
    ":": "':' is not supported (no lambdas, slices or annotations in equations)",
    "//": "'//' (floor division) is not supported; use '/'",
    "@": "'@' is not supported in scalar equations",
    "%": "'%' is not supported",
    ";": "';' is not supported; write one equation per line",
}

KEYWORD_HINTS = {
    "lambda": "lambdas are not supported",
    "for": "comprehensions and loops are not supported",
    "if": "conditional expressions are not supported",
}

KEYWORDS = frozenset(keyword.kwlist)


class Token(NamedTuple):
    """One token: its kind (``number``, ``name``, ``op`` or ``end``), text and offset in the line."""

    kind: str
    text: str
    pos: int


class LogicalLine:
    """One equation's text, joined from physical lines, mapping offsets back to them."""

    def __init__(self, pieces, file):
        self.pieces = pieces  # [(line number, column offset, text)]
        self.text = "".join(p[2] for p in pieces)
        self.file = file
        self.physical = {}

    def where(self, pos):
        """(line, column, physical line text) of offset ``pos``."""
        for k, (line, offset, text) in enumerate(self.pieces):
            if pos < len(text) or k == len(self.pieces) - 1:
                return line, offset + min(pos, len(text)) + 1, self.physical[line]
            pos -= len(text)
        raise AssertionError("offset outside the line")

    def error(self, cls, message, pos, **kw):
        line, col, source = self.where(pos)
        return cls(message, file=self.file, line=line, col=col, source=source, **kw)


LINE_END = re.compile(r"\r\n|\r|\n")  # Unix, Windows and classic Mac OS files alike
BOM = "\ufeff"


def physical_lines(text):
    """The lines of ``text``, split at LF, CR LF or a lone CR; a leading byte-order mark dropped."""
    return LINE_END.split(text[1:] if text.startswith(BOM) else text)


def logical_lines(text, file):
    """The non-blank logical lines of ``text``, comments removed, continuations joined."""
    physical = physical_lines(text)
    pending = []
    for number, raw in enumerate(physical, start=1):
        body = raw.split("#", 1)[0].rstrip()
        if body.endswith("\\"):
            pending.append((number, 0, body[:-1] + " "))
            continue
        pending.append((number, 0, body))
        if any(p[2].strip() for p in pending):
            line = LogicalLine(pending, file)
            line.physical = {n: physical[n - 1] for n, _, _ in pending}
            yield line
        pending = []
    if pending and any(p[2].strip() for p in pending):
        line = LogicalLine(pending, file)
        line.physical = {n: physical[n - 1] for n, _, _ in pending}
        yield line


def tokenize(line, allowed=frozenset()):
    """The tokens of a logical line; unsupported characters are errors at their column.

    ``allowed`` lets operators through that only block files use (``@ [ ] :``).
    """
    tokens = []
    append, new = tokens.append, tuple.__new__  # a Token without NamedTuple's Python-level __new__
    last_kind, last_end, start = None, -1, 0
    for ws, number, name, op, other in TOKEN.findall(line.text):  # groups, not match objects: faster
        if ws:
            start += len(ws)
            continue
        kind, text = ("number", number) if number else ("name", name) if name else ("op", op) if op else ("other", other)
        if last_kind == "number" and last_end == start and (text[0] == "." or kind == "name" and text[0] in "eE"):
            previous = tokens[-1]
            raise line.error(ParseError, f"malformed number '{previous.text}{text}'", previous.pos)
        if kind != "number":
            if text in allowed:
                kind = "op"
            elif kind == "other" or text in UNSUPPORTED:
                message = UNSUPPORTED.get(text, f"unexpected character {text!r}")
                if not text.isascii():
                    message += "; names are ASCII letters, digits and underscores"
                raise line.error(ParseError, message, start)
            elif kind == "name" and text in KEYWORDS:
                hint = KEYWORD_HINTS.get(text, "Python keywords are not supported")
                raise line.error(ParseError, f"'{text}' is a Python keyword: {hint}", start)
        append(new(Token, (kind, text, start)))
        last_kind, last_end = kind, start + len(text)
        start = last_end
    tokens.append(Token("end", "", len(line.text.rstrip())))
    return tokens


def decode(data, file):
    """``data`` as UTF-8 text, or a :class:`ParseError` at the first invalid byte.

    A leading byte-order mark, as some editors write, is dropped here and by :func:`logical_lines`.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = physical_lines(data[:e.start].decode("utf-8"))
        line, col = len(before), len(before[-1]) + 1
        source = before[-1] + physical_lines(data[e.start:].decode("utf-8", "replace"))[0]
        raise ParseError(f"invalid UTF-8 byte 0x{data[e.start]:02x} (the file must be UTF-8)",
                         file=file, line=line, col=col, source=source) from None
