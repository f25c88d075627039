r"""How much room a label takes: its LaTeX measured from font tables, without a renderer.

The layout plans every box before any writer draws it, so sizes come from here and
must not be too small for either typesetter: matplotlib's mathtext (Computer Modern,
the ``.svg``, ``.png`` and ``.pdf`` pictures) and TeX (the ``.tex`` picture). Each
glyph has the width, height and depth of Computer Modern (the fonts both use); the
spacing around operators, relations and punctuation is the larger of the two
typesetters' (mathtext spaces an operator in a subscript, TeX does not); scripts,
fractions, roots and accents follow TeX's rules for text style. So an estimate is
at least the real extent and rarely more than a tenth above it (the tests check it
against matplotlib's rendering of every label of the examples). Lengths are in ems
of the font size, until :func:`text_size` turns them into centimetres.
"""

from __future__ import annotations

import re
from functools import lru_cache

CM_PER_PT = 2.54 / 72.27

# Widths in ems of Computer Modern math italic (cmmi10, TeX's with its italic correction)
# and roman (cmr10), each the larger of TeX's and mathtext's.
ITALIC = dict(zip("abcdefghijklmnopqrstuvwxyz",
                  (0.53, 0.43, 0.44, 0.53, 0.47, 0.6, 0.52, 0.58, 0.35, 0.47, 0.56, 0.32, 0.88,
                   0.61, 0.49, 0.51, 0.49, 0.48, 0.47, 0.37, 0.58, 0.53, 0.75, 0.58, 0.53, 0.51)))
ITALIC.update(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                  (0.75, 0.81, 0.79, 0.86, 0.8, 0.79, 0.79, 0.92, 0.52, 0.66, 0.93, 0.69, 1.08,
                   0.92, 0.8, 0.79, 0.8, 0.77, 0.68, 0.73, 0.8, 0.81, 1.09, 0.91, 0.81, 0.76)))
ROMAN = dict(zip("abcdefghijklmnopqrstuvwxyz",
                 (0.5, 0.56, 0.45, 0.56, 0.45, 0.39, 0.52, 0.56, 0.28, 0.31, 0.53, 0.28, 0.84,
                  0.56, 0.5, 0.56, 0.53, 0.4, 0.4, 0.39, 0.56, 0.55, 0.74, 0.53, 0.55, 0.45)))
ROMAN.update(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                 (0.75, 0.71, 0.73, 0.77, 0.69, 0.66, 0.79, 0.75, 0.37, 0.52, 0.78, 0.63, 0.92,
                  0.75, 0.78, 0.69, 0.78, 0.74, 0.56, 0.73, 0.75, 0.77, 1.05, 0.75, 0.78, 0.62)))
TALL = set("bdfhklt") | set(ITALIC) - set("abcdefghijklmnopqrstuvwxyz")  # ascenders: capitals too
DEEP = set("fgjpqy")  # descenders (italic f has one)

