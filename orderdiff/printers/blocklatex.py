r"""LaTeX view of a block derivation: the body of its document (article + amsmath).

Generic in t it typesets the whole derivation of backpropagation through time: the
network, its dependencies unrolled over the steps, Eq. 1 for every node, each
recurrence reached from Eq. 1 one substitution at a time with its form at t = T, and
the parameter gradients. Unrolled over T steps: the network, the edges of the DAG and
Eq. 1 for every node h_1, ..., h_T. Column blocks print as ``W_{ih}[:,\, n_{x}{:}n_{h}
+ n_{x}]`` (the NumPy slice, the block of W_ih acting on h_{t-1}); the rest of the
notation is in :mod:`orderdiff.printers.blockexpr`. Sums too wide for a line continue
on the next (``\quad + ...``); ``\allowdisplaybreaks`` lets long derivations span pages.
An input declared ``distribution`` is stated as ``\sum_{i} \hat{y}_{t,i} = 1``, its entries
i at each step t. :func:`render_display` gives the recurrences and gradients alone, as one
display for a notebook; :mod:`orderdiff.documents` puts the body in a document with its picture.
"""

from __future__ import annotations

from ..blocks import expr as B
from .blockcontent import boundaries, dependencies, folded, is_generic, shares, split, unfold, view
from .blockexpr import SUM, BlockLatexPrinter, BlockTextPrinter, time_text
from .blocktext import eq1_generic
from .content import fmt_number

WIDTH = 56  # characters of the unicode text form that fit on one line of a display
PER_LINE = 8  # nodes per line in a list of dependencies
SUMMARY_ROWS = 40  # formulas in a notebook's display; to_latex() has them all


def render_body(derivation, *, form=None, wrt=None, figure=None):
    r"""The block derivation as the body of a LaTeX document.

    Parameters
    ----------
    derivation : Derivation
    form, wrt : optional
        As for :func:`~orderdiff.printers.blocktext.render_text`: recursive leaves out the
        recurrences and gradients; ``wrt`` shows only the selected nodes' derivatives and the
        recurrences their forms read.
    figure : callable, optional
        ``figure(derivation, printer)``: the lines of a picture's section, set after the
        network's (see :func:`orderdiff.documents.block_document`).

    Returns
    -------
    str

    Examples
    --------
    >>> import orderdiff
    >>> d = orderdiff.derive(orderdiff.parse("dim n\nparam w: n\ninput x[t]: n\ninit h[0] = 0\n"
    ...                                      "h[t] = tanh(w * h[t-1] + x[t])\nC = sum_t(sum(h[t]))"))
    >>> print(render_body(d).split("\\section*{Parameter gradients}")[1])
    <BLANKLINE>
    Each parameter is used at every step, so its ordered derivative sums the steps' shares; an initial value is used by the first step only.
    \begin{align*}
    \frac{\partial^{+} C}{\partial w} &= \sum_{t=1}^{T} \frac{\partial^{+} C}{\partial h_{t}} \odot \left(1 - h_{t} \odot h_{t}\right) \odot h_{t-1} \\
    \frac{\partial^{+} C}{\partial h_{0}} &= \frac{\partial^{+} C}{\partial h_{1}} \odot \left(1 - h_{1} \odot h_{1}\right) \odot w
    \end{align*}
    <BLANKLINE>
    """
    doc = Document(derivation, view(derivation, form, wrt))
    sections = doc.network() + (figure(derivation, doc.p) if figure else [])
    sections += doc.dependencies() + doc.eq1()
    shown = doc.shown
    closed = shown.form == "closed"
    recurrent = closed and derivation.system.timed and (shown.everything or bool(shown.recurrences
                                                                                 or shown.substituted))
    if recurrent:
        sections += doc.bptt()
    if closed:
        sections += doc.gradients()
    if not recurrent:
        sections += doc.assumptions()
    return "\n".join(sections)


def align(lines):
    return ["\\begin{align*}", " \\\\\n".join(lines), "\\end{align*}", ""]


