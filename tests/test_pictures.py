"""Pictures: the files are produced and valid, and their labels carry the right derivatives.

Labels are checked against the worked example's numbers (Werbos 1990, typed in here,
not taken from orderdiff) and, at a point, against finite differences of a forward
pass written in the test. SVG must parse as XML, a PNG's header must give the size
the picture asked for, the TikZ must compile with pdflatex, and the DOT is read back
by a strict parser of the subset it writes (and by pydot and Graphviz when present).
"""

import functools
import math
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

import orderdiff
from conftest import WERBOS
from orderdiff.cli import main
from orderdiff import OrderdiffError
from orderdiff.pictures import (Label, MAX_NODES, arrange, draw, picture, to_dot,
                                to_tikz, write)
from orderdiff.pictures import dot as dot_writer
from orderdiff.pictures import mpl
from orderdiff.pictures.model import EDGE_PT, NODE_PT
from orderdiff.pictures.textsize import plain_size, text_size

# The worked example: dz_j/dz_i on each edge and d+E/dv on each node, from Werbos (1990), docs/math.md.
WERBOS_EDGES = {("z1", "z2"): 2, ("z1", "z3"): 1, ("z2", "z3"): 3, ("z1", "z4"): 1, ("z2", "z4"): 2,
                ("z3", "z4"): 4, ("z2", "E"): 2, ("z4", "E"): 4}
WERBOS_NODES = {"z1": 136, "z2": 58, "z3": 16, "z4": 4, "E": 1}
NONLINEAR = "h = tanh(W_ho*x + b)\nq = sigmoid(h)*alpha/(1 + x^2)\nE = q**2 + relu(h) + abs(x_1)"
CHAIN = "\n".join(["z0 = x"] + [f"z{i} = 2*z{i - 1} + z{max(i - 3, 0)}" for i in range(1, 60)])


def werbos():
    return orderdiff.derive(orderdiff.parse(WERBOS))


def name(n):
    """``z4`` -> ``z_{4}``: how the LaTeX printer writes the example's names."""
    return re.sub(r"(\d+)$", r"_{\1}", n)


# --- labels ------------------------------------------------------------------------------------

def test_worked_example_edges_carry_the_explicit_partials():
    p = picture(werbos())
    assert {(e.u, e.v) for e in p.edges} == set(WERBOS_EDGES)
    for (u, v), partial in WERBOS_EDGES.items():
        label = p.edge(u, v).label
        assert label.text == f"∂{v}/∂{u} = {partial}"
        assert label.math == rf"\partial {name(v)} / \partial {name(u)} = {partial}"


@pytest.mark.parametrize("values", [None, {"z1": 1.0}, {"z1": -3.5}])
def test_worked_example_nodes_carry_the_ordered_derivatives(values):
    p = picture(werbos(), values=values)
    for v, total in WERBOS_NODES.items():
        head, derivative = p.node(v).lines
        assert head.text == v and head.math == name(v)
        assert derivative.text == f"∂⁺E/∂{v} = {total}"
        assert derivative.math == rf"\partial^{{+}} E / \partial {name(v)} = {total}"


def number_in(label):
    return float(label.text.rsplit("= ", 1)[1])


def test_numbers_at_a_point_match_finite_differences():
    point = {"W_ho": 0.3, "x": -0.4, "b": 0.1, "alpha": 2.0, "x_1": -1.0}

    def forward(W_ho, x, b, alpha, x_1):
        h = math.tanh(W_ho * x + b)
        q = 1 / (1 + math.exp(-h)) * alpha / (1 + x ** 2)
        return q ** 2 + max(h, 0.0) + abs(x_1)

    p = picture(orderdiff.derive(orderdiff.parse(NONLINEAR)), values=point)
    for v in point:
        eps = 1e-6
        up, down = dict(point, **{v: point[v] + eps}), dict(point, **{v: point[v] - eps})
        fd = (forward(**up) - forward(**down)) / (2 * eps)
        assert number_in(p.node(v).lines[1]) == pytest.approx(fd, rel=1e-5, abs=1e-6)
    h = math.tanh(0.3 * -0.4 + 0.1)
    assert number_in(p.edge("b", "h").label) == pytest.approx(1 - h ** 2, rel=1e-5)


def test_symbolic_labels_use_the_closed_form_and_latex_names():
    p = picture(orderdiff.derive(orderdiff.parse(NONLINEAR)))
    assert p.edge("b", "h").label.text == "∂h/∂b = 1 - h**2"
    assert p.edge("b", "h").label.math == r"\partial h / \partial b = 1 - h^{2}"
    assert p.node("q").lines[1].math == r"\partial^{+} E / \partial q = 2 q"
    assert p.node("W_ho").lines[0].math == "W_{ho}"
    # function names upright without amsmath's \operatorname, for a tikz-only document
    assert r"\mathrm{sigmoid}" in p.edge("alpha", "q").label.math
    assert not any(r"\operatorname" in line.math for n in p.nodes for line in n.lines)


def test_too_long_falls_back_to_the_recursive_form_then_an_ellipsis():
    d = orderdiff.derive(orderdiff.parse(NONLINEAR))
    p = picture(d)
    # the closed form of d+E/dW_ho is too long; Eq. 1 in d+E/dh is short enough
    assert p.node("W_ho").lines[1].text == "∂⁺E/∂W_ho = x*(1 - h**2)*∂⁺E/∂h"
    assert p.node("h").lines[1].text == "∂⁺E/∂h = …" and p.node("h").lines[1].clipped
    assert p.node("h").lines[1].math.endswith(r"= \ldots")
    assert "… marks an expression too long to show." in p.notes
    assert all(len(line.text) <= 60 for n in p.nodes for line in n.lines)


def test_over_budget_closed_form_shows_the_recursive_form():
    d = orderdiff.derive(orderdiff.parse("a = sin(x)*cos(x)\nb = a*sin(a)\nE = b*cos(b)"), max_size=20)
    assert d.closed["x"] is None
    label = picture(d).node("x").lines[1]
    assert label.text.startswith("∂⁺E/∂x = (") and label.text.endswith(")*∂⁺E/∂a")
    assert not label.clipped
    assert sorted(re.findall(r"(?:sin|cos)\(x\)\*\*2", label.text)) == ["cos(x)**2", "sin(x)**2"]


# --- layout ------------------------------------------------------------------------------------

def overlap(a, b):
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    return abs(ax - bx) < (aw + bw) / 2 and abs(ay - by) < (ah + bh) / 2