# (width, height, depth) of the other glyphs; a spaced one gets its spacing from its class.
GLYPHS = {
    "(": (0.39, 0.75, 0.25), ")": (0.39, 0.75, 0.25), "[": (0.28, 0.75, 0.25),
    "]": (0.28, 0.75, 0.25), "|": (0.28, 0.75, 0.25), "/": (0.5, 0.75, 0.25),
    r"\{": (0.5, 0.75, 0.25), r"\}": (0.5, 0.75, 0.25), r"\langle": (0.48, 0.98, 0.23),
    r"\rangle": (0.48, 0.98, 0.23), "+": (0.78, 0.59, 0.09), "-": (0.78, 0.59, 0.09),
    "*": (0.5, 0.47, 0.0), "=": (0.78, 0.37, 0.0), "<": (0.78, 0.54, 0.04),
    ">": (0.78, 0.54, 0.04), ":": (0.28, 0.44, 0.0), ",": (0.28, 0.11, 0.2),
    ";": (0.28, 0.44, 0.2), ".": (0.28, 0.11, 0.0), "!": (0.28, 0.72, 0.0),
    "'": (0.38, 0.81, 0.0), r"\prime": (0.38, 0.81, 0.0), r"\partial": (0.59, 0.71, 0.02),
    r"\odot": (0.78, 0.59, 0.09), r"\cdot": (0.28, 0.31, 0.0), r"\times": (0.78, 0.5, 0.0),
    r"\pm": (0.78, 0.59, 0.09), r"\top": (0.78, 0.67, 0.0), r"\leq": (0.78, 0.64, 0.14),
    r"\geq": (0.78, 0.64, 0.14), r"\neq": (0.78, 0.72, 0.22), r"\to": (1.0, 0.5, 0.0),
    r"\infty": (1.0, 0.45, 0.02), r"\ldots": (1.2, 0.12, 0.02), r"\dots": (1.41, 0.12, 0.02),
    r"\cdots": (1.2, 0.31, 0.0), r"\nabla": (0.84, 0.69, 0.04), r"\_": (0.53, 0.0, 0.1),
    r"\#": (0.84, 0.7, 0.2), r"\%": (0.84, 0.75, 0.06), r"\$": (0.5, 0.75, 0.06),
    r"\&": (0.78, 0.7, 0.02),
}
GREEK = {"alpha": 0.64, "beta": 0.57, "gamma": 0.52, "delta": 0.45, "epsilon": 0.41,
         "varepsilon": 0.47, "zeta": 0.44, "eta": 0.5, "theta": 0.47, "vartheta": 0.6,
         "iota": 0.35, "kappa": 0.58, "lambda": 0.59, "mu": 0.61, "nu": 0.5, "xi": 0.44,
         "pi": 0.57, "rho": 0.52, "sigma": 0.58, "tau": 0.44, "upsilon": 0.54, "phi": 0.6,
         "varphi": 0.65, "chi": 0.63, "psi": 0.65, "omega": 0.63, "Gamma": 0.63, "Delta": 0.84,
         "Theta": 0.78, "Lambda": 0.7, "Xi": 0.74, "Pi": 0.75, "Sigma": 0.73, "Upsilon": 0.78,
         "Phi": 0.73, "Psi": 0.78, "Omega": 0.73}
BINARY = {"+", "-", "*", r"\odot", r"\cdot", r"\times", r"\pm"}
RELATION = {"=", "<", ">", ":", r"\top", r"\leq", r"\geq", r"\neq", r"\to"}
PUNCTUATION = {",", ";", ".", "!"}
OPENING = {"(", "[", r"\{", r"\langle", "|"}
SPACES = {r"\,": 0.17, r"\:": 0.22, r"\;": 0.28, r"\ ": 0.34, "~": 0.34, r"\quad": 1.0,
          r"\qquad": 2.0, r"\!": -0.17}
# Each side of a binary operator and of a relation, after punctuation: the larger of
# mathtext's (0.2 em everywhere) and TeX's (4/18, 5/18 and 3/18 em, none in scripts).
AROUND_BINARY, AROUND_RELATION, AFTER_PUNCTUATION = 0.23, 0.28, 0.2
FUNCTIONS = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "ln", "arcsin", "arccos",
             "arctan", "max", "min", "sign", "det", "sec", "csc", "cot", "lim", "sup", "inf"}
TEXT = {r"\mathrm", r"\operatorname", r"\text", r"\textrm", r"\mathit", r"\mathbf"}
ACCENTS = {r"\hat", r"\bar", r"\tilde", r"\vec", r"\dot", r"\ddot", r"\check", r"\breve",
           r"\widehat", r"\widetilde"}