class Document:
    """The sections of one derivation's document; ``p`` prints LaTeX, ``w`` measures widths;
    ``shown`` is what they show (:func:`~orderdiff.printers.blockcontent.view`)."""

    def __init__(self, derivation, shown=None):
        self.d = derivation
        self.shown = view(derivation) if shown is None else shown
        self.p = BlockLatexPrinter(derivation.target)
        self.w = BlockTextPrinter(derivation.target)
        self.gone = None

    def math(self, e):
        return f"${self.p.doprint(e)}$"

    def shape(self, shape):
        dims = [self.p.wrap(x, SUM + 1) for x in shape]  # n_h \times (n_h + n_x)
        return "scalar" if not dims else "$" + r" \times ".join(dims) + "$"

    # ----- the network ------------------------------------------------------------------------
    def network(self):
        system, p = self.d.system, self.p
        out = ["\\section*{The network}"]
        if system.dims:
            out.append("Dimensions " + ", ".join(f"${p.doprint(s)}$" for s in system.dims.values())
                       + " (symbolic). ")
        out += ["The declared leaves (vectors are columns):", "\\begin{center}", "\\begin{tabular}{lll}"]
        out += [f"{a} & {b} & {c} \\\\" for a, b, c in self.leaves()]
        out += ["\\end{tabular}", "\\end{center}"]
        loop = bool(system.timed)
        for title, names in (("Before the loop over $t$:" if loop else "The equations, in order:", system.before),
                             ("At every step $t = 1, \\dots, T$, in this order:", system.timed),
                             ("After the loop (summing over $t$):", system.after)):
            if names:
                eqs = [system.equations[n] for n in names]
                out += [title] + align([f"{p.doprint(eq.var)} &= {p.doprint(eq.expr)}" for eq in eqs])
        return out

    def leaves(self):
        system = self.d.system
        for decl in system.declarations.values():
            var = system.var(decl.name)
            what = ("input at every step" if decl.timed else "input") if decl.kind == "input" else "parameter"
            what += ", entries sum to 1" if decl.distribution else ""
            yield self.math(var), what, self.shape(decl.shape)
        for name, slots in system.inits.items():
            for s, decl in sorted(slots.items(), reverse=True):
                value = (f"${self.p.doprint(system.var(decl.given_by))}$" if decl.given_by is not None
                         else f"every entry ${fmt_number(decl.fill)}$")
                yield self.math(system.var(name, s)), f"initial value, {value}", self.shape(system.shape(name))

    # ----- dependencies -----------------------------------------------------------------------
    def dependencies(self):
        p = self.p
        if is_generic(self.d):
            title = "\\section*{The unrolled dependencies}"
            text = ("Unrolled over $t = 1, \\dots, T$, every step repeats these edges (node $\\leftarrow$ "
                    "what it is computed from); an index $t-k$ is a node of the step $k$ before.")
        else:
            title = f"\\section*{{The unrolled dependencies, $T = {self.d.steps_count}$}}"
            text = "The edges of the unrolled graph (node $\\leftarrow$ what it is computed from)."
        lines = []
        for user, nodes in dependencies(self.d):
            chunks = [",\\ ".join(p.doprint(v) for v in nodes[k:k + PER_LINE])
                      for k in range(0, len(nodes), PER_LINE)]
            lines.append(f"{p.doprint(user)} &\\leftarrow {chunks[0]}")
            lines += [f"&\\qquad {c}" for c in chunks[1:]]
        return [title, text] + align(lines)

    # ----- Eq. 1 ------------------------------------------------------------------------------
    def eq1(self):
        p, C = self.p, self.d.target
        u, v = B.Var("u"), B.Var("v")
        out = ["\\section*{Ordered derivatives (Eq.~1)}",
               ("Werbos's chain rule over the nodes, from the target back: each user $u$ of $v$ passes "
               "back its ordered derivative through the transposed Jacobian of its equation,"),
               "\\begin{equation*}",
               (f"{p.ordered(v)} = {p.explicit(C, v)} + \\sum_{{u}} \\left({p.explicit(u, v)}\\right)^{{\\top}} "
               f"{p.ordered(u)}"),
               "\\end{equation*}",
               f"with, for {'every node' if self.shown.everything else 'each node shown'}, Eq.~1 "
               "instantiated, then simplified:"]
        out += align([f"{p.ordered(C)} &= 1"]) if self.shown.target else []
        for node in reversed(self.shown.nodes):
            out += align(self.derivation_lines(node, self.eq1_parts(node)))
        unrelated = [f"{p.ordered(v)} &= 0 && \\text{{(${p.doprint(C)}$ does not depend on {self.math(v)})}}"
                     for v in self.shown.unrelated]
        return out + (align(unrelated) if unrelated else [])

    def eq1_parts(self, v):
        """Eq. 1 for ``v`` as lists of ``(sign, latex, width)`` terms: generic, instantiated, simplified."""
        p, w, terms = self.p, self.w, shares(self.d, v)
        generic = [("+", p.explicit(self.d.target, v), len(w.explicit(self.d.target, v)))]
        for s in terms:
            sub = r"\sum_{t=1}^{T} " if s.summed else ""
            generic.append(("+", rf"{sub}\left({p.explicit(s.user, v)}\right)^{{\top}} {p.ordered(s.user)}",
                            len(eq1_generic(w, v, s))))
        explicit = self.d.explicit[v]
        given = B.Plus(explicit, *(s.expr for s in terms)) if terms else explicit
        return [generic, self.terms(given), self.terms(self.d.recursive[v])]

    def terms(self, e):
        return [(sign, text, len(width)) for (sign, text), (_, width) in zip(self.p.terms(e), self.w.terms(e))]

    def derivation_lines(self, v, parts, notes=()):
        """``lhs &= part`` then ``&= part`` for each part unlike the one before, wrapped at WIDTH."""
        lines, before = [], None
        for k, terms in enumerate(parts):
            text = [t for _, t, _ in terms]
            if text == before:
                continue
            before = text
            note = f" \\tag*{{{notes[k]}}}" if k < len(notes) and notes[k] else ""
            first, *rest = wrapped(terms)
            lines.append(("" if lines else self.p.ordered(v) + " ") + f"&= {first}{note}")
            lines += [f"&\\quad {x}" for x in rest]
        return lines

    # ----- backpropagation through time ---------------------------------------------------------
    def bptt(self):
        recurrences = self.shown.recurrences
        gone = [v for v in folded(self.d) if v.time]
        out = ["\\section*{Backpropagation through time}"]
        if gone:
            out.append("The ordered derivatives of the nodes used once ("
                       + ", ".join(self.math(v) for v in gone) + ") are substituted into the users' "
                       "Eq.~1, one at a time; what remains are the recurrences, run for "
                       "$t = T, T-1, \\dots, 1$ with every ordered derivative past $T$ zero.")
        if self.d.system.leads:
            out.append("A recurrence in the step before ($t-1$, that of a variable that reads the next step) "
                       "runs for $t = 1, 2, \\dots, T$, with every ordered derivative before step 1 zero.")
        if not recurrences and self.shown.everything:
            out.append("No node needs its own ordered derivative at a later step: there are no recurrences.")
        if self.shown.needed:
            out.append("The recurrences of " + ", ".join(self.math(v) for v in self.shown.needed)
                       + " are shown because the selected forms read them.")
        for v, e in recurrences.items():
            lines = self.unfolded(v)
            for when, w, f in boundaries(self.d, v, e):
                lines.append(f"{self.p.ordered(w)} &= {self.p.doprint(f)} \\tag*{{at $t = {time_text(when)}$}}")
            out += align(lines)
        if self.shown.substituted:
            out.append("The selected nodes without a recurrence, in the ordered derivatives above:")
            out += align([x for v, e in self.shown.substituted.items() for x in self.formula(v, e)])
        return out + self.assumptions()

    def assumptions(self):
        if not self.d.assume:
            return []
        items = [f"\\item {self.distribution(name)}" for name in sorted(self.d.assume)]
        return ["Assuming:", "\\begin{itemize}", *items, "\\end{itemize}", ""]

    def formula(self, v, e, note=None):
        """``v``'s ordered derivative ``= e`` as lines of an aligned display, wrapped at WIDTH."""
        first, *rest = wrapped(self.terms(e))
        tag = f" && \\text{{at }} {note}" if note else ""
        return [f"{self.p.ordered(v)} &= {first}{tag}"] + [f"&\\quad {x}" for x in rest]

    def display_distribution(self, name):
        every = r" \text{ for every } t" if self.d.system.declarations[name].timed else ""
        return distribution_sum(self.p, self.d.system, name) + every

    def distribution(self, name):
        """What declaring ``name`` a distribution assumes, where, in running text."""
        system = self.d.system
        decl = system.declarations[name]
        every = " for every $t$" if decl.timed else ""
        return (f"${distribution_sum(self.p, system, name)}${every} (${self.p.doprint(B.Var(name))}$ is declared "
                f"\\texttt{{distribution}} on line {decl.line})")

    def unfolded(self, v):
        if self.gone is None:
            self.gone = set(folded(self.d))  # once: every recurrence and gradient unfolds over them
        steps = unfold(self.d, v, self.gone)
        notes = [how.replace("Eq. 1", "Eq.~1") for how, _ in steps] if len(steps) > 1 else []
        return self.derivation_lines(v, [self.terms(f) for _, f in steps], notes)

    def gradients(self):
        gradients = self.shown.gradients
        out = ["\\section*{Parameter gradients}",
               ("Each parameter is used at every step, so its ordered derivative sums the steps' shares; "
               "an initial value is used by the first step only.")] if gradients else []
        lines = [x for v in gradients for x in self.unfolded(v)]
        return out + (align(lines) if lines else [])