@pytest.mark.parametrize("text", [WERBOS, NONLINEAR, "h = tanh(w*x)\ny = h*v\nE = (y - t)^2 + h"])
def test_layout_inputs_left_target_right_nothing_overlaps(text):
    d = orderdiff.derive(orderdiff.parse(text))
    p = picture(d)
    G = d.system.graph
    drawn = G.subgraph(d.system.resolve(v) for v in p.node_map)
    assert p.columns == tuple(tuple(sorted((v.name for v in g), key=lambda v: -p.node(v).y))
                              for g in nx.topological_generations(drawn))
    assert set(p.columns[0]) == {v.name for v in d.inputs} and p.columns[-1] == ("E",)
    xs = [p.node(c[0]).x for c in p.columns]
    assert xs == sorted(xs) and all(p.node(v).x == xs[k] for k, c in enumerate(p.columns) for v in c)
    boxes = [(n.x, n.y, n.w, n.h) for n in p.nodes]
    labels = [(*e.at, e.w, e.h) for e in p.edges]
    assert not any(overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert not any(overlap(a, b) for a in labels for b in boxes)
    xmin, ymin, xmax, ymax = p.bounds
    assert all(xmin <= x - w / 2 and x + w / 2 <= xmax and ymin <= y - h / 2 and y + h / 2 <= ymax
               for x, y, w, h in boxes + labels)


def test_arcs_go_around_the_columns_they_skip():
    from orderdiff.pictures.routes import bezier
    p = picture(werbos())
    for e in p.edges:
        a, b = p.node(e.u), p.node(e.v)
        assert e.straight == (b.column == a.column + 1)
        for n in p.nodes:
            if a.column < n.column < b.column:
                assert not any(overlap((*bezier(e.route, t / 100), 0, 0), (n.x, n.y, n.w, n.h))
                               for t in range(101)), (e.u, e.v, n.name)
        # the drawn curve starts and ends on the boxes' borders
        start, _, end = e.clipped_route
        assert abs(abs(start[0] - a.x) - a.w / 2) < 1e-6 or abs(abs(start[1] - a.y) - a.h / 2) < 1e-6
        assert abs(abs(end[0] - b.x) - b.w / 2) < 1e-6 or abs(abs(end[1] - b.y) - b.h / 2) < 1e-6


def test_arrange_takes_any_node_type():
    """Nodes that are not Symbols (here: (name, t) pairs of an unrolled graph) lay out alike."""
    G = nx.DiGraph([(("h", 0), ("h", 1)), (("x", 1), ("h", 1)), (("h", 1), ("C", 1))])
    p = arrange(G, ("C", 1), lambda v: (Label(f"{v[0]}_{{{v[1]}}}", f"{v[0]}[{v[1]}]"),),
                lambda u, v: Label("w", "w"), name=lambda v: f"{v[0]}[{v[1]}]")
    assert p.columns == (("h[0]", "x[1]"), ("h[1]",), ("C[1]",))
    assert p.edge("h[0]", "h[1]").label.text == "w"
    assert '"h[0]" -> "h[1]" [label="w"];' in dot_writer.render(p)


# --- large systems -----------------------------------------------------------------------------

def test_a_large_system_draws_the_targets_neighbourhood_and_says_what_is_left_out():
    d = orderdiff.derive(orderdiff.parse(CHAIN))
    p = picture(d)
    assert len(p.nodes) <= MAX_NODES < len(d.order)
    distance = nx.single_source_shortest_path_length(d.system.graph.reverse(), d.target)
    kept = {v.name for v, k in distance.items() if k <= p.depth}
    assert set(p.node_map) == kept and len(kept) + 3 > MAX_NODES  # the largest depth that fits
    assert set(p.beyond) == {v.name for v in d.order} - kept
    assert p.notes[0] == (f"{len(p.beyond)} variables farther than {p.depth} edges from z59 are left out; "
                          "dashed boxes have inputs among them.")
    G = d.system.graph
    assert {n.name for n in p.nodes if n.cut} == {
        v for v in kept if any(u.name not in kept for u in G.predecessors(d.system.resolve(v)))}


def test_depth_is_used_as_given():
    d = werbos()
    p = picture(d, depth=1)
    assert set(p.node_map) == {"E", "z4", "z2"} and p.depth == 1 and set(p.beyond) == {"z1", "z3"}
    assert {n.name for n in p.nodes if n.cut} == {"z2", "z4"}
    assert picture(d, depth=0).columns == (("E",),)
    full = picture(d, depth=4)
    assert full.depth is None and not full.beyond and not full.notes and len(full.nodes) == 5


def test_variables_the_target_does_not_use_are_left_out_and_named():
    d = orderdiff.derive(orderdiff.parse("a = 2*x\nE = a*y\nF = y + 1"), "E")
    p = picture(d)
    assert set(p.node_map) == {"x", "y", "a", "E"} and p.unrelated == ("F",)
    assert "E does not depend on F: not drawn." in p.notes


def test_bad_arguments_are_orderdiff_errors():
    d = werbos()
    with pytest.raises(OrderdiffError, match=r"the depth must be 0 or more, not -1"):
        picture(d, depth=-1)
    with pytest.raises(OrderdiffError, match=r"node budget"):
        picture(d, max_nodes=0)
    with pytest.raises(OrderdiffError, match=r"cannot draw a picture to a file with '\.jpg'; name it "
                                             r"with one of \.svg, \.png, \.pdf, \.dot, \.tex"):
        draw(d, "werbos.jpg")
    with pytest.raises(orderdiff.ValueInputError):
        picture(d, values={"z1": 1.0, "z9": 2.0})


def test_an_unwritable_file_is_an_orderdiff_error(tmp_path):
    for suffix in (".svg", ".dot"):
        with pytest.raises(OrderdiffError, match="cannot write the picture"):
            draw(werbos(), tmp_path / "missing" / f"w{suffix}")


# --- files -------------------------------------------------------------------------------------

def test_svg_is_xml_of_the_pictures_size_with_an_element_per_node_and_edge(tmp_path):
    out = tmp_path / "werbos.svg"
    p = draw(werbos(), out)
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    width, height = mpl.size_inches(p)
    assert float(root.get("width").removesuffix("pt")) == pytest.approx(width * 72, abs=0.01)
    assert float(root.get("height").removesuffix("pt")) == pytest.approx(height * 72, abs=0.01)
    ids = {el.get("id") for el in root.iter()}
    assert {f"node-{v}" for v in WERBOS_NODES} <= ids
    assert {f"edge-{u}-{v}" for u, v in WERBOS_EDGES} <= ids


def test_svg_is_reproducible(tmp_path):
    draw(werbos(), tmp_path / "a.svg")
    draw(werbos(), tmp_path / "b.svg")
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("values", [None, {"W_ho": 0.3, "x": -0.4, "b": 0.1, "alpha": 2.0, "x_1": -1.0}])
def test_png_decodes_at_the_pictures_size(tmp_path, values):
    import matplotlib.image

    out = tmp_path / "nonlinear.png"
    p = draw(orderdiff.derive(orderdiff.parse(NONLINEAR)), out, values=values)
    width, height = png_size(out)
    w_in, h_in = mpl.size_inches(p)
    assert abs(width - w_in * mpl.DPI) <= 1 and abs(height - h_in * mpl.DPI) <= 1
    pixels = matplotlib.image.imread(out)
    assert pixels.shape[:2] == (height, width) and pixels.min() < 0.5 < pixels.max()


def test_pdf_is_written(tmp_path):
    out = tmp_path / "werbos.pdf"
    draw(werbos(), out, values={"z1": 1.0})
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_a_label_mathtext_rejects_is_drawn_as_plain_text(tmp_path):
    G = nx.DiGraph([("a", "b")])
    p = arrange(G, "b", lambda v: (Label(r"\frac{" + v, f"{v} $1"),), lambda u, v: Label("x^{", "x^"))
    write(p, tmp_path / "odd.svg")
    ET.parse(tmp_path / "odd.svg")


# --- DOT ---------------------------------------------------------------------------------------

DOT_STRING = r'"((?:[^"\\]|\\.)*)"'
DOT_LINES = [
    ("comment", re.compile(r"// .*")),
    ("open", re.compile(rf"digraph {DOT_STRING} \{{")),
    ("attr", re.compile(r'  (rankdir=LR|node \[shape=box, style="rounded", fontsize=10\]|'
                        r'edge \[fontsize=8\]);')),
    ("label", re.compile(rf"  label={DOT_STRING}; labelloc=b; labeljust=l; fontsize=8;")),
    ("node", re.compile(rf'  {DOT_STRING} \[label={DOT_STRING}'
                        r'(?:, style="rounded,dashed")?(?:, penwidth=2)?\];')),
    ("rank", re.compile(rf"  \{{ rank=same;(?: {DOT_STRING};)+ \}}")),
    ("edge", re.compile(rf"  {DOT_STRING} -> {DOT_STRING} \[label={DOT_STRING}(?:, style=dashed)?\];")),
    ("close", re.compile(r"\}")),
]


def unquote(s):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), s)