UNKNOWN = (1.0, 0.75, 0.25)  # a symbol not in the tables: as wide as the widest
THIN = 0.17  # em: TeX's thin space
# TeX's maths axis (em), \delimiterfactor and \delimitershortfall (pt)
AXIS, DELIMITER_FACTOR, SHORTFALL = 0.25, 0.901, 5.0
BIG = ((12.0, 4.6), (18.0, 6.0), (24.0, 7.4), (30.0, 8.8))  # cmex10's delimiters: height and width, pt
# Sizes of text, scripts and scripts of scripts, in ems of the text at 10 points and
# at 8 (the edges' size, and what is smaller): TeX's small fonts are drawn wider than
# their size (cmr8 is 6 % wider than cmr10 shrunk; scripts are set in 6 and 5 points),
# and wider than mathtext's scripts, 0.7 and 0.49 of the size.
SIZES = {10: (1.0, 0.8, 0.69), 8: (1.065, 0.93, 0.88)}
SUP_SHIFT, SUB_SHIFT = 0.42, 0.15  # in ems of the nucleus; lower under a superscript
SUP_KERN, SUB_KERN = 0.22, 0.1  # mathtext's italic correction and script space, at most
# Matplotlib sets no line lower than its text font's "lp" (DejaVu Sans), stacks lines
# 0.2 em apart and adds a line's depth under the last; TeX (TikZ, ``\fontsize{10}{12}``)
# keeps 1.2 ems between baselines and 0.1 em between lines that would touch.
LINE_HEIGHT, LINE_DEPTH, LEADING, BASELINES = 0.77, 0.21, 0.2, 1.2
MARGIN = 1.02, 0.02, 0.06  # width times, plus, and height plus: what the tables miss (kerning)

TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)


def text_size(lines, pt):
    """Width and height (cm) of label lines (``.math``) stacked and centred, at ``pt`` points.

    Examples
    --------
    >>> from orderdiff.pictures.model import Label
    >>> w, h = text_size([Label("x", "x")], 10.0)
    >>> round(w, 3), round(h, 3)
    (0.215, 0.366)
    """
    boxes = [math_box(line.math, pt) for line in lines]
    if not boxes:
        return 0.0, 0.0
    width = max(w for w, _, _ in boxes) * MARGIN[0] + MARGIN[1]
    stacked = sum(a + d for _, a, d in boxes) + (LEADING * (len(boxes) - 1) + LINE_DEPTH if boxes[1:] else 0)
    tex = boxes[0][1] + boxes[-1][2] + sum(max(BASELINES, d + a + 0.1)
                                           for (_, _, d), (_, a, _) in zip(boxes, boxes[1:]))
    return width * pt * CM_PER_PT, (max(stacked, tex) + MARGIN[2]) * pt * CM_PER_PT


def math_size(tex, pt=10.0):
    r"""``(width, height)`` in ems of one line of LaTeX math ``tex`` at ``pt`` points, at least a
    line's height.

    Examples
    --------
    >>> w, h = math_size(r"\partial^{+} E / \partial z_{1} = 136")
    >>> round(w, 2), round(h, 2)
    (7.17, 1.14)
    """
    w, a, d = math_box(tex, pt)
    return w, a + d


@lru_cache(maxsize=8192)
def math_box(tex, pt=10.0):
    """``(width, height, depth)`` in ems of the math ``tex`` at ``pt`` points: height above, depth
    below the baseline, each at least a text line's."""
    tokens = [t for t in TOKEN.findall(tex) if not t.isspace()]
    w, a, d, _ = group(tokens, 0, SIZES[10 if pt >= 10 else 8], False, pt)
    return w, max(a, LINE_HEIGHT), max(d, LINE_DEPTH)


