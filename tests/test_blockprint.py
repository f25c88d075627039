"""Text, LaTeX and JSON views of block derivations: golden strings checked by hand against
seed-math.md section 2, each block class in each notation, and a real pdflatex compile."""

import json
import subprocess
from pathlib import Path

import pytest
from sympy import Integer, Rational, S, Symbol
from test_latex import pdflatex_or_skip

import orderdiff
from orderdiff.blocks import expr as B
from orderdiff.printers.blockexpr import BlockLatexPrinter, BlockTextPrinter

ELMAN = Path(__file__).parent.parent / "examples" / "elman.eqs"

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


@pytest.fixture(scope="module")
def elman():
    return orderdiff.derive(orderdiff.load(ELMAN))


@pytest.fixture(scope="module")
def elman2():
    return orderdiff.derive(orderdiff.load(ELMAN), steps=2)


def section(text, title):
    return text[text.index(title):]


# ----- the seed's recurrences (seed-math.md section 2) ---------------------------------------
# delta_o = y - yhat; delta_h[t] = (W_ho^T delta_o[t] + W_hh^T delta_h[t+1]) (.) (1 - h (.) h) with
# W_hh = W_ih[:, n_x:n_x+n_h] (xc = [x; h[t-1]]); at T no delta_h[T+1]; the four sums; h[0] takes
# W_hh^T delta_h[1] (it enters only xc[1]).
ELMAN_BPTT = """\
Backpropagation through time, t = T, T-1, ..., 1 (ordered derivatives past T are 0):
∂⁺C/∂zo[t] = y[t] - yhat[t]
∂⁺C/∂zh[t] = (W_hoᵀ ∂⁺C/∂zo[t] + W_ih[:, n_x:n_h + n_x]ᵀ ∂⁺C/∂zh[t+1]) ⊙ (1 - h[t] ⊙ h[t])
  at t = T: ∂⁺C/∂zh[T] = W_hoᵀ ∂⁺C/∂zo[T] ⊙ (1 - h[T] ⊙ h[T])
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
\frac{\partial^{+} C}{\partial zh_{T}} &= W_{ho}^{\top} \frac{\partial^{+} C}{\partial zo_{T}} \odot \left(1 - h_{T} \odot h_{T}\right) \tag*{at $t = T$}
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
    assert "\\item sum(yhat[t]) = 1 for every t (yhat is declared 'distribution' on line 5)\n" in body


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
    assert "∂⁺C/∂h[-1] = a · (∂⁺C/∂h[1] / (1 + abs(h[0])))\n" in text
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
    (B.Hadamard(a, B.MatProd(W, b)), "a[t] ⊙ W_ih b[t]", "a[t] * (W_ih @ b[t])", r"a_{t} \odot W_{ih} b_{t}"),
    (B.MatProd(W, B.Hadamard(a, b)), "W_ih (a[t] ⊙ b[t])", "W_ih @ (a[t] * b[t])",
     r"W_{ih} \left(a_{t} \odot b_{t}\right)"),
    (B.Divide(B.Neg(a), B.Hadamard(b, h)), "(-a[t]) / (b[t] ⊙ h[t])", "(-a[t]) / (b[t] * h[t])",
     r"\frac{-a_{t}}{b_{t} \odot h_{t}}"),
    (B.Neg(B.Divide(a, b)), "-a[t] / b[t]", "-a[t] / b[t]", r"-\frac{a_{t}}{b_{t}}"),
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


# ----- JSON ----------------------------------------------------------------------------------
def test_json_generic(elman):
    text = elman.to_json()
    assert text == elman.to_json()
    doc = json.loads(text)
    assert list(doc) == ["mode", "steps", "target", "dims", "declarations", "equations", "order", "nodes",
                         "recurrences", "gradients", "assumptions", "ops"]
    assert (doc["mode"], doc["steps"], doc["target"], doc["dims"]) == ("generic", None, "C", ["n_x", "n_h", "n_y"])
    assert doc["declarations"]["W_ih"] == {"kind": "param", "shape": ["n_h", "n_h + n_x"], "timed": False,
                                           "distribution": False, "line": 6, "text": "param W_ih: n_h, n_x + n_h"}
    assert doc["declarations"]["h[0]"]["kind"] == "init" and doc["declarations"]["yhat"]["distribution"]
    assert doc["equations"]["xc"] == {"var": "xc[t]", "text": "concat(x[t], h[t-1])", "shape": ["n_h + n_x"],
                                      "line": 12}
    assert doc["nodes"]["h[t]"] == {
        "shape": ["n_h"], "explicit": "0",
        "users": [{"user": "xc[t+1]", "share": "(d+C/dxc[t+1])[n_x:n_h + n_x]"},
                  {"user": "zo[t]", "share": "W_ho^T @ d+C/dzo[t]"}],
        "recursive": "W_ho^T @ d+C/dzo[t] + (d+C/dxc[t+1])[n_x:n_h + n_x]"}
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
    assert (doc["mode"], doc["steps"], doc["recurrences"]) == ("unrolled", 2, {})
    assert list(doc["nodes"])[:2] == ["y[2]", "zo[2]"] and "h[0]" in doc["nodes"]
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
}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_compiles_with_pdflatex(name, tmp_path):
    exe = pdflatex_or_skip()
    text, steps = DOCUMENTS[name]
    d = orderdiff.derive(orderdiff.parse(text), steps=steps)
    (tmp_path / "doc.tex").write_text(d.to_latex(), encoding="utf-8")
    run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


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
