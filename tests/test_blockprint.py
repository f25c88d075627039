"""Text, LaTeX and JSON views of block derivations: golden strings of the Elman (1990) network's
recurrences worked out by hand, each block class in each notation, every pair of operations
read back by a parser of each notation, and a real pdflatex compile."""

import json
import re
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest
from sympy import Integer, Rational, S, Symbol
from test_latex import pdflatex_or_skip

import orderdiff
from orderdiff.blocks import expr as B
from orderdiff.printers.blockexpr import PRECEDENCE, BlockLatexPrinter, BlockTextPrinter

ELMAN = Path(__file__).parent.parent / "examples" / "elman.eqs"
DOC_EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"

TINY = """\
dim n
param w: n
input x[t]: n
init h[0] = 0
h[t] = tanh(w * h[t-1] + x[t])
C = sum_t(sum(h[t]))
"""

# Every printer path at once: a lag of two, slices, division, abs/relu/sigmoid/sqrt,
# a scalar parameter, transpose, dot, powers and squared error.
OPERATIONS = """\
dim n, m
input x[t]: n
input p[t]: m
param W: 2*m, n + m
param V: m, m
param a
init h[0] = 0
init h[-1] = 0.5
z[t] = W @ concat(x[t], h[t-1])
h[t] = relu(z[t][0:m]) * sigmoid(z[t][m:]) + a * h[t-2] / (1 + abs(h[t-1]))
y[t] = transpose(V) @ h[t]
C = sum_t(squared_error(p[t], y[t]) + dot(h[t], h[t]) ** 2 - sum(sqrt(1 + y[t]**2)))
"""


def section(text, title):
    return text[text.index(title):]


# ----- the Elman network's recurrences, worked by hand ----------------------------------------
# delta_o = y - yhat; delta_h[t] = (W_ho^T delta_o[t] + W_hh^T delta_h[t+1]) (.) (1 - h (.) h) with
# W_hh = W_ih[:, n_x:n_x+n_h] (xc = [x; h[t-1]]); at T no delta_h[T+1]; the four sums; h[0] takes
# W_hh^T delta_h[1] (it enters only xc[1]).
ELMAN_BPTT = """\
Backpropagation through time, t = T, T-1, ..., 1 (ordered derivatives past T are 0):
∂⁺C/∂zo[t] = y[t] - yhat[t]
∂⁺C/∂zh[t] = (W_hoᵀ ∂⁺C/∂zo[t] + W_ih[:, n_x:n_h + n_x]ᵀ ∂⁺C/∂zh[t+1]) ⊙ (1 - h[t] ⊙ h[t])
  at t = T: ∂⁺C/∂zh[T] = (W_hoᵀ ∂⁺C/∂zo[T]) ⊙ (1 - h[T] ⊙ h[T])
substituted into their users: ∂⁺C/∂y[t], ∂⁺C/∂h[t], ∂⁺C/∂xc[t]
assuming sum(yhat[t]) = 1 for every t (yhat is declared 'distribution' on line 5)

Parameter gradients:
∂⁺C/∂W_ih = Σₜ ∂⁺C/∂zh[t] xc[t]ᵀ
∂⁺C/∂b_ih = Σₜ ∂⁺C/∂zh[t]
∂⁺C/∂W_ho = Σₜ ∂⁺C/∂zo[t] h[t]ᵀ
∂⁺C/∂b_ho = Σₜ ∂⁺C/∂zo[t]
∂⁺C/∂h[0] = W_ih[:, n_x:n_h + n_x]ᵀ ∂⁺C/∂zh[1]
"""

ELMAN_BPTT_ASCII = """\
d+C/dzo[t] = y[t] - yhat[t]
d+C/dzh[t] = (W_ho^T @ d+C/dzo[t] + W_ih[:, n_x:n_h + n_x]^T @ d+C/dzh[t+1]) * (1 - h[t] * h[t])
  at t = T: d+C/dzh[T] = (W_ho^T @ d+C/dzo[T]) * (1 - h[T] * h[T])
"""

# Eq. 1 for h[t]: its users are xc[t+1] (the slice of xc that holds h[t]) and zo[t].
ELMAN_EQ1_H = """\
∂⁺C/∂h[t] = ∂C/∂h[t] + (∂xc[t+1]/∂h[t])ᵀ ∂⁺C/∂xc[t+1] + (∂zo[t]/∂h[t])ᵀ ∂⁺C/∂zo[t]
          = 0 + (∂⁺C/∂xc[t+1])[n_x:n_h + n_x] + W_hoᵀ ∂⁺C/∂zo[t]
          = W_hoᵀ ∂⁺C/∂zo[t] + (∂⁺C/∂xc[t+1])[n_x:n_h + n_x]
"""


def test_elman_recurrences_and_gradients_text(elman):
    text = elman.to_text()
    assert section(text, "Backpropagation through time") == ELMAN_BPTT
    assert ELMAN_EQ1_H in text
    assert "∂⁺C/∂y[t] = ∂C/∂y[t] = -yhat[t] / y[t]\n" in text
    assert "∂⁺C/∂zo[t] = ∂C/∂zo[t] + (∂y[t]/∂zo[t])ᵀ ∂⁺C/∂y[t]\n" in text


def test_elman_ascii(elman):
    text = elman.to_text(unicode=False)
    assert text.isascii()
    assert ELMAN_BPTT_ASCII in text
    assert "d+C/dW_ih = sum_t(d+C/dzh[t] @ xc[t]^T)\n" in text
    assert "d+C/dh[0] = W_ih[:, n_x:n_h + n_x]^T @ d+C/dzh[1]\n" in text


def test_elman_network_and_dependencies_text(elman):
    text = elman.to_text()
    assert text.startswith("target: C, generic in t (every step t = 1..T)\n\nThe network:\n  dim n_x, n_h, n_y\n")
    assert "  input yhat[t]: n_y distribution\n" in text  # as written, the comment dropped
    assert "  xc[t] = concat(x[t], h[t-1])\n" in text
    assert "one step, t = 1..T: xc[t], zh[t], h[t], zo[t], y[t]; after the loop: C\n" in text
    assert ("  xc[1] <- h[0]\n  xc[t] <- x[t], h[t-1]\n  zh[t] <- W_ih, b_ih, xc[t]\n  h[t] <- zh[t]\n"
            "  zo[t] <- W_ho, b_ho, h[t]\n  y[t] <- zo[t]\n  C <- yhat[t], y[t]\n") in text


ELMAN_LATEX_ZH = r"""\begin{align*}
\frac{\partial^{+} C}{\partial zh_{t}} &= \frac{\partial^{+} C}{\partial h_{t}} \odot \left(1 - h_{t} \odot h_{t}\right) \tag*{Eq.~1} \\
&= \left(W_{ho}^{\top} \frac{\partial^{+} C}{\partial zo_{t}} + \left(\frac{\partial^{+} C}{\partial xc_{t+1}}\right)[n_{x}{:}n_{h} + n_{x}]\right) \odot \left(1 - h_{t} \odot h_{t}\right) \tag*{substituted} \\
&= \left(W_{ho}^{\top} \frac{\partial^{+} C}{\partial zo_{t}} + \left(W_{ih}^{\top} \frac{\partial^{+} C}{\partial zh_{t+1}}\right)[n_{x}{:}n_{h} + n_{x}]\right) \odot \left(1 - h_{t} \odot h_{t}\right) \tag*{substituted} \\
&= \left(W_{ho}^{\top} \frac{\partial^{+} C}{\partial zo_{t}} + W_{ih}[:,\, n_{x}{:}n_{h} + n_{x}]^{\top} \frac{\partial^{+} C}{\partial zh_{t+1}}\right) \odot \left(1 - h_{t} \odot h_{t}\right) \tag*{simplified} \\
\frac{\partial^{+} C}{\partial zh_{T}} &= \left(W_{ho}^{\top} \frac{\partial^{+} C}{\partial zo_{T}}\right) \odot \left(1 - h_{T} \odot h_{T}\right) \tag*{at $t = T$}
\end{align*}
"""

