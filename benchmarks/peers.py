"""The implementations orderdiff's BPTT is timed against, each written from the textbook
BPTT formulas alone (Werbos 1990; docs/recurrent.md).

All share ``lambdify``'s call convention: ``params`` holds ``W_ih (n_h, n_x+n_h)``,
``b_ih (n_h,)``, ``W_ho (n_y, n_h)``, ``b_ho (n_y,)``; ``inputs`` holds ``x (T, B, n_x)``
and one-hot targets ``yhat (T, B, n_y)``; ``init`` holds ``h (B, n_h)``. A row vector
times a matrix is ``v @ W.T``; the loss is the cross-entropy summed over time and batch,
and the gradients are d+loss/dv for every parameter and for ``'h[0]'``.

A peer is ``prepare(params, inputs, init) -> step``: preparation moves the arrays into
the tool (tensors, device arrays, compiled functions) outside the timed region, and
``step()`` runs one forward and backward pass, returning ``(loss, grads)`` in the tool's
own array type, finished (JAX results are blocked on). ``PEERS`` lists them by name;
``prepare`` raises ``Unavailable`` with a short reason when the tool is missing.
"""

import importlib

import numpy

PARAMS = ("W_ih", "b_ih", "W_ho", "b_ho")


class Unavailable(Exception):
    """The peer's tool is not installed, or lacks the feature (the message says which)."""


# ----- data ----------------------------------------------------------------------------

def problem(vocab, hidden, steps, batch, seed=0):
    """Seeded ``(params, inputs, init)`` for a character model: one-hot inputs and targets."""
    rng = numpy.random.default_rng(seed)
    fan_in = vocab + hidden
    params = {"W_ih": rng.standard_normal((hidden, fan_in)) / numpy.sqrt(fan_in),
              "b_ih": 0.1 * rng.standard_normal(hidden),
              "W_ho": rng.standard_normal((vocab, hidden)) / numpy.sqrt(hidden),
              "b_ho": 0.1 * rng.standard_normal(vocab)}
    eye = numpy.eye(vocab)
    chars = rng.integers(vocab, size=(steps + 1, batch))
    inputs = {"x": eye[chars[:-1]], "yhat": eye[chars[1:]]}
    init = {"h": 0.5 * rng.uniform(-1, 1, size=(batch, hidden))}
    return params, inputs, init


# ----- hand-written NumPy (min-char-rnn's loops, batched) -----------------------------

def hand_forward(params, inputs, init):
    """The loss alone, and what the backward loop reads: the stacked inputs and states."""
    W_ih, b_ih, W_ho, b_ho = (params[k] for k in PARAMS)
    x, yhat = inputs["x"], inputs["yhat"]
    h = init["h"]
    xcs, hs, ys = [], [], []
    loss = 0.0
    for t in range(x.shape[0]):
        xc = numpy.concatenate([x[t], h], axis=1)
        h = numpy.tanh(xc @ W_ih.T + b_ih)
        zo = h @ W_ho.T + b_ho
        e = numpy.exp(zo - zo.max(axis=1, keepdims=True))
        y = e / e.sum(axis=1, keepdims=True)
        loss -= numpy.sum(yhat[t] * numpy.log(y))
        xcs.append(xc)
        hs.append(h)
        ys.append(y)
    return loss, (xcs, hs, ys)


def hand_numpy(params, inputs, init):
    """Loss and gradients by the textbook delta recurrence of BPTT (Werbos 1990)."""
    W_ih, W_ho = params["W_ih"], params["W_ho"]
    n_x = inputs["x"].shape[2]
    W_hh = W_ih[:, n_x:]
    loss, (xcs, hs, ys) = hand_forward(params, inputs, init)
    grads = {k: numpy.zeros_like(params[k]) for k in PARAMS}
    delta_next = numpy.zeros_like(init["h"])   # d+C/dzh_{t+1}; zero past T
    for t in reversed(range(len(hs))):
        delta_o = ys[t] - inputs["yhat"][t]
        delta = (delta_o @ W_ho + delta_next @ W_hh) * (1.0 - hs[t] * hs[t])
        grads["W_ho"] += delta_o.T @ hs[t]
        grads["b_ho"] += delta_o.sum(axis=0)
        grads["W_ih"] += delta.T @ xcs[t]
        grads["b_ih"] += delta.sum(axis=0)
        delta_next = delta
    grads["h[0]"] = delta_next @ W_hh
    return loss, grads


def prepare_hand_numpy(params, inputs, init):
    return lambda: hand_numpy(params, inputs, init)


# ----- PyTorch eager ---------------------------------------------------------------------

def prepare_pytorch(params, inputs, init, threads=2):
    try:
        import torch
    except ImportError:
        raise Unavailable("not installed") from None
    torch.set_num_threads(threads)
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    leaves["h[0]"] = torch.tensor(init["h"], dtype=torch.float64, requires_grad=True)
    x, yhat = (torch.from_numpy(inputs[k]) for k in ("x", "yhat"))

    def step():
        for v in leaves.values():
            v.grad = None
        h, loss = leaves["h[0]"], 0.0
        for t in range(x.shape[0]):
            h = torch.tanh(torch.cat([x[t], h], dim=1) @ leaves["W_ih"].T + leaves["b_ih"])
            zo = h @ leaves["W_ho"].T + leaves["b_ho"]
            loss = loss - (yhat[t] * torch.log_softmax(zo, dim=1)).sum()
        loss.backward()
        return loss.detach(), {k: v.grad for k, v in leaves.items()}

    return step