def read_dot(text):
    """Nodes ``{name: label}`` and edges ``{(u, v): label}`` of the DOT subset orderdiff writes.

    Every line must be one of ``DOT_LINES``; strings are unescaped; edges must join
    declared nodes.
    """
    nodes, edges, kinds = {}, {}, []
    for line in text.splitlines():
        for kind, pattern in DOT_LINES:
            m = pattern.fullmatch(line)
            if m:
                break
        else:
            raise AssertionError(f"not a line orderdiff writes: {line!r}")
        kinds.append(kind)
        if kind == "node":
            nodes[unquote(m.group(1))] = unquote(m.group(2))
        elif kind == "edge":
            edges[unquote(m.group(1)), unquote(m.group(2))] = unquote(m.group(3))
    assert kinds[:2] == ["comment", "open"] and kinds[-1] == "close" and kinds.count("close") == 1
    assert all(u in nodes and v in nodes for u, v in edges)
    return nodes, edges


def test_dot_of_the_worked_example_reads_back():
    nodes, edges = read_dot(to_dot(werbos()))
    assert nodes == {v: f"{v}\n∂⁺E/∂{v} = {t}" for v, t in WERBOS_NODES.items()}
    assert edges == {(u, v): f"∂{v}/∂{u} = {p}" for (u, v), p in WERBOS_EDGES.items()}


def test_dot_quotes_any_text():
    odd = ['say "hi"', "back\\slash", "two\nlines", "\\n literally", "{ braces; } -> arrow"]
    G = nx.DiGraph([(odd[i], odd[i + 1]) for i in range(len(odd) - 1)])
    p = arrange(G, odd[-1], lambda v: (Label("x", v), Label("y", v + "!")), lambda u, v: Label("z", u + v))
    nodes, edges = read_dot(dot_writer.render(p))
    assert nodes == {v: f"{v}\n{v}!" for v in odd}
    assert edges == {(u, v): u + v for u, v in G.edges}


def test_dot_is_accepted_by_pydot_and_graphviz_when_installed(tmp_path):
    text = to_dot(werbos(), depth=2)
    checked = 0
    try:
        import pydot  # noqa: F401
    except ImportError:
        pass
    else:
        (tmp_path / "w.dot").write_text(text, encoding="utf-8")
        G = nx.nx_pydot.read_dot(tmp_path / "w.dot")
        assert set(G.nodes) >= {"z2", "z3", "z4", "E"}
        checked += 1
    if shutil.which("dot"):
        run = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        ET.fromstring(run.stdout)
        checked += 1
    if not checked:
        pytest.skip("neither pydot nor Graphviz is installed (the strict reader checked the DOT)")


# --- TikZ and LaTeX ----------------------------------------------------------------------------

def pdflatex_with_tikz_or_skip():
    exe = shutil.which("pdflatex")
    kpsewhich = shutil.which("kpsewhich")
    has_tikz = exe and kpsewhich and subprocess.run([kpsewhich, "tikz.sty"], capture_output=True,
                                                    text=True).stdout.strip()
    if not has_tikz:
        if os.environ.get("CI"):
            pytest.fail("pdflatex with TikZ is required in CI (apt-get install texlive-pictures)")
        pytest.skip("pdflatex or tikz.sty not installed")
    return exe


def compile_latex(exe, tmp_path, text):
    (tmp_path / "doc.tex").write_text(text, encoding="utf-8")
    run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000
    return run.stdout


MINIMAL = ("\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n\\input{picture}\n"
           "\\end{document}\n")


@pytest.mark.parametrize("text, values, depth", [
    (WERBOS, None, None), (WERBOS, {"z1": 1e20}, None), (NONLINEAR, None, None),
    ("x_ = a__b + _c\nlambda_ = x_ * Theta\nE = lambda_ + x_", None, None),
    (CHAIN, None, 3), ("a = 2*x\nE = a*y\nF = y + 1", {"x": float("inf"), "y": 1.0}, None)],
    ids=["werbos", "huge", "nonlinear", "odd-names", "cut", "unrelated-inf"])
def test_tikz_picture_compiles_in_a_document_with_only_tikz(tmp_path, text, values, depth):
    exe = pdflatex_with_tikz_or_skip()
    system = orderdiff.parse(text)
    d = orderdiff.derive(system, "E" if "F =" in text else None)
    (tmp_path / "picture.tex").write_text(to_tikz(d, values=values, depth=depth), encoding="utf-8")
    compile_latex(exe, tmp_path, MINIMAL)


def test_tikz_of_the_worked_example_carries_its_labels():
    text = to_tikz(werbos())
    assert text.startswith("% orderdiff graph of E") and "\\usetikzlibrary" not in text
    assert text.count("\\begin{tikzpicture}") == 1 and text.rstrip().endswith("\\end{tikzpicture}")
    for v, total in WERBOS_NODES.items():
        assert rf"{{${name(v)}$ \\ $\partial^{{+}} E / \partial {name(v)} = {total}$}};" in text
    for (u, v), partial in WERBOS_EDGES.items():
        assert rf"{{$\partial {name(v)} / \partial {name(u)} = {partial}$}};" in text
    assert text.count("\\draw[->]") == len(WERBOS_EDGES) and text.count(".. controls") == 4