# softmax's VJP y (.) (g - <y, g>) at g = -yhat / y gives y - yhat when sum(yhat) = 1
ELMAN_LATEX_ZO = r"""\begin{align*}
\frac{\partial^{+} C}{\partial zo_{t}} &= y_{t} \odot \left(\frac{\partial^{+} C}{\partial y_{t}} - \left\langle y_{t}, \frac{\partial^{+} C}{\partial y_{t}} \right\rangle\right) \tag*{Eq.~1} \\
&= y_{t} \odot \left(-\frac{\hat{y}_{t}}{y_{t}} - \left\langle y_{t}, -\frac{\hat{y}_{t}}{y_{t}} \right\rangle\right) \tag*{substituted} \\
&= y_{t} - \hat{y}_{t} \tag*{simplified}
\end{align*}
"""

ELMAN_LATEX_GRADIENTS = r"""\begin{align*}
\frac{\partial^{+} C}{\partial W_{ih}} &= \sum_{t=1}^{T} \frac{\partial^{+} C}{\partial zh_{t}} xc_{t}^{\top} \\
\frac{\partial^{+} C}{\partial b_{ih}} &= \sum_{t=1}^{T} \frac{\partial^{+} C}{\partial zh_{t}} \\
\frac{\partial^{+} C}{\partial W_{ho}} &= \sum_{t=1}^{T} \frac{\partial^{+} C}{\partial zo_{t}} h_{t}^{\top} \\
\frac{\partial^{+} C}{\partial b_{ho}} &= \sum_{t=1}^{T} \frac{\partial^{+} C}{\partial zo_{t}} \\
\frac{\partial^{+} C}{\partial h_{0}} &= \left(\frac{\partial^{+} C}{\partial xc_{1}}\right)[n_{x}{:}n_{h} + n_{x}] \tag*{Eq.~1} \\
&= \left(W_{ih}^{\top} \frac{\partial^{+} C}{\partial zh_{1}}\right)[n_{x}{:}n_{h} + n_{x}] \tag*{substituted} \\
&= W_{ih}[:,\, n_{x}{:}n_{h} + n_{x}]^{\top} \frac{\partial^{+} C}{\partial zh_{1}} \tag*{simplified}
\end{align*}
"""


def test_elman_latex_golden(elman):
    body = elman.to_latex(body_only=True)
    assert "\\documentclass" not in body and "\\end{document}" not in body
    bptt = section(body, "\\section*{Backpropagation through time}")
    assert ELMAN_LATEX_ZO in bptt and ELMAN_LATEX_ZH in bptt
    assert section(body, "\\section*{Parameter gradients}").endswith(ELMAN_LATEX_GRADIENTS)
    assert "xc_{t} &= \\begin{bmatrix} x_{t} \\\\ h_{t-1} \\end{bmatrix} \\\\\n" in body
    assert "$W_{ih}$ & parameter & $n_{h} \\times \\left(n_{h} + n_{x}\\right)$ \\\\\n" in body
    assert "xc_{t} &\\leftarrow x_{t},\\ h_{t-1} \\\\\n" in body
    assert ("\\item $\\sum_{i} \\hat{y}_{t,i} = 1$ for every $t$ ($\\hat{y}$ is declared \\texttt{distribution} "
            "on line 5)\n") in body
    assert "sum(yhat" not in body


def test_a_static_distribution_is_typeset_without_t():
    d = orderdiff.derive(orderdiff.parse("dim n\ninput p_x: n distribution\nparam w: n\n"
                                         "C = cross_entropy(p_x, softmax(w))"))
    body = d.to_latex(body_only=True)
    assert "\\item $\\sum_{i} {p_{x}}_{i} = 1$ ($p_{x}$ is declared \\texttt{distribution} on line 2)\n" in body


# ----- a tiny system, whole ------------------------------------------------------------------
# h[t] = tanh(w (.) h[t-1] + x[t]), C = sum over t of sum(h[t]): dC/dh[t] = 1 (a vector of
# ones), d+C/dh[t] = 1 + d+C/dh[t+1] (.) (1 - h[t+1]^2) (.) w, d+C/dw = sum_t d+C/dh[t] (.)
# (1 - h[t]^2) (.) h[t-1], and h[0] gets step 1's share.
TINY_TEXT = """\
target: C, generic in t (every step t = 1..T)

The network:
  dim n
  param w: n
  input x[t]: n
  init h[0] = 0
  h[t] = tanh(w * h[t-1] + x[t])
  C = sum_t(sum(h[t]))
one step, t = 1..T: h[t]; after the loop: C

Dependencies at every step t (node <- what it is computed from):
  h[1] <- h[0]
  h[t] <- w, x[t], h[t-1]
  C <- h[t]

Ordered derivatives (Eq. 1), from the target back:
  ∂⁺C/∂v = ∂C/∂v + sum over the users u of v of (∂u/∂v)ᵀ ∂⁺C/∂u
∂⁺C/∂C = 1
∂⁺C/∂h[t] = ∂C/∂h[t] + (∂h[t+1]/∂h[t])ᵀ ∂⁺C/∂h[t+1]
          = 1 + ∂⁺C/∂h[t+1] ⊙ (1 - h[t+1] ⊙ h[t+1]) ⊙ w
∂⁺C/∂x[t] = ∂C/∂x[t] + (∂h[t]/∂x[t])ᵀ ∂⁺C/∂h[t]
          = 0 + ∂⁺C/∂h[t] ⊙ (1 - h[t] ⊙ h[t])
          = ∂⁺C/∂h[t] ⊙ (1 - h[t] ⊙ h[t])
∂⁺C/∂w = ∂C/∂w + Σₜ (∂h[t]/∂w)ᵀ ∂⁺C/∂h[t]
       = 0 + Σₜ ∂⁺C/∂h[t] ⊙ (1 - h[t] ⊙ h[t]) ⊙ h[t-1]
       = Σₜ ∂⁺C/∂h[t] ⊙ (1 - h[t] ⊙ h[t]) ⊙ h[t-1]
∂⁺C/∂h[0] = ∂C/∂h[0] + (∂h[1]/∂h[0])ᵀ ∂⁺C/∂h[1]
          = 0 + ∂⁺C/∂h[1] ⊙ (1 - h[1] ⊙ h[1]) ⊙ w
          = ∂⁺C/∂h[1] ⊙ (1 - h[1] ⊙ h[1]) ⊙ w

Backpropagation through time, t = T, T-1, ..., 1 (ordered derivatives past T are 0):
∂⁺C/∂h[t] = 1 + ∂⁺C/∂h[t+1] ⊙ (1 - h[t+1] ⊙ h[t+1]) ⊙ w
  at t = T: ∂⁺C/∂h[T] = 1

Parameter gradients:
∂⁺C/∂w = Σₜ ∂⁺C/∂h[t] ⊙ (1 - h[t] ⊙ h[t]) ⊙ h[t-1]
∂⁺C/∂h[0] = ∂⁺C/∂h[1] ⊙ (1 - h[1] ⊙ h[1]) ⊙ w
"""

# Unrolled over two steps: C = sum(h[1]) + sum(h[2]); h[2] has no user but C, h[1] feeds h[2].
TINY_UNROLLED = """\
Unrolled dependencies (node <- what it is computed from):
  h[1] <- h[0], w, x[1]
  h[2] <- w, x[2], h[1]
  C <- h[1], h[2]

Ordered derivatives (Eq. 1), from the target back:
  d+C/dv = dC/dv + sum over the users u of v of (du/dv)^T @ d+C/du
d+C/dC = 1
d+C/dh[2] = dC/dh[2] = 1
d+C/dh[1] = dC/dh[1] + (dh[2]/dh[1])^T @ d+C/dh[2]
          = 1 + d+C/dh[2] * (1 - h[2] * h[2]) * w
"""