def group(tokens, i, sizes, roman, pt):
    """The box of ``tokens`` from ``i`` to the end of the group, and the index after it.

    Boxes are ``(width, height, depth)`` in ems of the label's font; ``sizes[0]`` is the size
    of this group's glyphs, ``sizes[1:]`` those of its scripts and their scripts; the text
    is set at ``pt`` points. The group ends at its ``}`` or at a ``\\right``.
    """
    size = sizes[0]
    width, height, depth = 0.0, 0.0, 0.0
    previous = None  # the class of the previous atom: None at the start of the group
    while i < len(tokens) and tokens[i] not in ("}", r"\right"):
        t = tokens[i]
        (w, a, d), kind, i = atom(tokens, i, sizes, roman, pt)
        if tokens[i:i + 1] and tokens[i] in ("^", "_"):
            (w, a, d), i = scripts(tokens, i, (w, a, d), sizes, roman, pt)
        if kind == "binary" and previous not in (None, "opening", "relation", "binary"):
            w += 2 * AROUND_BINARY * size
        elif kind == "relation":
            w += 2 * AROUND_RELATION * size
        elif kind == "punctuation" and not (t == "." and previous == "digit" and next_is_digit(tokens, i)):
            w += AFTER_PUNCTUATION * size
        width, height, depth = width + w, max(height, a), max(depth, d)
        previous = kind
    return width, height, depth, i


def next_is_digit(tokens, i):
    return i < len(tokens) and tokens[i].isdigit()


def smaller(sizes):
    return sizes[1:] or sizes


def atom(tokens, i, sizes, roman, pt):
    """The box of the atom at ``i`` (before any scripts), its class, and the index after it."""
    t = tokens[i]
    i += 1
    size = sizes[0]
    if t == "{":
        w, a, d, i = group(tokens, i, sizes, roman, pt)
        return (w, a, d), "group", i + 1
    if t == r"\frac":  # in text style: numerator and denominator a size smaller
        (nw, na, nd), i = argument(tokens, i, smaller(sizes), roman, pt)
        (dw, da, dd), i = argument(tokens, i, smaller(sizes), roman, pt)
        width = max(nw, dw) + 0.24 * size  # and TeX's null delimiters either side
        return (width, max(0.35 * size + na + nd, 0.4 * size + na),
                max(da + dd - 0.08 * size, 0.35 * size + dd)), "fraction", i
    if t == r"\sqrt":
        (w, a, d), i = argument(tokens, i, sizes, roman, pt)
        return (w + 1.1 * size, max(a + 0.35 * size, 0.95 * size), max(d + 0.1 * size, 0.25 * size)), \
            "ordinary", i
    if t in TEXT:
        box, i = argument(tokens, i, sizes, True, pt)
        return box, "ordinary", i
    if t in ACCENTS:
        (w, a, d), i = argument(tokens, i, sizes, roman, pt)
        return (w, a + 0.3 * size, d), "ordinary", i
    if t == r"\left":
        return delimited(tokens, i, sizes, roman, pt)
    w, a, d = symbol(t, roman)
    return (w * size, a * size, d * size), kind_of(t, tokens[i - 2] if i >= 2 else None), i


def delimited(tokens, i, sizes, roman, pt):
    r"""The box of ``\left X ... \right Y`` from ``X`` at ``i``, its class, and the index after it.

    TeX grows a delimiter until it covers ``DELIMITER_FACTOR`` of what it encloses, measured
    both ways from the maths axis, or all but ``SHORTFALL`` points of it; past the font's
    own size it takes the next of the extension font's sizes (``BIG``, in points at any
    size of text, as LaTeX sets them without ``exscale``). TeX puts a thin space either side.
    """
    size, opening = sizes[0], tokens[i] if i < len(tokens) else "."
    w, a, d, i = group(tokens, i + 1, sizes, roman, pt)
    closing = tokens[i + 1] if i + 1 < len(tokens) else "."
    reach = 2 * max(a - AXIS * size, d + AXIS * size)
    need = max(reach * DELIMITER_FACTOR, reach - SHORTFALL / pt)
    total, each = size, 0.39 * size  # the font's own: as tall as a parenthesis
    for points, width in BIG:
        if need <= total:
            break
        total, each = points / pt, width / pt
    sides = sum(each if x != "." else 0.0 for x in (opening, closing)) + 2 * THIN * size  # TeX's Inner atom
    return ((w + sides, max(a, AXIS * size + total / 2), max(d, total / 2 - AXIS * size)), "ordinary",
            i + 2)


