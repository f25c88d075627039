"""Hand-written forward passes of the recurrent example files, for the oracle tests.

Written from the equations alone, sharing no code with orderdiff: each model is one
function ``forward(ops, params, inputs, init)`` over an array namespace ``ops``
(plain NumPy, HIPS autograd's NumPy, or PyTorch), so one reading of the equations
serves finite differences, autograd and PyTorch. Conventions are those of
``BlockDerivation.lambdify``: batch axis first (``x`` is ``(T, B, n_x)``, a state is
``(B, n)``), a vector ``v`` times a matrix ``W`` is ``v @ W.T``, and the loss is the
target summed over time and over the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
VARIANTS = Path(__file__).resolve().parent / "systems" / "rnn"

N_X, N_H, N_Y = 3, 4, 5


class NumpyOps:
    """The few array operations the models need, over ``numpy`` or ``autograd.numpy``."""

    def __init__(self, np):
        self.np = np

    def tanh(self, z):
        return self.np.tanh(z)

    def sigmoid(self, z):
        return 1.0 / (1.0 + self.np.exp(-z))

    def relu(self, z):
        return self.np.maximum(z, 0.0)

    def log(self, z):
        return self.np.log(z)

    def concat(self, *parts):
        return self.np.concatenate(parts, axis=-1)

    def softmax(self, z):
        e = self.np.exp(z - self.np.max(z, axis=-1, keepdims=True))
        return e / self.np.sum(e, axis=-1, keepdims=True)

    def sum(self, z):
        return self.np.sum(z)

    def exp(self, z):
        return self.np.exp(z)

    def sqrt(self, z):
        return self.np.sqrt(z)

    def softplus(self, z):
        return self.np.logaddexp(0.0, z)

    def full(self, shape, value):
        return self.np.full(shape, value)


class TorchOps:
    """The same operations over PyTorch tensors."""

    def __init__(self, torch):
        self.torch = torch

    def tanh(self, z):
        return self.torch.tanh(z)

    def sigmoid(self, z):
        return self.torch.sigmoid(z)

    def relu(self, z):
        return self.torch.relu(z)

    def log(self, z):
        return self.torch.log(z)

    def concat(self, *parts):
        return self.torch.cat(parts, dim=-1)

    def softmax(self, z):
        return self.torch.softmax(z, dim=-1)

    def sum(self, z):
        return self.torch.sum(z)

    def exp(self, z):
        return self.torch.exp(z)

    def sqrt(self, z):
        return self.torch.sqrt(z)

    def softplus(self, z):
        return self.torch.nn.functional.softplus(z)

    def full(self, shape, value):
        return self.torch.full(shape, value, dtype=self.torch.float64)


def cross_entropy(ops, p, y):
    return -ops.sum(p * ops.log(y))


def squared_error(ops, p, y):
    return ops.sum((y - p) ** 2) / 2


def affine(v, W, b=None):
    """``W @ v + b`` for a batch of row vectors ``v``."""
    return v @ W.T if b is None else v @ W.T + b


# ----- the models --------------------------------------------------------------------------
def elman(ops, p, inputs, init, activation="tanh", output="softmax", lag=1):
    """examples/elman.eqs and its variants: activation, output, biases (absent keys), lag."""
    act, x, yhat = getattr(ops, activation), inputs["x"], inputs["yhat"]
    states = [init[f"h[{-k}]"] for k in reversed(range(lag))]  # h[1-lag], ..., h[0]
    loss = 0.0
    for t in range(x.shape[0]):
        xc = ops.concat(x[t], *(states[-k] for k in range(1, lag + 1)))
        h = act(affine(xc, p["W_ih"], p.get("b_ih")))
        zo = affine(h, p["W_ho"], p.get("b_ho"))
        if output == "softmax":
            loss = loss + cross_entropy(ops, yhat[t], ops.softmax(zo))
        else:
            loss = loss + squared_error(ops, yhat[t], zo)
        states.append(h)
    return loss


def lstm(ops, p, inputs, init):
    """examples/lstm.eqs: gates i, f, o and candidate g as four row blocks of one W."""
    x, yhat = inputs["x"], inputs["yhat"]
    h, c, n = init["h[0]"], init["c[0]"], N_H
    loss = 0.0
    for t in range(x.shape[0]):
        z = affine(ops.concat(x[t], h), p["W"], p["b"])
        i, f, o = ops.sigmoid(z[:, :n]), ops.sigmoid(z[:, n:2 * n]), ops.sigmoid(z[:, 2 * n:3 * n])
        g = ops.tanh(z[:, 3 * n:])
        c = f * c + i * g
        h = o * ops.tanh(c)
        loss = loss + cross_entropy(ops, yhat[t], ops.softmax(affine(h, p["W_y"], p["b_y"])))
    return loss


def gru(ops, p, inputs, init):
    """examples/gru.eqs: update gate u, reset gate r, candidate n on [x; r * h_prev]."""
    x, yhat, h = inputs["x"], inputs["yhat"], init["h[0]"]
    loss = 0.0
    for t in range(x.shape[0]):
        xc = ops.concat(x[t], h)
        u = ops.sigmoid(affine(xc, p["W_u"], p["b_u"]))
        r = ops.sigmoid(affine(xc, p["W_r"], p["b_r"]))
        n = ops.tanh(affine(ops.concat(x[t], r * h), p["W_n"], p["b_n"]))
        h = (1 - u) * h + u * n
        loss = loss + cross_entropy(ops, yhat[t], ops.softmax(affine(h, p["W_y"], p["b_y"])))
    return loss


def jordan(ops, p, inputs, init):
    """examples/jordan.eqs: the hidden layer sees the previous output y[t-1]."""
    x, yhat, y = inputs["x"], inputs["yhat"], init["y[0]"]
    loss = 0.0
    for t in range(x.shape[0]):
        h = ops.tanh(affine(ops.concat(x[t], y), p["W_ih"], p["b_ih"]))
        y = ops.softmax(affine(h, p["W_ho"], p["b_ho"]))
        loss = loss + cross_entropy(ops, yhat[t], y)
    return loss


def operations(ops, p, inputs, init):
    """tests/systems/rnn/operations.eqs: slices, division, softplus, sqrt, a scalar parameter."""
    x, yhat, h, n = inputs["x"], inputs["yhat"], init["h[0]"], N_H
    loss = 0.0
    for t in range(x.shape[0]):
        z = affine(ops.concat(x[t], h), p["W"])
        u = ops.softplus(z[:, :n]) / (1 + ops.exp(-z[:, n:]))
        h = p["a"] * ops.tanh(u) + 0.5 * ops.sqrt(1 + h ** 2) * ops.sigmoid(u)
        zo = h @ p["V"]                                   # transpose(V) @ h
        loss = loss + squared_error(ops, yhat[t], zo) + 0.1 * ops.sum(h * h) - ops.sum(u) / 3
    return loss


def static(ops, p, inputs, init):
    """tests/systems/rnn/static.eqs: M and hb computed once, before the loop."""
    x, yhat, h = inputs["x"], inputs["yhat"], init["h[0]"]
    M = p["U"] * p["k"] - p["U"].T / 2
    hb = ops.tanh(affine(inputs["s"], M))
    loss = 0.0
    for t in range(x.shape[0]):
        h = ops.tanh(affine(x[t], p["W"]) + affine(h, M) + hb) * 0.9 - h ** 2 / 10
        loss = loss + squared_error(ops, yhat[t], affine(h, p["V"]))
    return loss + x.shape[1] * 0.01 * ops.sum(M * M)   # C is per sequence: the term once per batch row


def backward(ops, p, inputs, init):
    """tests/systems/rnn/backward.eqs: the Elman cell run from t = T down to 1, h[T+1] = 0.5."""
    x, yhat = inputs["x"], inputs["yhat"]
    h = ops.full((x.shape[1], N_H), 0.5)
    loss = 0.0
    for t in reversed(range(x.shape[0])):
        h = ops.tanh(affine(ops.concat(x[t], h), p["W_ih"], p["b_ih"]))
        loss = loss + cross_entropy(ops, yhat[t], ops.softmax(affine(h, p["W_ho"], p["b_ho"])))
    return loss


def bidirectional(ops, p, inputs, init):
    """tests/systems/rnn/bidirectional.eqs: hf forward from hf[0], hb backward from zero."""
    x, yhat, T = inputs["x"], inputs["yhat"], inputs["x"].shape[0]
    forward, hf = [], init["hf[0]"]
    for t in range(T):
        hf = ops.tanh(affine(ops.concat(x[t], hf), p["Wf"], p["bf"]))
        forward.append(hf)
    backward, hb = [None] * T, ops.full((x.shape[1], N_H), 0.0)
    for t in reversed(range(T)):
        hb = backward[t] = ops.tanh(affine(ops.concat(x[t], hb), p["Wb"], p["bb"]))
    loss = 0.0
    for t in range(T):
        loss = loss + squared_error(ops, yhat[t], affine(ops.concat(forward[t], backward[t]), p["W_ho"], p["b_ho"]))
    return loss


def lookahead2(ops, p, inputs, init):
    """tests/systems/rnn/lookahead2.eqs: h from h[T+1] = 0, h[T+2] = -0.25 down; g forward over h."""
    x, yhat, T = inputs["x"], inputs["yhat"], inputs["x"].shape[0]
    B = x.shape[1]
    h = [None] * T + [ops.full((B, N_H), 0.0), ops.full((B, N_H), -0.25)]   # h[1..T] at 0..T-1, h[T+1], h[T+2]
    for t in reversed(range(T)):
        h[t] = ops.sigmoid(affine(ops.concat(x[t], h[t + 1], h[t + 2]), p["W"]))
    g, loss = init["g[0]"], 0.0
    for t in range(T):
        g = ops.tanh(affine(ops.concat(h[t], g), p["U"]) + affine(h[t + 1], p["V"]))
        loss = loss + cross_entropy(ops, yhat[t], ops.softmax(affine(g, p["W_ho"])))
    return loss


def lookahead_reads(ops, p, inputs, init):
    """tests/systems/rnn/lookahead_reads.eqs: h from h[T+1] = 0.5 down, reading v[t+1] (v[T+1] = 0)."""
    x, yhat, T = inputs["x"], inputs["yhat"], inputs["x"].shape[0]
    B = x.shape[1]
    v = [ops.tanh(affine(x[t], p["U"])) for t in range(T)] + [ops.full((B, N_H), 0.0)]
    h = [None] * T + [ops.full((B, N_H), 0.5)]   # h[1..T] at 0..T-1, then h[T+1]
    for t in reversed(range(T)):
        h[t] = ops.tanh(affine(h[t + 1], p["W"]) + v[t + 1])
    loss = 0.0
    for t in range(T):
        loss = loss + squared_error(ops, yhat[t], ops.tanh(affine(h[t + 1], p["V"])) + affine(h[t], p["Y"]))
    return loss


# ----- what each file declares, read off the file by hand --------------------------------
ELMAN_PARAMS = {"W_ih": (N_H, N_X + N_H), "b_ih": (N_H,), "W_ho": (N_Y, N_H), "b_ho": (N_Y,)}


@dataclass
class Model:
    path: Path
    forward: object
    params: dict                      # name -> shape
    init: dict = field(default_factory=lambda: {"h[0]": N_H})   # 'name[s]' -> width
    targets: str = "distribution"     # how yhat is drawn: distribution | positive | real
    options: dict = field(default_factory=dict)
    static: dict = field(default_factory=dict)                # static input -> width
    fill: float = 0.0                                         # the declared initial value

    @property
    def name(self):
        return self.path.stem

    def loss(self, ops, params, inputs, init):
        return self.forward(ops, params, inputs, init, **self.options)


MODELS = {m.name: m for m in (
    Model(EXAMPLES / "elman.eqs", elman, ELMAN_PARAMS),
    Model(EXAMPLES / "lstm.eqs", lstm,
          {"W": (4 * N_H, N_X + N_H), "b": (4 * N_H,), "W_y": (N_Y, N_H), "b_y": (N_Y,)},
          {"h[0]": N_H, "c[0]": N_H}),
    Model(EXAMPLES / "gru.eqs", gru,
          {"W_u": (N_H, N_X + N_H), "b_u": (N_H,), "W_r": (N_H, N_X + N_H), "b_r": (N_H,),
           "W_n": (N_H, N_X + N_H), "b_n": (N_H,), "W_y": (N_Y, N_H), "b_y": (N_Y,)}),
    Model(EXAMPLES / "jordan.eqs", jordan,
          {"W_ih": (N_H, N_X + N_Y), "b_ih": (N_H,), "W_ho": (N_Y, N_H), "b_ho": (N_Y,)},
          {"y[0]": N_Y}),
    Model(VARIANTS / "elman_sigmoid.eqs", elman, ELMAN_PARAMS, options={"activation": "sigmoid"}),
    Model(VARIANTS / "elman_relu.eqs", elman, ELMAN_PARAMS, options={"activation": "relu"}),
    Model(VARIANTS / "elman_linear_mse.eqs", elman, ELMAN_PARAMS, targets="real",
          options={"output": "linear"}),
    Model(VARIANTS / "elman_nobias.eqs", elman, {"W_ih": (N_H, N_X + N_H), "W_ho": (N_Y, N_H)}),
    Model(VARIANTS / "elman_lag2.eqs", elman, {**ELMAN_PARAMS, "W_ih": (N_H, N_X + 2 * N_H)},
          {"h[0]": N_H, "h[-1]": N_H}, options={"lag": 2}),
    Model(VARIANTS / "elman_general_xent.eqs", elman, ELMAN_PARAMS, targets="positive"),
    Model(VARIANTS / "operations.eqs", operations, {"W": (2 * N_H, N_X + N_H), "V": (N_H, N_Y), "a": ()},
          targets="real"),
    Model(VARIANTS / "backward.eqs", backward, ELMAN_PARAMS, {}),
    Model(VARIANTS / "bidirectional.eqs", bidirectional,
          {"Wf": (N_H, N_X + N_H), "bf": (N_H,), "Wb": (N_H, N_X + N_H), "bb": (N_H,), "W_ho": (N_Y, 2 * N_H),
           "b_ho": (N_Y,)}, {"hf[0]": N_H}, targets="real"),
    Model(VARIANTS / "lookahead2.eqs", lookahead2,
          {"W": (N_H, N_X + 2 * N_H), "U": (N_H, 2 * N_H), "V": (N_H, N_H), "W_ho": (N_Y, N_H)}, {"g[0]": N_H}),
    Model(VARIANTS / "lookahead_reads.eqs", lookahead_reads,
          {"W": (N_H, N_H), "U": (N_H, N_X), "V": (N_Y, N_H), "Y": (N_Y, N_H)}, {}, targets="real"),
    Model(VARIANTS / "static.eqs", static, {"W": (N_H, N_X), "U": (N_H, N_H), "V": (N_Y, N_H), "k": ()},
          targets="real", static={"s": N_H}, fill=1.0),
)}


def sample(model, seed, T=5, B=2):
    """Seeded random parameters, inputs and initial values for ``model``.

    ``yhat`` is drawn from a Dirichlet for targets declared ``distribution``, from
    (0.1, 1) without normalising for a general cross-entropy, and from a normal for
    squared error.
    """
    rng = numpy.random.default_rng(seed)
    params = {k: numpy.asarray(0.5 * rng.standard_normal(s)) for k, s in model.params.items()}
    x = rng.standard_normal((T, B, N_X))
    if model.targets == "distribution":
        yhat = rng.dirichlet(numpy.ones(N_Y), size=(T, B))
    elif model.targets == "positive":
        yhat = rng.uniform(0.1, 1.0, size=(T, B, N_Y))
    else:
        yhat = rng.standard_normal((T, B, N_Y))
    init = {k: 0.5 * rng.standard_normal((B, n)) for k, n in model.init.items()}
    inputs = {"x": x, "yhat": yhat, **{k: rng.standard_normal((B, n)) for k, n in model.static.items()}}
    return params, inputs, init