TINY_W_UNROLLED = """\
d+C/dw = dC/dw + (dh[1]/dw)^T @ d+C/dh[1] + (dh[2]/dw)^T @ d+C/dh[2]
       = 0 + d+C/dh[1] * (1 - h[1] * h[1]) * h[0] + d+C/dh[2] * (1 - h[2] * h[2]) * h[1]
       = d+C/dh[1] * (1 - h[1] * h[1]) * h[0] + d+C/dh[2] * (1 - h[2] * h[2]) * h[1]
"""


def test_tiny_text_whole():
    assert orderdiff.derive(orderdiff.parse(TINY)).to_text() == TINY_TEXT


def test_tiny_unrolled_text():
    text = orderdiff.derive(orderdiff.parse(TINY), steps=2).to_text(unicode=False)
    assert text.startswith("target: C, unrolled over T = 2 steps\n")
    assert TINY_UNROLLED in text and TINY_W_UNROLLED in text
    assert "Backpropagation through time" not in text


def test_lag_two_boundaries():
    """h[t-2] makes d+C/dh[t] look two steps ahead: forms at T (no h[T+1], h[T+2], z[T+1])
    and at T-1 (no h[T+1] only); h[-1] enters h[1] alone, through a * h[t-2] / (1 + |h[t-1]|)."""
    text = orderdiff.derive(orderdiff.parse(OPERATIONS)).to_text()
    assert ("  at t = T: ∂⁺C/∂h[T] = 4·(dot(h[T], h[T]) · h[T]) + V ∂⁺C/∂y[T]\n"
            "  at t = T-1: ∂⁺C/∂h[T-1] = 4·(dot(h[T-1], h[T-1]) · h[T-1]) "
            "+ V ∂⁺C/∂y[T-1] + W[:, n:m + n]ᵀ ∂⁺C/∂z[T] - ((∂⁺C/∂h[T] ⊙ ((a · h[T-2]) / (1 + abs(h[T-1])))) "
            "/ (1 + abs(h[T-1]))) ⊙ sign(h[T-1])\n") in text
    assert "∂⁺C/∂h[-1] = a · ((∂⁺C/∂h[1]) / (1 + abs(h[0])))\n" in text
    assert "  h[1] <- h[-1], h[0]\n  h[2] <- h[0]\n  h[t] <- a, z[t], h[t-2], h[t-1]\n" in text


# ----- each block class in each notation -----------------------------------------------------
n, t = Symbol("n"), B.T_INDEX
W, U, c = B.Var("W_ih", (n, n)), B.Var("U", (n, n)), B.Var("c")
a, b, h = B.Var("a", (n,), (t,)), B.Var("b", (n,), (t,)), B.Var("h", (n,), (t,))
g = B.Adj(h.at(t + 1))

CASES = [
    (h.at(t - 1), "h[t-1]", "h[t-1]", "h_{t-1}"),
    (W, "W_ih", "W_ih", "W_{ih}"),
    (B.Var("yhat", (n,), (t,)), "yhat[t]", "yhat[t]", r"\hat{y}_{t}"),
    (B.Var("x_1", (n,), (3,)), "x_1[3]", "x_1[3]", "{x_{1}}_{3}"),
    (g, "∂⁺C/∂h[t+1]", "d+C/dh[t+1]", r"\frac{\partial^{+} C}{\partial h_{t+1}}"),
    (B.MatProd(B.Trans(W), g), "W_ihᵀ ∂⁺C/∂h[t+1]", "W_ih^T @ d+C/dh[t+1]",
     r"W_{ih}^{\top} \frac{\partial^{+} C}{\partial h_{t+1}}"),
    (B.Outer(g, a), "∂⁺C/∂h[t+1] a[t]ᵀ", "d+C/dh[t+1] @ a[t]^T",
     r"\frac{\partial^{+} C}{\partial h_{t+1}} a_{t}^{\top}"),
    (B.Trans(B.Cols(B.Var("V", (n, 2 * n)), n, 2 * n)), "V[:, n:2*n]ᵀ", "V[:, n:2*n]^T",
     r"V[:,\, n{:}2 n]^{\top}"),
    (B.Rows(g, S.Zero, n), "(∂⁺C/∂h[t+1])[0:n]", "(d+C/dh[t+1])[0:n]",
     r"\left(\frac{\partial^{+} C}{\partial h_{t+1}}\right)[0{:}n]"),
    (B.Pad(a, n, 2 * n), "pad(a[t], n, 2*n)", "pad(a[t], n, 2*n)", r"\operatorname{pad}\left(a_{t}, n, 2 n\right)"),
    (B.Hadamard(a, B.Plus(S.One, B.Neg(B.Hadamard(h, h)))), "a[t] ⊙ (1 - h[t] ⊙ h[t])", "a[t] * (1 - h[t] * h[t])",
     r"a_{t} \odot \left(1 - h_{t} \odot h_{t}\right)"),
    (B.Hadamard(a, B.MatProd(W, b)), "a[t] ⊙ (W_ih b[t])", "a[t] * (W_ih @ b[t])",
     r"a_{t} \odot \left(W_{ih} b_{t}\right)"),
    (B.MatProd(W, B.Hadamard(a, b)), "W_ih (a[t] ⊙ b[t])", "W_ih @ (a[t] * b[t])",
     r"W_{ih} \left(a_{t} \odot b_{t}\right)"),
    (B.Divide(B.Neg(a), B.Hadamard(b, h)), "(-a[t]) / (b[t] ⊙ h[t])", "(-a[t]) / (b[t] * h[t])",
     r"\frac{-a_{t}}{b_{t} \odot h_{t}}"),
    (B.Neg(B.Divide(a, b)), "-a[t] / b[t]", "-(a[t] / b[t])", r"-\frac{a_{t}}{b_{t}}"),
    (B.Plus(a, B.Neg(B.Plus(b, h))), "a[t] - (b[t] + h[t])", "a[t] - (b[t] + h[t])",
     r"a_{t} - \left(b_{t} + h_{t}\right)"),
    (B.Plus(a, B.Hadamard(Integer(-2), b)), "a[t] - 2·b[t]", "a[t] - 2*b[t]", r"a_{t} - 2 b_{t}"),
    (B.Plus(a, B.Hadamard(S.NegativeOne, b)), "a[t] - b[t]", "a[t] - b[t]", r"a_{t} - b_{t}"),
    (B.Hadamard(Rational(1, 2), c, a), "(1/2)·c · a[t]", "(1/2)*c * a[t]", r"\frac{1}{2} c \cdot a_{t}"),
    (B.Power(h, Integer(2)), "h[t]²", "h[t]**2", "h_{t}^{2}"),
    (B.Power(B.Plus(S.One, h), Rational(-1, 2)), "(1 + h[t])^(-1/2)", "(1 + h[t])**(-1/2)",
     r"\left(1 + h_{t}\right)^{- \frac{1}{2}}"),
    (B.Trans(B.Plus(W, U)), "(W_ih + U)ᵀ", "(W_ih + U)^T", r"\left(W_{ih} + U\right)^{\top}"),
    (B.SumT(B.Plus(a, b)), "Σₜ (a[t] + b[t])", "sum_t(a[t] + b[t])", r"\sum_{t=1}^{T} \left(a_{t} + b_{t}\right)"),
    (B.Plus(B.SumT(a), B.Var("s", (n,))), "(Σₜ a[t]) + s", "sum_t(a[t]) + s",
     r"\left(\sum_{t=1}^{T} a_{t}\right) + s"),
    (B.Plus(B.Var("s", (n,)), B.SumT(a)), "s + Σₜ a[t]", "s + sum_t(a[t])", r"s + \sum_{t=1}^{T} a_{t}"),
    (B.Total(a), "sum(a[t])", "sum(a[t])", r"\operatorname{sum}\left(a_{t}\right)"),
    (B.Inner(a, b), "dot(a[t], b[t])", "dot(a[t], b[t])", r"\left\langle a_{t}, b_{t} \right\rangle"),
    (B.Broadcast(c, (n,)), "c·1", "c*1", r"c \mathbf{1}"),
    (B.Broadcast(S.One, (n,)), "1", "1", r"\mathbf{1}"),
    (B.Zeros((n,)), "0", "0", r"\mathbf{0}"),
    (B.Softmax(a), "softmax(a[t])", "softmax(a[t])", r"\operatorname{softmax}\left(a_{t}\right)"),
    (B.Elementwise(B.Str("tanh"), a), "tanh(a[t])", "tanh(a[t])", r"\tanh\left(a_{t}\right)"),
    (B.Elementwise(B.Str("sigmoid"), a), "sigmoid(a[t])", "sigmoid(a[t])", r"\sigma\left(a_{t}\right)"),
    (B.Elementwise(B.Str("Heaviside"), a), "H(a[t])", "H(a[t])", r"\theta\left(a_{t}\right)"),
    (B.Elementwise(B.Str("abs"), a), "abs(a[t])", "abs(a[t])", r"\left|a_{t}\right|"),
    (B.Elementwise(B.Str("relu"), a), "relu(a[t])", "relu(a[t])", r"\operatorname{relu}\left(a_{t}\right)"),
    (B.Cat(a, h.at(t - 1)), "concat(a[t], h[t-1])", "concat(a[t], h[t-1])",
     r"\begin{bmatrix} a_{t} \\ h_{t-1} \end{bmatrix}"),
    (B.CrossEntropy(a, b), "cross_entropy(a[t], b[t])", "cross_entropy(a[t], b[t])",
     r"\operatorname{cross\_entropy}\left(a_{t}, b_{t}\right)"),
    (B.SquaredError(a, b), "squared_error(a[t], b[t])", "squared_error(a[t], b[t])",
     r"\operatorname{squared\_error}\left(a_{t}, b_{t}\right)"),
]