def test_the_latex_document_includes_the_picture_unless_told_not_to():
    d = werbos()
    document = d.to_latex()
    assert "\\usepackage{tikz}\n" in document and "\\section*{The system as a graph}" in document
    assert to_tikz(d).rstrip("\n") in document
    plain = d.to_latex(figure=False)
    assert "tikz" not in plain and "graph" not in plain
    assert document.replace("\\usepackage{tikz}\n", "") != plain
    assert "tikzpicture" not in d.to_latex(body_only=True)
    assert "tikzpicture" in d.to_latex(body_only=True, figure=True)


def test_a_large_document_scales_its_picture_and_compiles(tmp_path):
    exe = pdflatex_with_tikz_or_skip()
    d = orderdiff.derive(orderdiff.parse(CHAIN))
    document = d.to_latex(values={"x": 0.5})
    assert "more are left out." in document and smallest_label_pt(document) >= 7
    log = compile_latex(exe, tmp_path, document)
    # the long equations of the derivations overflow anyway; the picture adds nothing to that
    without = compile_latex(exe, tmp_path, d.to_latex(values={"x": 0.5}, figure=False))
    assert log.count("Overfull \\hbox") == without.count("Overfull \\hbox")


# --- the command -------------------------------------------------------------------------------

def invoke(args):
    return CliRunner().invoke(main, args)