def kind_of(t, before):
    if before == r"\right":
        return "ordinary"
    if t in OPENING or before == r"\left":
        return "opening"
    if t in BINARY:
        return "binary"
    if t in RELATION:
        return "relation"
    if t in PUNCTUATION:
        return "punctuation"
    return "digit" if t.isdigit() else "ordinary"


def symbol(t, roman):
    """``(width, height, depth)`` of one token at the size of the text."""
    if t in GLYPHS:
        return GLYPHS[t]
    if t in SPACES:
        return SPACES[t], 0.0, 0.0
    if t.isdigit() and t.isascii():
        return 0.5, 0.67, 0.03
    if t.isascii() and t.isalpha():
        return ((ROMAN if roman else ITALIC)[t], 0.7 if t in TALL or t.isupper() else 0.45,
                0.21 if t in DEEP else 0.03)
    name = t[1:]
    if t.startswith("\\") and name in GREEK:
        return GREEK[name], 0.72, 0.22
    if t.startswith("\\") and name in FUNCTIONS:  # upright, a thin space either side
        return sum(ROMAN[c] for c in name) + 0.34, 0.7, 0.21 if set(name) & DEEP else 0.03
    return UNKNOWN


def argument(tokens, i, sizes, roman, pt):
    """The box of one argument (a group or a single token) and the index after it."""
    if i < len(tokens) and tokens[i] == "{":
        w, a, d, i = group(tokens, i + 1, sizes, roman, pt)
        return (w, a, d), i + 1
    if i < len(tokens):
        box, _, i = atom(tokens, i, sizes, roman, pt)
        return box, i
    return (0.0, 0.0, 0.0), i


def scripts(tokens, i, base, sizes, roman, pt):
    """The box of ``base`` with the super- and subscripts at ``i``, and the index after them."""
    w, a, d = base
    size = sizes[0]
    sup = sub = None
    while i < len(tokens) and tokens[i] in ("^", "_"):
        mark = tokens[i]
        box, i = argument(tokens, i + 1, smaller(sizes), roman, pt)
        if mark == "^":
            sup = box
        else:
            sub = box
    extra, height, depth = 0.0, a, d
    if sup is not None:
        extra = sup[0] + SUP_KERN * size
        height = max(height, SUP_SHIFT * size + sup[1])
        depth = max(depth, sup[2] - SUP_SHIFT * size)
    if sub is not None:
        shift = max(0.26 * size, sub[1] - 0.14 * size) if sup is not None else SUB_SHIFT * size
        extra = max(extra, sub[0] + SUB_KERN * size)
        height = max(height, sub[1] - shift)
        depth = max(depth + 0.04 * size, shift + sub[2])  # under an accent, it drops a little
    return (w + extra, height, depth), i


# Widths in ems of DejaVu Sans, the text font of matplotlib's notes: narrow, wide, others.
NARROW_TEXT, WIDE_TEXT = set("'ijlIJ ,./:;\\|f!t-r()[]\"`"), set("mwMW@%#")


def plain_size(texts, pt):
    """Width and height (cm) of plain-text lines (notes) at ``pt`` points, set in DejaVu Sans.

    Examples
    --------
    >>> w, h = plain_size(["one line", "and another"], 8.0)
    >>> round(w, 2), round(h, 2)
    (1.78, 0.73)
    """
    def width(text):
        return sum(0.4 if c in NARROW_TEXT else 1.0 if c in WIDE_TEXT or not c.isascii()
                   else 0.78 if c.isupper() or c.isdigit() else 0.64 for c in text)

    return (max((width(t) for t in texts), default=0.0) * pt * CM_PER_PT,
            len(texts) * 1.3 * pt * CM_PER_PT)