@pytest.mark.parametrize("expr, unicode, ascii, latex", CASES, ids=[c[1] for c in CASES])
def test_block_notation(expr, unicode, ascii, latex):
    C = B.Var("C")
    assert BlockTextPrinter(C).doprint(expr) == unicode
    assert BlockTextPrinter(C, unicode=False).doprint(expr) == ascii
    assert BlockLatexPrinter(C).doprint(expr) == latex


# ----- every pair of operations, printed and read back ----------------------------------------
# For each operation of the precedence table (outer) and each place of an operand in it, every
# operation (inner) is put there; the text of each notation must read back to the same tree.
# ASCII is read by orderdiff's own block parser, after spelling out the four things the file
# format writes otherwise: d+C/dv (a name adj_v), X^T and X[:, a:b] (transpose), and vectors
# as one-column matrices (so that the b^T of an outer product a @ b^T parses). Unicode and
# LaTeX are read by Reader below, which knows only the notation and refuses a juxtaposed
# product next to ⊙, · or / without brackets.
A_, M_ = B.Var("A", (n, n)), B.Var("M", (n, n))
a_, b_ = B.Var("a", (n,)), B.Var("b", (n,))
c_, d_ = B.Var("c"), B.Var("d")
LEAVES = {"matrix": (A_, M_), "vector": (a_, b_), "scalar": (c_, d_)}
SHAPES = {"matrix": (n, n), "vector": (n,), "scalar": ()}
KINDS = {v.name: kind for kind, vs in LEAVES.items() for v in vs}
KINDS.update(last0="scalar", last1="scalar", first2="scalar")  # [t = T], [t = T-1], [t = 2]: scalar factors
ANY, MATRIX, VECTOR, SCALAR, ARRAY = LEAVES, ("matrix",), ("vector",), ("scalar",), ("matrix", "vector")


def leaf(kind, k=0):
    return LEAVES[kind][k]


def only(kinds, make):
    return lambda kind: make(kind) if kind in kinds else None


# inner: kind -> an expression of that kind, or None where the operation gives no such value
INNER = {
    B.Plus: lambda k: B.Plus(leaf(k), leaf(k, 1)),
    "minus": lambda k: B.Plus(leaf(k), B.Neg(leaf(k, 1))),
    B.Neg: lambda k: B.Neg(leaf(k)),
    B.Hadamard: only(ARRAY, lambda k: B.Hadamard(leaf(k), leaf(k, 1))),
    "scale": lambda k: B.Hadamard(c_, leaf(k, 1)),
    "number": lambda k: B.Hadamard(Integer(2), leaf(k)),
    B.Broadcast: only(ARRAY, lambda k: B.Broadcast(c_, SHAPES[k])),
    "ones": only(ARRAY, lambda k: B.Broadcast(S.One, SHAPES[k])),
    B.Zeros: only(ARRAY, lambda k: B.Zeros(SHAPES[k])),
    "rational": only(SCALAR, lambda k: Rational(1, 2)),
    B.Divide: lambda k: B.Divide(leaf(k), leaf(k, 1)),
    B.MatProd: only(ARRAY, lambda k: B.MatProd(A_, leaf(k, 1))),
    B.Outer: only(MATRIX, lambda k: B.Outer(a_, b_)),
    B.Adj: lambda k: B.Adj(leaf(k)),
    B.Power: lambda k: B.Power(leaf(k), Integer(2)),
    B.Trans: only(MATRIX, lambda k: B.Trans(A_)),
    B.Rows: only(ARRAY, lambda k: B.Rows(leaf(k), S.Zero, n)),
    B.Cols: only(MATRIX, lambda k: B.Cols(A_, S.Zero, n)),
    B.SumT: lambda k: B.SumT(leaf(k)),
    B.Last: lambda k: B.Last(leaf(k), Integer(1)),
    "last": lambda k: B.Last(leaf(k), S.Zero),
    B.First: lambda k: B.First(leaf(k), Integer(2)),
    "call": lambda k: B.Elementwise(B.Str("tanh"), leaf(k)),
}