# ----- JAX: jit of value_and_grad over a lax.scan ----------------------------------------

def enable_jax_float64():
    """Switch JAX to float64 before any array is made; False when JAX is missing."""
    try:
        import jax
    except ImportError:
        return False
    jax.config.update("jax_enable_x64", True)
    return True


def prepare_jax(params, inputs, init):
    if not enable_jax_float64():
        raise Unavailable("not installed")
    import jax
    import jax.numpy as jnp

    def loss(p, h0, x, yhat):
        def cell(h, xy):
            x_t, yhat_t = xy
            h = jnp.tanh(jnp.concatenate([x_t, h], axis=1) @ p["W_ih"].T + p["b_ih"])
            zo = h @ p["W_ho"].T + p["b_ho"]
            return h, -jnp.sum(yhat_t * jax.nn.log_softmax(zo, axis=1))

        _, costs = jax.lax.scan(cell, h0, (x, yhat))
        return costs.sum()

    f = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))
    p = {k: jnp.asarray(v) for k, v in params.items()}
    h0, x, yhat = jnp.asarray(init["h"]), jnp.asarray(inputs["x"]), jnp.asarray(inputs["yhat"])

    def step():
        value, (g, g_h0) = jax.block_until_ready(f(p, h0, x, yhat))
        return value, {**g, "h[0]": g_h0}

    return step


# ----- orderdiff: the derived and compiled gradient of examples/elman.eqs -----------------

def prepare_orderdiff(backend, derivation):
    """A peer running ``derivation.lambdify`` (``backend=None``: the plain call, NumPy)."""

    def prepare(params, inputs, init):
        if backend is not None:
            try:
                importlib.import_module(backend)
            except ImportError:
                raise Unavailable("not installed") from None
        try:
            f = derivation.lambdify() if backend is None else derivation.lambdify(backend=backend)
        except TypeError:
            raise Unavailable("not available (lambdify takes no backend keyword)") from None
        block = _jax_blocker() if backend == "jax" else (lambda out: out)
        if backend is not None:  # the arrays become the tool's, outside the timed region, as for the peers
            with f.precision():
                params, inputs, init = ({k: f.asarray(v) for k, v in group.items()} for group in (params, inputs, init))
        return lambda: block(f(params, inputs, init))

    return prepare


def _jax_blocker():
    import jax

    return jax.block_until_ready


def peers(derivation):
    """``{tool name: prepare}``, hand-numpy first (the reference), then pytorch."""
    return {"hand-numpy": prepare_hand_numpy,
            "pytorch": prepare_pytorch,
            "jax": prepare_jax,
            "orderdiff-numpy": prepare_orderdiff(None, derivation),
            "orderdiff-jax": prepare_orderdiff("jax", derivation),
            "orderdiff-torch": prepare_orderdiff("torch", derivation)}


# ----- agreement -------------------------------------------------------------------------

def as_numpy(value):
    """A tool's array (NumPy, torch tensor, JAX array, or a Python number) as float64 NumPy."""
    if hasattr(value, "detach"):
        value = value.detach().cpu()
    return numpy.asarray(value, dtype=numpy.float64)


def discrepancies(reference, result, rtol=1e-8, atol=1e-8):
    """Lines naming every quantity where ``result`` = (loss, grads) differs from ``reference``."""
    (loss0, grads0), (loss1, grads1) = reference, result
    pairs = [("loss", loss0, loss1)] + [(k, g, grads1.get(k)) for k, g in grads0.items()]
    out = []
    for name, want, got in pairs:
        if got is None:
            out.append(f"{name}: missing (keys: {sorted(grads1)})")
            continue
        want, got = as_numpy(want), as_numpy(got)
        if want.shape != got.shape:
            out.append(f"{name}: shape {got.shape}, expected {want.shape}")
        elif not numpy.allclose(got, want, rtol=rtol, atol=atol):
            err = numpy.abs(got - want)
            i = numpy.unravel_index(numpy.argmax(err - rtol * numpy.abs(want)), err.shape)
            out.append(f"{name}: max abs error {err.max():.3g}; at {tuple(map(int, i))} "
                       f"got {got[i]!r}, expected {want[i]!r}")
    return out


def finite_difference_errors(params, inputs, init, entries=3, eps=1e-6, seed=0):
    """Lines naming hand-numpy's gradient entries that central differences of its own
    forward pass contradict (``entries`` random entries of every gradient, h[0] included)."""
    rng = numpy.random.default_rng(seed)
    _, grads = hand_numpy(params, inputs, init)
    out = []
    for name, g in grads.items():
        for flat in rng.choice(g.size, size=min(entries, g.size), replace=False):
            i = numpy.unravel_index(flat, g.shape)
            nudged = [_nudged(params, init, name, i, s * eps) for s in (1, -1)]
            plus, minus = (hand_forward(p, inputs, h0)[0] for p, h0 in nudged)
            fd = (plus - minus) / (2 * eps)
            if not numpy.isclose(g[i], fd, rtol=1e-6, atol=1e-8):
                out.append(f"{name}{tuple(map(int, i))}: gradient {g[i]!r}, central difference {fd!r}")
    return out


def _nudged(params, init, name, i, step):
    params, init = dict(params), dict(init)
    where, key = (init, "h") if name == "h[0]" else (params, name)
    where[key] = where[key].copy()
    where[key][i] += step
    return params, init