def wrapped(terms):
    """A sum as lines no wider than ``WIDTH``: ``a + b``, then ``+ c + d``, ..."""
    lines, line, width = [], "", 0
    for k, (sign, text, w) in enumerate(terms):
        piece = (f"-{text}" if sign == "-" else text) if k == 0 else f"{sign} {text}"
        if line and width + w > WIDTH:
            lines.append(line)
            line, width = piece, w
        else:
            line, width = (f"{line} {piece}" if line else piece), width + w + 3
    return lines + [line]


def distribution_sum(p, system, name):
    r"""``\sum_{i} \hat{y}_{t,i} = 1``: the entries of the distribution input ``name`` sum to 1."""
    return rf"\sum_{{i}} {p.entry(system.var(name), 'i')} = 1"


def render_display(derivation):
    r"""The ordered derivatives a program runs, as one ``aligned`` display, for Jupyter's ``_repr_latex_``.

    Generic in t: the backward recurrences, each with its forms at the last steps (where
    the ordered derivatives past T are zero), then the parameter gradients. Unrolled: the
    Eq. 1 of every defined node from the target back, then the gradients. Then what the
    forms assume. MathJax renders it: ``aligned``, ``\text`` and ``\operatorname`` are the
    only commands beyond plain TeX's. Past ``SUMMARY_ROWS`` formulas, the rest are counted.

    Parameters
    ----------
    derivation : Derivation

    Returns
    -------
    str
        ``$$\begin{aligned} ... \end{aligned}$$``, groups apart by ``\\[1ex]``.

    Examples
    --------
    >>> import orderdiff
    >>> d = orderdiff.derive(orderdiff.parse("dim n\nparam w: n\ninput x[t]: n\ninit h[0] = 0\n"
    ...                                      "h[t] = tanh(w * h[t-1] + x[t])\nC = sum_t(sum(h[t]))"))
    >>> print(render_display(d).replace(" \\\\", "\n"))
    $$\begin{aligned}\frac{\partial^{+} C}{\partial h_{t}} &= \mathbf{1} + \frac{\partial^{+} C}{\partial h_{t+1}} \odot \left(1 - h_{t+1} \odot h_{t+1}\right) \odot w
     \frac{\partial^{+} C}{\partial h_{T}} &= \mathbf{1} && \text{at } t = T
    [1ex] \frac{\partial^{+} C}{\partial w} &= \sum_{t=1}^{T} \frac{\partial^{+} C}{\partial h_{t}} \odot \left(1 - h_{t} \odot h_{t}\right) \odot h_{t-1}
     \frac{\partial^{+} C}{\partial h_{0}} &= \frac{\partial^{+} C}{\partial h_{1}} \odot \left(1 - h_{1} \odot h_{1}\right) \odot w\end{aligned}$$
    """
    doc = Document(derivation)
    recurrences, gradients = split(derivation)
    if is_generic(derivation):
        first = []
        for v, e in recurrences.items():
            first.append(doc.formula(v, e))
            first += [doc.formula(w, f, f"t = {time_text(when)}") for when, w, f in boundaries(derivation, v, e)]
    else:
        defined = derivation.system.equations
        first = [doc.formula(v, derivation.recursive[v]) for v in reversed(derivation.order)
                 if v.name in defined and v != derivation.target and v not in gradients]
    groups = capped([first, [doc.formula(v, e) for v, e in gradients.items()]])
    groups.append([[f"&\\text{{assuming }} {doc.display_distribution(name)}"] for name in sorted(derivation.assume)])
    return "$$\\begin{aligned}" + " \\\\[1ex] ".join(joined(g) for g in groups if g) + "\\end{aligned}$$"


def capped(groups):
    """The groups with at most ``SUMMARY_ROWS`` formulas in all, the rest counted in the last."""
    out, room = [], SUMMARY_ROWS
    for g in groups:
        out.append(g[:max(room, 0)])
        room -= len(g)
    if room < 0:
        out[-1] = out[-1] + [[rf"&\vdots \quad \text{{({-room} more: see to\_latex())}}"]]
    return out


def joined(formulas):
    return " \\\\ ".join(line for lines in formulas for line in lines)