# outer: [(the kinds a place takes, (x, kind) -> the expression with x in that place)]
OUTER = {
    B.Plus: [(ANY, lambda x, k: B.Plus(x, leaf(k, 1))), (ANY, lambda x, k: B.Plus(leaf(k), x))],
    "minus": [(ANY, lambda x, k: B.Plus(x, B.Neg(leaf(k, 1)))), (ANY, lambda x, k: B.Plus(leaf(k), B.Neg(x)))],
    B.Neg: [(ANY, lambda x, k: B.Neg(x))],
    B.Hadamard: [(ARRAY, lambda x, k: B.Hadamard(x, leaf(k, 1))), (ARRAY, lambda x, k: B.Hadamard(leaf(k), x))],
    "scale": [(ANY, lambda x, k: B.Hadamard(c_, x)), (SCALAR, lambda x, k: B.Hadamard(x, a_)),
              (SCALAR, lambda x, k: B.Hadamard(a_, x))],
    "number": [(ANY, lambda x, k: B.Hadamard(Integer(2), x))],
    B.Broadcast: [(SCALAR, lambda x, k: B.Broadcast(x, (n,)))],
    B.Divide: [(ANY, lambda x, k: B.Divide(x, leaf(k, 1))), (ANY, lambda x, k: B.Divide(leaf(k), x))],
    B.MatProd: [(MATRIX, lambda x, k: B.MatProd(x, a_)), (ARRAY, lambda x, k: B.MatProd(A_, x))],
    B.Outer: [(VECTOR, lambda x, k: B.Outer(x, b_)), (VECTOR, lambda x, k: B.Outer(a_, x))],
    B.Power: [(ANY, lambda x, k: B.Power(x, Integer(2)))],
    B.Trans: [(MATRIX, lambda x, k: B.Trans(x))],
    B.Rows: [(ARRAY, lambda x, k: B.Rows(x, S.Zero, n))],
    B.Cols: [(MATRIX, lambda x, k: B.Cols(x, S.Zero, n))],
    B.SumT: [(ANY, lambda x, k: B.SumT(x))],
    B.Last: [(ANY, lambda x, k: B.Last(x, Integer(1)))],
    "last": [(ANY, lambda x, k: B.Last(x, S.Zero))],
    B.First: [(ANY, lambda x, k: B.First(x, Integer(2)))],
    "call": [(ANY, lambda x, k: B.Elementwise(B.Str("tanh"), x))],
}
# What prints as a bare number (0, 1, 1/2) is folded by a parser wherever it is the only
# operand (-0, 1**2, 2*(1/2)): those places are left out, as is a sum over t of a sum over t.
NUMBERS = {B.Zeros, "ones", "rational"}
TAKES_NUMBERS = {B.Plus, B.Hadamard, "scale", B.Divide, B.SumT}
# The file format has no broadcast: its c*1 is a scalar, which these operations refuse.
SHAPED = {B.MatProd, B.Outer, B.Trans, B.Rows, B.Cols}
NOTATIONS = ("ascii", "unicode", "latex")


def pairs(outer):
    for place, (kinds, build) in enumerate(OUTER[outer]):
        for inner, make in INNER.items():
            if (inner in NUMBERS and outer not in TAKES_NUMBERS) or inner is outer is B.SumT or (
                    inner is B.Zeros and outer is B.Divide and place == 1):  # x / 0: refused by the parser
                continue
            notations = ("unicode", "latex") if inner is B.Broadcast and outer in SHAPED else NOTATIONS
            for kind in kinds:
                x = make(kind)
                if x is not None:
                    yield f"{name_of(outer)}[{place}]({name_of(inner)}, {kind})", build(x, kind), notations


def name_of(key):
    return key if isinstance(key, str) else key.__name__


def tree(e):
    """A block expression as nested tuples, with sums and elementwise products flattened (both
    associative) and the notations' synonyms made one: c·1 is c ⊙ 1, a matrix product by a
    transposed one-column matrix an outer product, transpose(transpose(W)[a:b]) W[:, a:b]."""
    if isinstance(e, B.Var):
        return e.name
    if isinstance(e, B.Adj):
        return "adj_" + e.args[0].name
    if isinstance(e, B.Zeros):
        return "0"
    if isinstance(e, B.Broadcast):
        c = e.args[0]
        return "1" if c == 1 else flat(("Hadamard", tree(c), "1"))
    if isinstance(e, B.MatProd) and isinstance(e.args[1], B.Trans) and e.args[1].args[0].shape[-1:] == (1,):
        return ("Outer", tree(e.args[0]), tree(e.args[1].args[0]))
    if isinstance(e, B.Trans) and isinstance(e.args[0], B.Rows) and isinstance(e.args[0].args[0], B.Trans):
        W, lo, hi = e.args[0].args
        return ("Cols", tree(W.args[0]), str(lo), str(hi))
    if isinstance(e, B.Elementwise):
        return (e.function, tree(e.args[1]))
    if isinstance(e, B.Last):  # [t = T-k] · x: the Iverson bracket as a scalar factor
        return flat(("Hadamard", f"last{int(e.args[1])}", tree(e.args[0])))
    if isinstance(e, B.First):  # [t = k] · x, likewise
        return flat(("Hadamard", f"first{int(e.args[1])}", tree(e.args[0])))
    if not isinstance(e, B.Block):
        return str(e)
    return flat((type(e).__name__, *(tree(x) for x in e.args)))


def flat(t):
    if t[0] not in ("Plus", "Hadamard"):
        return t
    return (t[0], *(y for x in t[1:] for y in (x[1:] if isinstance(x, tuple) and x[0] == t[0] else (x,))))


FILE_HEADER = "dim n\nparam last0\nparam last1\nparam first2\n" + "".join(
    f"param {p}{v}{shape}\n" for p in ("", "adj_")
    for v, shape in (("A", ": n, n"), ("M", ": n, n"), ("a", ": n, 1"), ("b", ": n, 1"), ("c", ""), ("d", "")))


def as_file_syntax(text):
    """The ASCII notation in the file's syntax: d+C/dv as adj_v, X^T and X[:, a:b] by transpose."""
    text = re.sub(r"d\+C/d(\w+)", r"adj_\1", text)
    text = re.sub(LAST, lambda m: f"last{m.group(1) or 0}", text)
    text = re.sub(FIRST, lambda m: f"first{m.group(1)}", text)
    while found := re.search(r"\^T(?!\w)|\[:, ([^\]]*)\]", text):
        start = operand_start(text, found.start())
        x = text[start:found.start()]
        done = f"transpose({x})" if found.group(1) is None else f"transpose(transpose({x})[{found.group(1)}])"
        text = text[:start] + done + text[found.end():]
    return text


def operand_start(text, end):
    """Where the operand of a postfix at ``end`` starts: a name, call or bracket, then slices."""
    i = end
    while i > 0 and text[i - 1] in ")]":
        depth, i = 0, i - 1
        while True:
            depth += {")": 1, "]": 1, "(": -1, "[": -1}.get(text[i], 0)
            if depth == 0:
                break
            i -= 1
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):
        i -= 1
    return i


def read_ascii(text):
    return tree(orderdiff.parse(FILE_HEADER + "E = " + as_file_syntax(text) + "\n").equations["E"].expr)


class Ambiguous(ValueError):
    """Text whose reading depends on a convention the notation leaves open."""


class Read(NamedTuple):
    tree: object
    kind: str  # matrix, vector, scalar, row (a transposed vector) or ones (c·1: an array of any shape)
    value: object = None  # the number, for a number
    juxtaposed: bool = False  # an unbracketed product written by juxtaposition
    adjoint: bool = False  # an unbracketed ∂⁺C/∂v