@pytest.mark.parametrize("suffix", [".svg", ".png", ".dot", ".tex"])
def test_graph_command_writes_the_file(tmp_path, suffix):
    src = tmp_path / "werbos.eqs"
    src.write_text(WERBOS)
    out = tmp_path / f"werbos{suffix}"
    result = invoke(["graph", str(src), "--at", "z1=1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == "" and out.stat().st_size > 100
    if suffix == ".dot":
        assert read_dot(out.read_text(encoding="utf-8"))[1]["z3", "z4"] == "∂z4/∂z3 = 4"


def test_graph_command_bad_suffix_is_a_clean_error(tmp_path):
    src = tmp_path / "werbos.eqs"
    src.write_text(WERBOS)
    out = tmp_path / "werbos.jpeg"
    result = invoke(["graph", str(src), "-o", str(out)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and not out.exists()
    assert result.output == (f"{out}: cannot draw a picture to a file with '.jpeg'; name it with one of "
                             ".svg, .png, .pdf, .dot, .tex\n")


def test_graph_command_reports_bad_values_and_targets(tmp_path):
    src = tmp_path / "werbos.eqs"
    src.write_text(WERBOS)
    out = str(tmp_path / "w.svg")
    result = invoke(["graph", str(src), "--at", "z2=1", "-o", out])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("--at:1:1: z2 is not an input; z2 is defined by equations")
    result = invoke(["graph", str(src), "-t", "z9", "-o", out])
    assert result.exit_code == 1 and "--target:1:1:" in result.output
    assert invoke(["graph", str(src)]).exit_code == 2  # -o is required


def test_graph_command_says_what_a_large_system_leaves_out(tmp_path):
    src = tmp_path / "chain.eqs"
    src.write_text(CHAIN)
    out = tmp_path / "chain.dot"
    result = invoke(["graph", str(src), "--depth", "2", "-o", str(out)])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "note: 55 variables farther than 2 edges from z59 are left out; dashed boxes have inputs among them.",
        "note: left out: x, z0, z1, z2, z3, z4, z5, z6, z7, z8, z9, z10, z11, z12, z13, z14, z15, z16, "
        "z17, z18, …; --depth K draws K edges back from z59"]
    assert set(read_dot(out.read_text(encoding="utf-8"))[0]) == {"z53", "z55", "z56", "z57", "z58", "z59"}
    result = invoke(["graph", str(src), "-o", str(out)])
    assert result.exit_code == 0 and "left out" in result.stderr
    assert len(read_dot(out.read_text(encoding="utf-8"))[0]) <= MAX_NODES


def test_derive_latex_no_figure(tmp_path):
    src = tmp_path / "werbos.eqs"
    src.write_text(WERBOS)
    with_figure = invoke(["derive", str(src), "--format", "latex"])
    without = invoke(["derive", str(src), "--format", "latex", "--no-figure"])
    assert with_figure.exit_code == 0 and without.exit_code == 0
    assert "\\begin{tikzpicture}" in with_figure.output and "tikz" not in without.output
    body = invoke(["derive", str(src), "--format", "latex", "--body-only"])
    assert "tikz" not in body.output


# --- block files: the unrolled graph and the folded cell --------------------------------------
# The shares of the Elman network (Elman 1990), worked by hand and typed in here: xc = [x; h[t-1]] passes back the slices
# of its g, zh = W_ih xc + b passes W_ihᵀ g, tanh' = 1 - h ⊙ h, softmax' g = y ⊙ (g - <y, g>), and
# C = -Σ yhat · log y gives ∂C/∂y = -yhat / y and ∂C/∂yhat = -log y.

ELMAN = os.path.join(os.path.dirname(__file__), "..", "examples", "elman.eqs")
GRU = os.path.join(os.path.dirname(__file__), "..", "examples", "gru.eqs")
ELMAN_SHARES = {("x", "xc"): "g[0:n_x]", ("xc", "zh"): "W_ihᵀ g",
                ("zh", "h"): "g ⊙ (1 - h[{t}] ⊙ h[{t}])", ("h", "zo"): "W_hoᵀ g",
                ("zo", "y"): "y[{t}] ⊙ (g - dot(y[{t}], g))"}
ELMAN_TO_C = {"y": "-yhat[{t}] / y[{t}]", "yhat": "-log(y[{t}])"}
H_SLICE = "g[n_x:n_h + n_x]"  # h[t-1] is the second block of xc[t]
PARAMETERS = "W_ih, b_ih, W_ho, b_ho"


def elman_picture(steps):
    return picture(orderdiff.derive(orderdiff.load(ELMAN), steps=steps))


def block_edges(p):
    return {(e.u, e.v): e for e in p.edges}


def test_unrolled_elman_has_every_step_and_the_edges_between_steps():
    p = elman_picture(2)
    steps = {f"{v}[{t}]" for v in ("x", "xc", "zh", "h", "zo", "y", "yhat") for t in (1, 2)}
    assert {n.name for n in p.nodes} == steps | {"h[0]", "C"}
    expected = {(f"{u}[{t}]", f"{v}[{t}]") for u, v in ELMAN_SHARES for t in (1, 2)}
    expected |= {(f"{u}[{t}]", "C") for u in ELMAN_TO_C for t in (1, 2)}
    expected |= {("h[0]", "xc[1]"), ("h[1]", "xc[2]")}
    assert set(block_edges(p)) == expected and len(p.edges) == len(expected)
    assert not any(e.dashed for e in p.edges)
    assert p.notes[-1] == f"Used at every step and not drawn: {PARAMETERS}."


def test_unrolled_edges_carry_the_shares_with_g_for_the_heads_ordered_derivative():
    edges = block_edges(elman_picture(2))
    for t in (1, 2):
        for (u, v), share in ELMAN_SHARES.items():
            assert edges[f"{u}[{t}]", f"{v}[{t}]"].label.text == share.format(t=t)
        for u, share in ELMAN_TO_C.items():
            assert edges[f"{u}[{t}]", "C"].label.text == share.format(t=t)
    assert edges["h[1]", "xc[2]"].label.text == edges["h[0]", "xc[1]"].label.text == H_SLICE
    assert edges["h[1]", "xc[2]"].label.math == "g[n_{x}{:}n_{h} + n_{x}]"
    assert edges["xc[2]", "zh[2]"].label.math == r"W_{ih}^{\top} \, g"


def test_unrolled_nodes_carry_eq_1_in_their_users_ordered_derivatives():
    p = elman_picture(2)

    def form(name):
        lines = [line.text for line in p.node(name).lines]
        assert lines[0] == name
        return " ".join(lines[1:])

    # Eq. 1 read off the picture: each outgoing edge's share with the head's ∂⁺C/∂v for g
    assert form("h[1]") == "∂⁺C/∂h[1] = (∂⁺C/∂xc[2])[n_x:n_h + n_x] + W_hoᵀ ∂⁺C/∂zo[1]"
    assert form("h[2]") == "∂⁺C/∂h[2] = W_hoᵀ ∂⁺C/∂zo[2]"
    assert form("zh[1]") == "∂⁺C/∂zh[1] = ∂⁺C/∂h[1] ⊙ (1 - h[1] ⊙ h[1])"
    assert form("y[2]") == "∂⁺C/∂y[2] = -yhat[2] / y[2]"
    assert form("C") == "∂⁺C/∂C = 1"
    assert all(len(line.text) <= 40 for n in p.nodes for line in n.lines)


def test_unrolled_layout_runs_time_left_to_right_and_the_data_path_upwards():
    p = elman_picture(3)
    for v in ("xc", "zh", "h", "zo", "y"):
        xs = [p.node(f"{v}[{t}]").x for t in (1, 2, 3)]
        assert xs == sorted(xs) and len(set(xs)) == 3
    for t in (1, 2, 3):
        ys = [p.node(f"{v}[{t}]").y for v in ("x", "xc", "zh", "h", "zo", "y")]
        assert ys == sorted(ys) and len(set(ys)) == 6
        assert p.node(f"xc[{t}]").x == p.node(f"y[{t}]").x  # one column per step
    assert p.node("h[0]").x < p.node("xc[1]").x and p.node("h[0]").y == p.node("h[1]").y
    assert p.node("C").y > p.node("y[2]").y and p.node("C").x == p.node("y[2]").x
    assert p.columns[0] == ("h[0]",) and p.columns[2][0] == "x[2]"
    assert_no_overlap(p)


def assert_no_overlap(p):
    boxes = [(n.x, n.y, n.w, n.h) for n in p.nodes] + [(*e.at, e.w, e.h) for e in p.edges]
    for i, (x, y, w, h) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1:]:
            assert abs(x - x2) >= (w + w2) / 2 - 1e-9 or abs(y - y2) >= (h + h2) / 2 - 1e-9


def test_folded_cell_has_a_dashed_edge_to_the_previous_step():
    p = elman_picture(None)
    edges = block_edges(p)
    assert {n.name for n in p.nodes} == {"x[t]", "yhat[t]", "xc[t]", "zh[t]", "h[t]", "zo[t]", "y[t]", "C",
                                         "h[0]", "W_ih", "b_ih", "W_ho", "b_ho"}
    assert {k for k, e in edges.items() if e.dashed} == {("h[0]", "xc[t]"), ("h[t]", "xc[t]")}
    assert edges["h[t]", "xc[t]"].label.text == f"t-1: {H_SLICE}"
    assert edges["h[0]", "xc[t]"].label.text == f"t = 1: {H_SLICE}"
    assert edges["xc[t]", "zh[t]"].label.text == "W_ihᵀ g" and not edges["xc[t]", "zh[t]"].dashed
    assert edges["W_ih", "zh[t]"].label.text == "Σₜ g xc[t]ᵀ"
    assert edges["b_ho", "zo[t]"].label.text == "Σₜ g"


def test_folded_cell_shows_the_compact_forms():
    p = elman_picture(None)

    def form(name):
        return " ".join(line.text for line in p.node(name).lines[1:])

    # the deltas of backpropagation through time, and the gradients
    assert form("zh[t]") == ("∂⁺C/∂zh[t] = (W_hoᵀ ∂⁺C/∂zo[t] + W_ih[:, n_x:n_h + n_x]ᵀ "
                             "∂⁺C/∂zh[t+1]) ⊙ (1 - h[t] ⊙ h[t])")
    assert form("zo[t]") == "∂⁺C/∂zo[t] = y[t] - yhat[t]"
    assert form("W_ih") == "∂⁺C/∂W_ih = Σₜ ∂⁺C/∂zh[t] xc[t]ᵀ"
    assert form("h[0]") == "∂⁺C/∂h[0] = W_ih[:, n_x:n_h + n_x]ᵀ ∂⁺C/∂zh[1]"
    assert form("xc[t]") == form("h[t]") == form("C") == ""  # folded into their users
    # the parameters stand in one column on the right, each pair around the node that uses it
    assert p.node("b_ih").y < p.node("zh[t]").y < p.node("W_ih").y < p.node("b_ho").y < p.node("zo[t]").y \
        < p.node("W_ho").y
    lefts = {round(p.node(v).x - p.node(v).w / 2, 9) for v in ("W_ih", "b_ih", "W_ho", "b_ho")}
    main = [n for n in p.nodes if n.column == 0]
    assert len(lefts) == 1 and lefts.pop() > max(n.x + n.w / 2 for n in main)
    h0 = p.node("h[0]")  # beside the step, on one side or the other
    assert h0.x - h0.w / 2 > max(n.x + n.w / 2 for n in main) or h0.x + h0.w / 2 < min(n.x - n.w / 2 for n in main)
    assert_no_overlap(p)


def test_a_recurrence_of_a_variable_on_itself_is_a_loop(tmp_path):
    p = draw(orderdiff.derive(orderdiff.load(GRU)), tmp_path / "gru.tex")
    edges = block_edges(p)
    # h[t] = (1 - u[t]) * h[t-1] + u[t] * n[t]: h[t] passes g ⊙ (1 - u[t+1]) on to h[t+1]'s g
    loop = edges["h[t]", "h[t]"]
    assert loop.label.text == "t-1: g ⊙ (1 - u[t+1])" and not loop.straight
    assert edges["h[0]", "h[t]"].label.text == "t = 1: g ⊙ (1 - u[1])"
    assert {k for k, e in edges.items() if e.dashed} == {(u, v) for u in ("h[0]", "h[t]")
                                                         for v in ("xc[t]", "n[t]", "h[t]")}
    text = (tmp_path / "gru.tex").read_text(encoding="utf-8")
    assert text.count("\\draw[->, dashed]") == 6


@pytest.mark.parametrize("steps", [None, 2])
def test_block_picture_files_are_valid(tmp_path, steps):
    d = orderdiff.derive(orderdiff.load(ELMAN), steps=steps)
    p = draw(d, tmp_path / "elman.svg")
    root = ET.parse(tmp_path / "elman.svg").getroot()
    ids = {el.get("id") for el in root.iter()}
    assert {f"node-{mpl.safe_id(n.name)}" for n in p.nodes} <= ids
    assert {f"edge-{mpl.safe_id(e.u)}-{mpl.safe_id(e.v)}" for e in p.edges} <= ids
    assert ("stroke-dasharray" in (tmp_path / "elman.svg").read_text()) == (steps is None)
    nodes, edges = read_dot(to_dot(d))
    assert set(edges) == {(e.u, e.v) for e in p.edges} and set(nodes) == {n.name for n in p.nodes}
    draw(d, tmp_path / "elman.png")
    assert png_size(tmp_path / "elman.png")[0] == pytest.approx(mpl.size_inches(p)[0] * mpl.DPI, abs=1)


@pytest.mark.parametrize("path, steps", [(ELMAN, 2), (ELMAN, None), (GRU, None)])
def test_block_tikz_compiles_in_a_document_with_only_tikz(tmp_path, path, steps):
    exe = pdflatex_with_tikz_or_skip()
    d = orderdiff.derive(orderdiff.load(path), steps=steps)
    (tmp_path / "picture.tex").write_text(to_tikz(d), encoding="utf-8")
    compile_latex(exe, tmp_path, MINIMAL)


def test_block_pictures_refuse_too_many_steps_values_and_depth():
    with pytest.raises(OrderdiffError, match="at most 8 steps, not 9: each step adds a column"):
        elman_picture(9)
    d = orderdiff.derive(orderdiff.load(ELMAN))
    with pytest.raises(OrderdiffError, match="values and depth apply to pictures of scalar systems"):
        picture(d, depth=2)


def test_block_latex_includes_the_picture_unless_told_not_to():
    d = orderdiff.derive(orderdiff.load(ELMAN))
    document = d.to_latex()
    assert "\\usepackage{tikz}\n" in document and "\\section*{One step as a graph}" in document
    # the same nodes and edges; the legend is in the text, not under the picture
    drawn = [line for line in to_tikz(d).splitlines() if line.startswith(("\\node[od", "\\draw"))]
    assert all(line in document for line in drawn if "od note" not in line)
    assert "stands for d+C/dv" not in document and "with $g$ standing for" in document
    plain = d.to_latex(figure=False)
    assert "tikz" not in plain and "as a graph" not in plain
    assert "tikz" not in d.to_latex(body_only=True)
    assert "\\begin{tikzpicture}" in d.to_latex(body_only=True, figure=True)
    unrolled = orderdiff.derive(orderdiff.load(ELMAN), steps=2).to_latex()
    assert "\\section*{The unrolled graph, $T = 2$}" in unrolled and "\\scalebox{" in unrolled
    assert "tikz" not in orderdiff.derive(orderdiff.load(ELMAN), steps=9).to_latex()


def test_graph_command_draws_block_files(tmp_path):
    out = tmp_path / "elman.dot"
    result = invoke(["graph", ELMAN, "--steps", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"note: Used at every step and not drawn: {PARAMETERS}.\n"
    assert read_dot(out.read_text(encoding="utf-8"))[1]["h[1]", "xc[2]"] == H_SLICE
    result = invoke(["graph", ELMAN, "-o", str(out)])
    assert result.exit_code == 0 and result.output == ""
    assert read_dot(out.read_text(encoding="utf-8"))[1]["h[t]", "xc[t]"] == f"t-1: {H_SLICE}"


@pytest.mark.parametrize("args, message", [
    (["--steps", "9"], ("at most 8 steps, not 9: each step adds a column of boxes and labels, and more "
                        "would not be legible; unroll fewer steps, or leave out --steps to draw the folded "
                        "cell")),
    (["--depth", "1"], "--depth draws part of a scalar system's graph"),
    (["--at", "x=1"], "--at applies to scalar equation files")])
def test_graph_command_block_errors(tmp_path, args, message):
    out = tmp_path / "elman.svg"
    result = invoke(["graph", ELMAN, *args, "-o", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output and not out.exists()
    assert result.output.startswith(f"{ELMAN}: ") and message in result.output


def test_graph_command_steps_needs_a_block_file(tmp_path):
    src = tmp_path / "werbos.eqs"
    src.write_text(WERBOS)
    result = invoke(["graph", str(src), "--steps", "2", "-o", str(tmp_path / "w.svg")])
    assert result.exit_code == 1 and "--steps unrolls a time-indexed (block) file" in result.output


def test_derive_latex_no_figure_for_block_files():
    with_figure = invoke(["derive", ELMAN, "--format", "latex"])
    without = invoke(["derive", ELMAN, "--format", "latex", "--no-figure"])
    assert with_figure.exit_code == 0 and without.exit_code == 0
    assert "\\begin{tikzpicture}" in with_figure.output and "tikz" not in without.output
    assert "tikz" not in invoke(["derive", ELMAN, "--format", "latex", "--body-only"]).output


MLP = ("dim n_x, n_h\ninput x: n_x\ninput y: 1\nparam W1: n_h, n_x\nparam b1: n_h\nparam w2: n_h\n"
       "h = tanh(W1 @ x + b1)\nout = dot(w2, h)\nE = squared_error(y, out)\n")


def test_a_block_system_without_steps_is_drawn_in_columns(tmp_path):
    d = orderdiff.derive(orderdiff.parse(MLP))
    p = draw(d, tmp_path / "mlp.svg")
    ET.parse(tmp_path / "mlp.svg")
    assert p.columns == (("W1", "b1", "w2", "x", "y"), ("h",), ("out",), ("E",))
    edges = block_edges(p)
    # tanh' = 1 - h ⊙ h; out = <w2, h> passes its scalar g times w2 back to h
    assert edges["b1", "h"].label.text == "g ⊙ (1 - h ⊙ h)"
    assert edges["x", "h"].label.text == "W1ᵀ (g ⊙ (1 - h ⊙ h))"
    assert edges["h", "out"].label.text == "g · w2"
    assert "\\section*{The network as a graph}" in d.to_latex()


# --- labels collide with nothing: not another label, not a box, not an edge not their own ------
# The geometry here is the test's own: curves sampled finely, segments tested against boxes
# with orientation tests, independent of the layout's clipping.

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")
BLOCK_EXAMPLES = ("elman", "jordan", "gru", "lstm")
SCALAR_EXAMPLES = ("werbos", "neuron")
EVERY_PICTURE = ([(f, None) for f in SCALAR_EXAMPLES + BLOCK_EXAMPLES]
                 + [(f, t) for f in BLOCK_EXAMPLES for t in (2, 3)])


@functools.lru_cache(maxsize=None)
def example_picture(name, steps):
    return picture(orderdiff.derive(orderdiff.load(os.path.join(EXAMPLES, f"{name}.eqs")), steps=steps))


def curve_points(route, n=400):
    """``n + 1`` points along the quadratic Bézier curve ``route``, as an array."""
    (x0, y0), (cx, cy), (x2, y2) = route
    t = np.linspace(0.0, 1.0, n + 1)[:, None]
    return (1 - t) ** 2 * np.array([x0, y0]) + 2 * t * (1 - t) * np.array([cx, cy]) + t * t * np.array([x2, y2])


def polyline_enters(points, box):
    """Whether the polyline through ``points`` has a point strictly inside ``box``: a vertex inside,
    or a segment properly crossing one of its sides."""
    x, y, w, h = box
    if np.any((np.abs(points[:, 0] - x) < w / 2) & (np.abs(points[:, 1] - y) < h / 2)):
        return True
    p, q = points[:-1], points[1:]
    corners = [(x - w / 2, y - h / 2), (x + w / 2, y - h / 2), (x + w / 2, y + h / 2), (x - w / 2, y + h / 2)]
    for a, b in zip(corners, corners[1:] + corners[:1]):
        a, b = np.array(a), np.array(b)

        def side(u, v, r):  # the sign of the turn u -> v -> r
            return np.sign((v[..., 0] - u[..., 0]) * (r[..., 1] - u[..., 1])
                           - (v[..., 1] - u[..., 1]) * (r[..., 0] - u[..., 0]))

        if np.any((side(p, q, a) * side(p, q, b) < 0) & (side(a, b, p) * side(a, b, q) < 0)):
            return True
    return False


@pytest.mark.parametrize("name, steps", EVERY_PICTURE)
def test_no_label_meets_another_label_a_box_or_an_edge_not_its_own(name, steps):
    p = example_picture(name, steps)
    labels = [(*e.at, e.w, e.h) for e in p.edges]
    boxes = [(n.x, n.y, n.w, n.h) for n in p.nodes]
    for e in p.edges:  # each box holds its text, as the layout measures it
        w, h = text_size([e.label], EDGE_PT)
        assert e.w >= w and e.h >= h
    for i, a in enumerate(labels):
        assert not any(overlap(a, b) for b in labels[i + 1:]), p.edges[i]
        assert not any(overlap(a, b) for b in boxes), p.edges[i]
    for i, e in enumerate(p.edges):
        points = curve_points(e.clipped_route)
        crossed = [p.edges[j].label.text for j, box in enumerate(labels) if j != i and polyline_enters(points, box)]
        assert not crossed, (e.u, e.v, crossed)
        x, y, w, h = labels[i]  # and its own label sits on it
        assert np.any((np.abs(points[:, 0] - x) <= w / 2) & (np.abs(points[:, 1] - y) <= h / 2)), (e.u, e.v)


def test_the_oracle_sees_a_crossing_and_a_clear_miss():
    box = (0.0, 0.0, 1.0, 0.4)
    assert polyline_enters(curve_points(((-2, -1), (0, 0), (2, 1))), box)  # through the middle
    assert polyline_enters(np.array([[-1.0, 0.19], [1.0, 0.19]]), box)  # one straight piece, no vertex in
    assert not polyline_enters(curve_points(((-2, 0.21), (0, 0.21), (2, 0.21))), box)
    assert not polyline_enters(curve_points(((-2, -1), (0, 3), (2, -1))), box)  # an arc over it


@pytest.mark.parametrize("name", BLOCK_EXAMPLES)
def test_a_folded_cell_is_no_larger_than_a_page_or_two(name):
    p = example_picture(name, None)
    assert p.width < 36 and p.height < 30  # cm


# --- the size estimate against the typesetters ---------------------------------------------------

EXTRA_LABELS = [r"\partial^{+} E / \partial z_{1} = 136", r"1.5 \cdot 10^{20}", r"\frac{\alpha}{x^{2} + 1}",
                r"\mathrm{sigmoid}\left(h\right) \alpha / \left(x^{2} + 1\right)", r"\sqrt{x + 1}",
                r"\theta\left(x\right)", r"\partial a / \partial w_{1} = 0.0835635"]


def every_label():
    """The edge labels and the node boxes' lines of every example picture, and a few labels more."""
    pictures = [example_picture(*k) for k in EVERY_PICTURE]
    pictures.append(picture(orderdiff.derive(orderdiff.load(os.path.join(EXAMPLES, "neuron.eqs"))),
                            values={"w1": 0.5, "x1": 1, "w2": -0.3, "x2": 2, "b": 0.4, "target": 0.2}))
    edges = {e.label.math for p in pictures for e in p.edges} | set(EXTRA_LABELS)
    nodes = {tuple(line.math for line in n.lines) for p in pictures for n in p.nodes}
    notes = {line for p in pictures for line in p.note_lines}
    return sorted(edges), sorted(nodes), sorted(notes)


def test_the_size_estimate_is_never_smaller_than_matplotlibs_rendering():
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    edges, nodes, notes = every_label()
    assert len(edges) > 100 and len(nodes) > 100
    with matplotlib.rc_context(mpl.RC):
        fig = Figure(figsize=(20, 20), dpi=600)
        FigureCanvasAgg(fig)
        ax, renderer = fig.add_axes((0, 0, 1, 1)), fig.canvas.get_renderer()

        def rendered(text, pt):  # width and height in cm, as drawn
            t = ax.text(0.5, 0.5, text, fontsize=pt, multialignment="center")
            box = t.get_window_extent(renderer)
            t.remove()
            return box.width / fig.dpi * 2.54, box.height / fig.dpi * 2.54

        checks = ([(f"${m}$", EDGE_PT, text_size([Label(m, m)], EDGE_PT)) for m in edges]
                  + [("\n".join(f"${m}$" for m in ms), NODE_PT, text_size([Label(m, m) for m in ms], NODE_PT))
                     for ms in nodes])
        for text, pt, (w, h) in checks:
            real_w, real_h = rendered(text, pt)
            assert real_w <= w and real_h <= h, (text, real_w, w, real_h, h)
            assert w < 1.6 * real_w + 0.1 and h < 1.8 * real_h + 0.1, text  # and not absurdly more
        for line in notes:
            real_w, _ = rendered(mpl.plain(line), EDGE_PT)
            assert real_w <= plain_size([line], EDGE_PT)[0], line


def test_the_size_estimate_is_never_smaller_than_texs_setting(tmp_path):
    exe = pdflatex_with_tikz_or_skip()
    edges, nodes, _ = every_label()
    node_font, edge_font = "\\fontsize{10}{12}\\selectfont", "\\fontsize{8}{9.5}\\selectfont"
    stacked = ["\\begin{tikzpicture}\\node[align=center, inner sep=0pt, font=" + node_font + "] {"
               + " \\\\ ".join(f"${m}$" for m in ms) + "};\\end{tikzpicture}" for ms in nodes]
    measure = ("\\def\\m#1#2{\\sbox0{#1}\\typeout{M:#2:\\the\\wd0:\\the\\ht0:\\the\\dp0}}\n"
               + "".join(f"\\m{{{edge_font}${m}$}}{{e{k}}}\n" for k, m in enumerate(edges))
               + "".join(f"\\m{{{box}}}{{n{k}}}\n" for k, box in enumerate(stacked)))
    log = compile_latex(exe, tmp_path, f"\\documentclass{{article}}\n\\usepackage{{tikz}}\n\\begin{{document}}\n"
                                       f"{measure}x\n\\end{{document}}\n")
    found = dict((m[0], [float(v) * 2.54 / 72.27 for v in m[1:]])
                 for m in re.findall(r"^M:(\w+):([\d.]+)pt:([\d.]+)pt:([\d.]+)pt", log, re.M))
    assert len(found) == len(edges) + len(nodes)
    for key, lines, pt in ([(f"e{k}", [m], EDGE_PT) for k, m in enumerate(edges)]
                           + [(f"n{k}", list(ms), NODE_PT) for k, ms in enumerate(nodes)]):
        w, h = text_size([Label(m, m) for m in lines], pt)
        real_w, real_h, real_d = found[key]
        assert real_w <= w and real_h + real_d <= h, (lines, real_w, w, real_h + real_d, h)


# --- the legend explains the symbol the labels use --------------------------------------------

FUNCTION_WORDS = {"log", "exp", "tanh", "sigmoid", "softmax", "dot", "pad", "sum"}


@pytest.mark.parametrize("name, steps", [(f, t) for f in BLOCK_EXAMPLES for t in (None, 2)] + [("mlp", None)])
def test_every_adjoint_symbol_on_an_edge_is_explained_by_the_legend(name, steps):
    d = (orderdiff.derive(orderdiff.parse(MLP)) if name == "mlp" else
         orderdiff.derive(orderdiff.load(os.path.join(EXAMPLES, f"{name}.eqs")), steps=steps))
    p = picture(d)
    system = d.system
    known = {*system.equations, *system.declarations, *system.inits, *system.dims, "t", *FUNCTION_WORDS}
    used = {w for e in p.edges for w in re.findall(r"(?<![\w'])[A-Za-z_]\w*'*", e.label.text, re.ASCII)} - known
    # a system with a variable g writes g' for the ordered derivative at the head
    expected = "g'" if "g" in system.equations else "g"
    assert used == {expected} and p.adjoint == expected
    assert any(f"{expected} stands for d+{d.target.name}/dv" in note for note in p.legend)
    assert all(f"{other} stands for" not in note for note in p.legend for other in {"g", "g'"} - {expected})
    assert f"with ${expected}$ standing for" in d.to_latex()
    assert f"({expected}: the ordered derivative at its head)" in to_dot(d).splitlines()[0]


# --- the picture in a LaTeX document: labels of 7 pt or more, no half-empty page ----------------

def smallest_label_pt(document):
    """The smallest size (pt) a label of the document's picture is set at: the least TikZ font size
    times the \\scalebox around the picture."""
    figure = document[document.index("\\begin{figure}"):document.index("\\end{figure}")]
    sizes = [float(n) for n in re.findall(r"\\fontsize\{([\d.]+)\}", figure)]
    factors = [float(f) for f in re.findall(r"\\scalebox\{([\d.]+)\}", figure)]
    return min(sizes) * math.prod(factors)


DOCUMENTS = [("werbos", None), ("neuron", None), ("elman", None), ("elman", 2), ("elman", 3), ("jordan", None),
             ("gru", None), ("lstm", None), ("lstm", 3)]


def document(name, steps):
    return orderdiff.derive(orderdiff.load(os.path.join(EXAMPLES, f"{name}.eqs")), steps=steps).to_latex()


@pytest.mark.parametrize("name, steps", DOCUMENTS)
def test_a_documents_picture_keeps_its_labels_at_7_points_or_more(name, steps):
    text = document(name, steps)
    assert smallest_label_pt(text) >= 7
    sideways = "\\rotatebox{90}" in text
    assert ("\\begin{figure}[p]" in text) == sideways and ("\\begin{figure}[htbp]" in text) != sideways


def test_a_document_says_what_its_picture_stands_in_for():
    three = document("elman", 3)
    assert "the graph unrolled over 3 steps does not fit on a page. Instead, the picture" in three
    assert "draws the folded cell" in three and "\\section*{The unrolled graph, $T = 3$}" in three
    lstm = document("lstm", None)
    assert "The parameters are left out, so that it fits." in lstm and "Not drawn: W, b, W\\_y, b\\_y." in lstm
    assert "with $g'$ standing for" in lstm


def page_words(pdf, page):
    """``(page height, [(word, yMax)])`` of one page of ``pdf``, read by pdftotext."""
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, timeout=60).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', out).group(1))
    return height, [(w, float(y)) for y, w in re.findall(r'yMax="([\d.]+)">([^<]*)</word>', out)]


def pages_of(pdf):
    return int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                           text=True).stdout).group(1))


@pytest.mark.parametrize("name, steps", [("werbos", None), ("elman", None), ("elman", 3), ("gru", None)])
def test_a_documents_picture_leaves_no_half_empty_page(tmp_path, name, steps):
    exe = pdflatex_with_tikz_or_skip()
    if not (shutil.which("pdftotext") and shutil.which("pdfinfo")):
        pytest.skip("pdftotext and pdfinfo (poppler-utils) not installed")
    d = orderdiff.derive(orderdiff.load(os.path.join(EXAMPLES, f"{name}.eqs")), steps=steps)
    compile_latex(exe, tmp_path, d.to_latex())
    log = compile_latex(exe, tmp_path, d.to_latex())  # again, for the page reference
    assert "undefined" not in log.lower()
    pages = pages_of(tmp_path / "doc.pdf")
    height, words = page_words(tmp_path / "doc.pdf", 1)
    body = [y for w, y in words if w != "1"]  # all but the page number
    assert max(body) > 0.7 * height  # the text runs on down page 1, whatever comes after it
    compile_latex(exe, tmp_path, d.to_latex(figure=False))
    assert pages <= pages_of(tmp_path / "doc.pdf") + 1  # the picture takes one page at most


def test_a_split_label_keeps_the_brackets_of_a_product_next_to_odot():
    from orderdiff.blocks import expr as B
    from orderdiff.pictures.blocklabels import pieces
    from orderdiff.printers.blockexpr import BlockLatexPrinter, BlockTextPrinter

    d = orderdiff.derive(orderdiff.load(os.path.join(EXAMPLES, "elman.eqs")))
    (zh,) = [form for v, form in d.compact.items() if v.name == "zh"]
    shares, derivative = zh.args  # (W_hoᵀ g + ...) ⊙ (1 - h ⊙ h)
    at_T = B.Hadamard(shares.args[0], derivative)
    lines = [text for text, _ in pieces(at_T, BlockTextPrinter(d.target), BlockLatexPrinter(d.target), 10)]
    assert lines[0] == "(W_hoᵀ ∂⁺C/∂zo[t])" and lines[1].startswith("⊙ (")