# (pattern, kind): a kind of token, taking the pattern's group (or all of it), or a key of FIXED
LAST = r"\[t = T(?:-(\d+))?\]"  # the Iverson bracket of a last step's share, a name lastk
FIRST = r"\[t = (\d+)\]"  # ... of an early step's, a name firstk
UNICODE_TOKENS = [(LAST, "last"), (FIRST, "first"), (r"∂⁺C/∂([A-Za-z]+)", "adj"), (r"Σₜ", "Σ"), (r"([a-z]+)\(", "call"), (r"[A-Za-z_]+", "name"),
                  (r"\d+", "num"), (r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+", "sup"), (r"[-+⊙·/()\[\]:,ᵀ^]", "op")]
LATEX_TOKENS = [(LAST, "last"), (FIRST, "first"), (r"\\frac\{\\partial\^\{\+\} C\}\{\\partial ([A-Za-z]+)\}", "adj"), (r"\\left\\langle", "dot("),
                (r"\\right\\rangle", ")"), (r"\\left\(", "("), (r"\\right\)", ")"), (r"\\sum_\{t=1\}\^\{T\}", "Σ"),
                (r"\^\{\\top\}", "ᵀ"), (r"\\odot", "⊙"), (r"\\cdot", "·"), (r"\\mathbf\{([01])\}", "num"),
                (r"\\(tanh)\\left\(", "call"), (r"\\operatorname\{([a-z]+)\}\\left\(", "call"), (r"\\frac", "frac"),
                (r"\{:\}", ":"), (r"\\,", None), (r"[A-Za-z_]+", "name"), (r"\d+", "num"), (r"[-+()\[\]:,^{}]", "op")]
FIXED = {"Σ": [("op", "Σ")], "ᵀ": [("op", "ᵀ")], "⊙": [("op", "⊙")], "·": [("op", "·")], "(": [("op", "(")],
         ")": [("op", ")")], ":": [("op", ":")], "frac": [("op", "frac")], "dot(": [("call", "dot")]}
SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def tokens(text, table):
    """``[(kind, text)]`` of ``text`` by the first pattern of ``table`` that matches at each place."""
    out, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        for pattern, kind in table:
            m = re.compile(pattern).match(text, i)
            if m:
                break
        else:
            raise Ambiguous(f"cannot read {text[i:]!r}")
        i = m.end()
        if kind == "last":
            out.append(("name", f"last{m.group(1) or 0}"))
        elif kind == "first":
            out.append(("name", f"first{m.group(1)}"))
        elif kind in ("adj", "call", "name", "num", "sup", "op"):
            out.append((kind, m.group(m.lastindex or 0)))
        elif kind is not None:
            out += FIXED[kind]
    return out + [("end", "")]


class Reader:
    """The unicode notation (or LaTeX, tokenised into it) read back by its levels:
    + - < unary - and Σₜ < ⊙ · / < juxtaposition < ᵀ [a:b] powers < atoms; juxtaposition
    reads left to right, a unary minus takes the whole product after it, and a bare
    juxtaposed product next to ⊙ · /, or two divisions, or ∂⁺C/∂v next to /, is refused."""

    def __init__(self, toks):
        self.toks, self.i = toks, 0

    def read(self):
        x = self.expr()
        self.expect("end")
        return flat(x.tree) if isinstance(x.tree, tuple) else x.tree

    def peek(self):
        return self.toks[self.i][1] if self.toks[self.i][0] != "end" else "end"

    def take(self):
        self.i += 1
        return self.toks[self.i - 1][1]

    def expect(self, text):
        if self.peek() != text:
            raise Ambiguous(f"expected {text!r} at {self.toks[self.i:]}")
        self.take()

    def starts_operand(self):
        kind, text = self.toks[self.i]
        return kind in ("name", "call", "num", "adj") or text in ("(", "frac")

    def expr(self):
        terms = [self.term()]
        while self.peek() in ("+", "-"):
            terms.append(self.term() if self.take() == "+" else negate(self.chain()))
        return terms[0] if len(terms) == 1 else Read(("Plus", *(x.tree for x in terms)), kind_of(terms))

    def term(self):
        if self.peek() == "Σ":
            self.take()
            x = self.unary()
            return Read(("SumT", x.tree), x.kind)
        return self.unary()

    def unary(self):
        if self.peek() == "-":
            self.take()
            return negate(self.chain())
        return self.chain()

    def chain(self):
        factors, seps = [self.juxtaposition()], []
        while self.peek() in ("⊙", "·", "/") or (factors[-1].value is not None and self.starts_operand()):
            seps.append(self.take() if self.peek() in ("⊙", "·", "/") else "number")
            factors.append(self.juxtaposition())
        if not seps:
            return factors[0]
        if any(f.juxtaposed for f in factors):
            raise Ambiguous("a juxtaposed product next to ⊙, · or / without brackets")
        if "/" not in seps:
            return Read(("Hadamard", *(f.tree for f in factors)), product_kind(factors))
        if len(seps) > 1 or any(f.adjoint for f in factors):
            raise Ambiguous("a division next to another product or ∂⁺C/∂v")
        return divide(*factors)

    def juxtaposition(self):
        x = self.postfix()
        if x.value is not None:  # 2 a: a number scales what follows, as a factor of the chain
            return x
        count = 1
        while self.starts_operand():
            x, count = juxtapose(x, self.postfix()), count + 1
        if x.kind == "row":
            raise Ambiguous("a transposed vector outside an outer product")
        return x._replace(juxtaposed=count > 1, adjoint=x.adjoint and count == 1)

    def postfix(self):
        x = self.atom()
        while True:
            kind, text = self.toks[self.i]
            if text == "ᵀ":
                self.take()
                x = Read(("Trans", x.tree), "row" if x.kind == "vector" else x.kind)
            elif kind == "sup":
                self.take()
                x = Read(("Power", x.tree, text.translate(SUPERSCRIPT_DIGITS)), x.kind)
            elif text == "^":
                self.take()
                close = {"{": "}", "(": ")"}[self.take()]
                p = self.expr()
                self.expect(close)
                x = Read(("Power", x.tree, str(p.value)), x.kind)
            elif text == "[":
                x = self.slice(x)
            else:
                return x

    def slice(self, x):
        self.take()
        cols = self.peek() == ":"
        if cols:
            self.take()
            self.expect(",")
        lo = self.take()
        self.expect(":")
        hi = self.take()
        self.expect("]")
        return Read(("Cols" if cols else "Rows", x.tree, lo, hi), x.kind)

    def atom(self):
        kind, text = self.toks[self.i]
        self.take()
        if kind == "adj":
            return Read("adj_" + text, KINDS[text], adjoint=True)
        if kind == "num":
            return Read(text, "scalar", Integer(text))
        if kind == "call":  # the name and its opening bracket
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.expect(")")
            call = {"tanh": ("tanh", args[0].kind), "dot": ("Inner", "scalar"), "sum": ("Total", "scalar")}
            return Read((call[text][0], *(a.tree for a in args)), call[text][1])
        if kind == "name":
            return Read(text, KINDS[text])
        if text == "(":
            x = self.expr()
            self.expect(")")
            return x._replace(juxtaposed=False, adjoint=False)
        if text == "frac":
            parts = []
            for _ in range(2):
                self.expect("{")
                parts.append(self.expr())
                self.expect("}")
            return divide(*parts)._replace(adjoint=False)
        raise Ambiguous(f"unexpected {text!r}")


def kind_of(parts):
    kinds = [p.kind for p in parts]
    return next((k for k in kinds if k in ("matrix", "vector")), "ones" if "ones" in kinds else "scalar")


def product_kind(factors):
    """Scalars times a last 1 are a broadcast (c·1, c \\mathbf{1}), of whatever shape is asked."""
    if all(f.kind == "scalar" for f in factors) and factors[-1].value == 1:
        return "ones"
    return kind_of(factors)


def negate(x):
    return Read(str(-x.value), "scalar", -x.value) if x.value is not None else Read(("Neg", x.tree), x.kind)


def divide(x, y):
    if x.value is not None and y.value is not None:
        q = x.value / y.value
        return Read(str(q), "scalar", q)
    return Read(("Divide", x.tree, y.tree), kind_of([x, y]))


def juxtapose(x, y):
    transposed = isinstance(y.tree, tuple) and y.tree[0] == "Trans"
    if y.kind == "row" or (transposed and y.kind == "ones" and x.kind == "vector"):
        return Read(("Outer", x.tree, y.tree[1]), "matrix")
    if "scalar" in (x.kind, y.kind):  # c \mathbf{1}
        return Read(("Hadamard", x.tree, y.tree), product_kind([x, y]))
    return Read(("MatProd", x.tree, y.tree), y.kind)


def read_unicode(text):
    return Reader(tokens(text, UNICODE_TOKENS)).read()


def read_latex(text):
    return Reader(tokens(text, LATEX_TOKENS)).read()


def test_the_pairs_cover_the_precedence_table():
    keys = set(PRECEDENCE)
    assert keys <= set(INNER) and keys - NUMBERS - {B.Adj} <= set(OUTER)


@pytest.mark.parametrize("outer", list(OUTER), ids=name_of)
def test_every_pair_of_operations_reads_back(outer):
    C = B.Var("C")
    ascii_p, unicode_p, latex_p = BlockTextPrinter(C, unicode=False), BlockTextPrinter(C), BlockLatexPrinter(C)
    wrong = []
    readers = {"ascii": (ascii_p, read_ascii), "unicode": (unicode_p, read_unicode), "latex": (latex_p, read_latex)}
    for name, e, notations in pairs(outer):
        want = tree(e)
        for notation in notations:
            p, read = readers[notation]
            text = p.doprint(e)
            try:
                got = read(text)
            except (Ambiguous, orderdiff.OrderdiffError) as err:
                got = f"unreadable: {err}"
            if got != want:
                wrong.append(f"{name} {notation}: {text!r} reads {got}, not {want}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("text, read", [
    ("A a ⊙ b", read_unicode), ("a ⊙ A a", read_unicode), ("c · A a", read_unicode), ("A a / b", read_unicode),
    ("∂⁺C/∂a / b", read_unicode), ("a / b / a", read_unicode), ("a / b ⊙ a", read_unicode),
    (r"A a \odot b", read_latex), (r"2 A a", read_latex)])
def test_the_reader_refuses_what_a_reader_could_bind_two_ways(text, read):
    with pytest.raises(Ambiguous):
        read(text)


def test_the_readers_read_what_they_are_told():
    assert read_unicode("(A a) ⊙ b") == ("Hadamard", ("MatProd", "A", "a"), "b")
    assert read_unicode("A M a") == ("MatProd", ("MatProd", "A", "M"), "a")
    assert read_unicode("-A a + Σₜ a bᵀ a") == ("Plus", ("Neg", ("MatProd", "A", "a")),
                                                ("SumT", ("MatProd", ("Outer", "a", "b"), "a")))
    assert read_latex(r"\frac{1}{2} c \cdot a^{2}") == ("Hadamard", "1/2", "c", ("Power", "a", "2"))
    assert read_ascii("(W^T @ d+C/da) * (1 - a * a)".replace("W", "A")) == (
        "Hadamard", ("MatProd", ("Trans", "A"), "adj_a"), ("Plus", "1", ("Neg", ("Hadamard", "a", "a"))))
    assert read_ascii("a @ (A @ a)^T") == ("Outer", "a", ("MatProd", "A", "a"))


# ----- JSON ----------------------------------------------------------------------------------
def test_json_generic(elman):
    text = elman.to_json()
    assert text == elman.to_json()
    doc = json.loads(text)
    assert list(doc) == ["mode", "steps", "target", "form", "dims", "declarations", "equations", "order", "inputs",
                         "nodes", "recurrences", "gradients", "assumptions", "ops"]
    assert (doc["mode"], doc["steps"], doc["target"], doc["dims"]) == ("generic", None, "C", ["n_x", "n_h", "n_y"])
    assert (doc["form"], doc["inputs"]) == ("closed", ["x[t]", "yhat[t]"])
    assert doc["declarations"]["W_ih"] == {"kind": "param", "shape": ["n_h", "n_h + n_x"], "timed": False,
                                           "distribution": False, "line": 6, "text": "param W_ih: n_h, n_x + n_h"}
    assert doc["declarations"]["h[0]"]["kind"] == "init" and doc["declarations"]["yhat"]["distribution"]
    assert doc["equations"]["xc"] == {"var": "xc[t]", "text": "concat(x[t], h[t-1])", "shape": ["n_h + n_x"],
                                      "line": 12}
    assert doc["nodes"]["h[t]"] == {
        "shape": ["n_h"], "explicit": "0",
        "users": [{"user": "xc[t+1]", "share": "(d+C/dxc[t+1])[n_x:n_h + n_x]"},
                  {"user": "zo[t]", "share": "W_ho^T @ d+C/dzo[t]"}],
        "recursive": "W_ho^T @ d+C/dzo[t] + (d+C/dxc[t+1])[n_x:n_h + n_x]",
        # closed: in the adjoints the recurrences keep, the textbook W_ho^T dzo[t] + W_hh^T dzh[t+1]
        "total": "W_ho^T @ d+C/dzo[t] + W_ih[:, n_x:n_h + n_x]^T @ d+C/dzh[t+1]"}
    assert doc["recurrences"] == {
        "zo[t]": {"form": "y[t] - yhat[t]", "boundary": []},
        "zh[t]": {"form": "(W_ho^T @ d+C/dzo[t] + W_ih[:, n_x:n_h + n_x]^T @ d+C/dzh[t+1]) * (1 - h[t] * h[t])",
                  "boundary": [{"t": "T", "form": "(W_ho^T @ d+C/dzo[T]) * (1 - h[T] * h[T])"}]}}
    assert doc["gradients"] == {"W_ih": "sum_t(d+C/dzh[t] @ xc[t]^T)", "b_ih": "sum_t(d+C/dzh[t])",
                                "W_ho": "sum_t(d+C/dzo[t] @ h[t]^T)", "b_ho": "sum_t(d+C/dzo[t])",
                                "h[0]": "W_ih[:, n_x:n_h + n_x]^T @ d+C/dzh[1]"}
    assert doc["assumptions"] == list(elman.assumptions)
    # y - yhat: a sum and a negation; (W_ho^T g + W_hh^T g') * (1 - h * h): products,
    # transposes, the column slice, the sums, the negation and the product
    assert doc["ops"]["recurrences"] == {"zo[t]": 2, "zh[t]": 9}
    assert doc["ops"]["gradients"] == {"W_ih": 2, "b_ih": 1, "W_ho": 2, "b_ho": 1, "h[0]": 3}
    # per step in the loops: tanh(pre + h @ W_hh^T); (pre + W_hh^T @ g) * pre
    assert doc["ops"]["loop"] == {"forward": 3, "backward": 4}


def test_json_unrolled(elman2):
    doc = json.loads(elman2.to_json())
    assert (doc["mode"], doc["steps"], doc["recurrences"], doc["form"]) == ("unrolled", 2, {}, "recursive")
    assert doc["inputs"] == ["x[1]", "yhat[1]", "x[2]", "yhat[2]"]
    assert list(doc["nodes"])[:3] == ["C", "y[2]", "zo[2]"] and "h[0]" in doc["nodes"]
    assert doc["nodes"]["h[1]"]["users"] == [{"user": "xc[2]", "share": "(d+C/dxc[2])[n_x:n_h + n_x]"},
                                             {"user": "zo[1]", "share": "W_ho^T @ d+C/dzo[1]"}]
    assert doc["gradients"]["W_ho"] == "d+C/dzo[1] @ h[1]^T + d+C/dzo[2] @ h[2]^T"
    # two outer products (printed g @ h^T) and their sum
    assert doc["ops"]["gradients"]["W_ho"] == 3 and doc["ops"]["loop"] is None


# ----- documents -----------------------------------------------------------------------------
DOCUMENTS = {
    "elman": (ELMAN.read_text(), None),
    "elman_steps2": (ELMAN.read_text(), 2),
    "tiny": (TINY, None),
    "operations": (OPERATIONS, None),
    "operations_steps3": (OPERATIONS, 3),
    # a share of the last step alone, [t = T] · g, generic and unrolled
    "last_step": ((DOC_EXAMPLES / "seq_classifier.eqs").read_text(), None),
    "last_step_steps3": ((DOC_EXAMPLES / "seq_classifier.eqs").read_text(), 3),
    "scalar_model": ((ELMAN.parent / "econometric.eqs").read_text(), None),
    "learned_initial_state": ((DOC_EXAMPLES / "layer_norm.eqs").read_text(), None),
    # states that read the next step: recurrences run t = 1..T, boundary forms at t = 1
    "bidirectional": ((ELMAN.parent / "torch_bigru.eqs").read_text(), None),
    "bidirectional_steps3": ((ELMAN.parent / "torch_birnn.eqs").read_text(), 3),
    "early_step": ((ELMAN.parent / "torch_birnn_classifier.eqs").read_text(), None),  # h_reverse[1]: [t = 1] · g
}


def compile_tex(tex, tmp_path):
    exe = pdflatex_or_skip()
    (tmp_path / "doc.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_compiles_with_pdflatex(name, tmp_path):
    pdflatex_or_skip()
    text, steps = DOCUMENTS[name]
    compile_tex(orderdiff.derive(orderdiff.parse(text), steps=steps).to_latex(), tmp_path)


# ----- the notebook's display ------------------------------------------------------------------
# The compact forms of ELMAN_LATEX_ZO, ELMAN_LATEX_ZH and ELMAN_LATEX_GRADIENTS above, one row each.
ELMAN_DISPLAY = [
    r"\frac{\partial^{+} C}{\partial zo_{t}} &= y_{t} - \hat{y}_{t}",
    (r"\frac{\partial^{+} C}{\partial zh_{t}} &= \left(W_{ho}^{\top} \frac{\partial^{+} C}{\partial zo_{t}} + "
     r"W_{ih}[:,\, n_{x}{:}n_{h} + n_{x}]^{\top} \frac{\partial^{+} C}{\partial zh_{t+1}}\right) \odot "
     r"\left(1 - h_{t} \odot h_{t}\right)"),
    (r"\frac{\partial^{+} C}{\partial zh_{T}} &= \left(W_{ho}^{\top} \frac{\partial^{+} C}{\partial zo_{T}}\right) "
     r"\odot \left(1 - h_{T} \odot h_{T}\right) && \text{at } t = T"),
    r"\frac{\partial^{+} C}{\partial W_{ih}} &= \sum_{t=1}^{T} \frac{\partial^{+} C}{\partial zh_{t}} xc_{t}^{\top}",
    r"\frac{\partial^{+} C}{\partial b_{ih}} &= \sum_{t=1}^{T} \frac{\partial^{+} C}{\partial zh_{t}}",
    r"\frac{\partial^{+} C}{\partial W_{ho}} &= \sum_{t=1}^{T} \frac{\partial^{+} C}{\partial zo_{t}} h_{t}^{\top}",
    r"\frac{\partial^{+} C}{\partial b_{ho}} &= \sum_{t=1}^{T} \frac{\partial^{+} C}{\partial zo_{t}}",
    (r"\frac{\partial^{+} C}{\partial h_{0}} &= W_{ih}[:,\, n_{x}{:}n_{h} + n_{x}]^{\top} "
     r"\frac{\partial^{+} C}{\partial zh_{1}}"),
    r"&\text{assuming } \sum_{i} \hat{y}_{t,i} = 1 \text{ for every } t",
]
OPEN, CLOSE = "$$\\begin{aligned}", "\\end{aligned}$$"
# What MathJax's TeX input (its base and ams packages) knows, of what the block printer writes.
MATHJAX = {"begin", "end", "frac", "partial", "left", "right", "odot", "cdot", "top", "sum", "operatorname",
           "mathbf", "hat", "text", "quad", "vdots", "langle", "rangle", "sqrt", "sigma", "theta", "tanh", "exp",
           "log", "sin", "cos", "tan", "sinh", "cosh", "arcsin", "arccos", "arctan"}


def rows(shown):
    assert shown.startswith(OPEN) and shown.endswith(CLOSE)
    return shown[len(OPEN):-len(CLOSE)].replace(" \\\\[1ex] ", " \\\\ ").split(" \\\\ ")


def test_elman_display_for_notebooks(elman):
    assert rows(elman._repr_latex_()) == ELMAN_DISPLAY
    assert elman._repr_latex_().count("\\\\[1ex]") == 2  # recurrences | gradients | assumptions


def test_unrolled_display_for_notebooks(elman2):
    shown = rows(elman2._repr_latex_())
    # from the target back: y[2], zo[2], h[2], zh[2], xc[2], then step 1, then the gradients
    assert [r[:r.index(" &=")] for r in shown[:10]] == [
        rf"\frac{{\partial^{{+}} C}}{{\partial {v}_{{{k}}}}}" for k in (2, 1) for v in ("y", "zo", "h", "zh", "xc")]
    assert shown[1 + 5] == r"\frac{\partial^{+} C}{\partial zo_{1}} &= y_{1} \odot \left(\frac{\partial^{+} C}" \
        r"{\partial y_{1}} - \left\langle y_{1}, \frac{\partial^{+} C}{\partial y_{1}} \right\rangle\right)"
    assert (r"\frac{\partial^{+} C}{\partial W_{ho}} &= \frac{\partial^{+} C}{\partial zo_{1}} h_{1}^{\top} + "
            r"\frac{\partial^{+} C}{\partial zo_{2}} h_{2}^{\top}") in shown
    assert sum(r.startswith(r"\frac{\partial^{+} C}{\partial h_{0}}") for r in shown) == 1


def test_long_displays_are_cut():
    # 12 steps of 5 nodes, then 5 gradients: 40 shown, 25 counted
    shown = rows(orderdiff.derive(orderdiff.load(ELMAN), steps=12)._repr_latex_())
    assert shown[-2] == r"&\vdots \quad \text{(25 more: see to\_latex())}"
    assert len([r for r in shown if " &= " in r]) == 40


@pytest.mark.parametrize("name", ["elman", "elman_steps2", "operations"])
def test_display_uses_only_what_mathjax_knows(name):
    text, steps = DOCUMENTS[name]
    shown = orderdiff.derive(orderdiff.parse(text), steps=steps)._repr_latex_()
    assert set(re.findall(r"\\([A-Za-z]+)", shown)) <= MATHJAX
    assert set(re.findall(r"\\begin\{(\w+)\}", shown)) <= {"aligned", "bmatrix"}


@pytest.mark.parametrize("name, steps", [("elman", None), ("elman", 2), ("elman", 12), ("operations", None),
                                         ("operations", 3)])
def test_display_compiles_with_pdflatex(name, steps, tmp_path):
    pdflatex_or_skip()
    shown = orderdiff.derive(orderdiff.parse(DOCUMENTS[name][0]), steps=steps)._repr_latex_()
    compile_tex("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" + shown
                + "\n\\end{document}\n", tmp_path)


def test_document_sections(elman, elman2):
    doc = elman.to_latex()
    assert doc.startswith("\\documentclass{article}") and doc.endswith("\\end{document}\n")
    titles = ["The network", "The unrolled dependencies", "Ordered derivatives (Eq.~1)",
              "Backpropagation through time", "Parameter gradients"]
    assert [doc.index(f"\\section*{{{x}}}") for x in titles] == sorted(doc.index(f"\\section*{{{x}}}")
                                                                     for x in titles)
    unrolled = elman2.to_latex(body_only=True)
    assert "\\section*{The unrolled dependencies, $T = 2$}" in unrolled
    assert "xc_{2} &\\leftarrow x_{2},\\ h_{1} \\\\\n" in unrolled
    assert "Backpropagation through time" not in unrolled


def test_long_sums_wrap_in_latex():
    body = orderdiff.derive(orderdiff.load(ELMAN), steps=12).to_latex(body_only=True)
    w_ih = section(body, r"\frac{\partial^{+} C}{\partial W_{ih}} &=")
    w_ih = w_ih[:w_ih.index("\\end{align*}")]
    assert w_ih.count("&\\quad + ") >= 4
    assert all(line.count(r"\frac") <= 12 for line in w_ih.split("\n"))
    assert "C &\\leftarrow \\hat{y}_{1},\\ " in body and "\n&\\qquad " in body
