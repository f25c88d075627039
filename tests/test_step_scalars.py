"""Scalars in block files: a mask given at every step, a scalar computed at every step, a
scalar given once per sequence, checked against HIPS autograd.

The generated program keeps a batched scalar with a trailing axis, so that it broadcasts
against the vectors of its sample; an input given as (T, B) or (B,) must get that axis
too. Were it left out, (T, B) against (T, B, 1) would broadcast to (T, T, B): a NumPy
error for most sizes, and a wrong loss with no error when T = B. So every case runs at
sizes that are all equal as well as at distinct ones. The forward passes below are
written from the equations alone and differentiated by autograd.
"""


import autograd.numpy as anp
import numpy
import pytest
from autograd import grad

import orderdiff
from block_runs import check_and_run_module

HEAD = "dim n_x, n_h\ninput x[t]: n_x\nparam W: n_h, n_x + n_h\ninit h[0] = 0\n"

MASK = HEAD + """input m[t]
h[t] = tanh(W @ concat(x[t], h[t-1]))
C = sum_t(m[t] * sum(h[t] * h[t]))
"""

NAMED = HEAD + """input m[t]
a[t] = W @ concat(x[t], h[t-1])
mu[t] = sum(a[t]) / 4
h[t] = tanh(a[t] - mu[t]) * m[t]
C = sum_t(sum(h[t] * h[t]) * mu[t] + m[t] * mu[t])
"""

ONCE = HEAD + """input s
h[t] = tanh(s * (W @ concat(x[t], h[t-1])))
C = sum_t(s * sum(h[t] * h[t]))
"""


def step(W, x, h):
    return anp.concatenate([x, h], axis=-1) @ W.T


def mask_loss(W, h0, x, m):
    h, C = h0, 0.0
    for t in range(len(x)):
        h = anp.tanh(step(W, x[t], h))
        C = C + m[t] * anp.sum(h * h, axis=-1)
    return anp.sum(C)


def named_loss(W, h0, x, m):
    h, C = h0, 0.0
    for t in range(len(x)):
        a = step(W, x[t], h)
        mu = anp.sum(a, axis=-1, keepdims=True) / 4
        h = anp.tanh(a - mu) * m[t][:, None]
        C = C + anp.sum(h * h, axis=-1) * mu[:, 0] + m[t] * mu[:, 0]
    return anp.sum(C)


def once_loss(W, h0, x, s):
    h, C = h0, 0.0
    for t in range(len(x)):
        h = anp.tanh(s[:, None] * step(W, x[t], h))
        C = C + s * anp.sum(h * h, axis=-1)
    return anp.sum(C)


CASES = {"mask": (MASK, mask_loss, "m"), "named": (NAMED, named_loss, "m"), "once": (ONCE, once_loss, "s")}
SIZES = [(3, 3, 3, 3), (4, 2, 3, 5)]  # (T, B, n_x, n_h): all equal, where broadcasting would hide a slip


def sample(name, T, B, n_x, n_h, seed=0):
    rng = numpy.random.default_rng(seed)
    scalar = rng.uniform(0.5, 1.5, (T, B)) if CASES[name][2] == "m" else rng.uniform(0.5, 1.5, B)
    return (rng.normal(0, 0.5, (n_h, n_x + n_h)), rng.normal(0, 0.5, (B, n_h)), rng.normal(0, 1, (T, B, n_x)),
            scalar)


@pytest.mark.parametrize("sizes", SIZES, ids=["equal-sizes", "distinct-sizes"])
@pytest.mark.parametrize("name", CASES)
def test_loss_and_gradients_agree_with_autograd(name, sizes):
    text, loss, scalar = CASES[name]
    W, h0, x, s = sample(name, *sizes)
    f = orderdiff.derive(orderdiff.parse(text)).lambdify()
    value, grads = f({"W": W}, {"x": x, scalar: s}, {"h": h0})
    assert value == pytest.approx(loss(W, h0, x, s), rel=1e-12)
    numpy.testing.assert_allclose(grads["W"], grad(loss, 0)(W, h0, x, s), rtol=1e-9, atol=1e-12)
    numpy.testing.assert_allclose(grads["h[0]"], grad(loss, 1)(W, h0, x, s), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("name", CASES)
def test_other_backends_agree_with_numpy(name, backend):
    pytest.importorskip(backend)
    text, _, scalar = CASES[name]
    W, h0, x, s = sample(name, *SIZES[0])
    d = orderdiff.derive(orderdiff.parse(text))
    args = ({"W": W}, {"x": x, scalar: s}, {"h": h0})
    reference, theirs = d.lambdify()(*args), d.lambdify(backend=backend)(*args)
    assert float(theirs[0]) == pytest.approx(reference[0], rel=1e-10)
    for key, g in reference[1].items():
        numpy.testing.assert_allclose(numpy.asarray(theirs[1][key]), g, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_check_and_the_emitted_module_run(name, tmp_path):
    path = tmp_path / f"{name}.eqs"
    path.write_text(CASES[name][0])
    assert "OK: all 2 gradients agree" in check_and_run_module(path)


def test_products_of_scalars_in_either_order_are_like_terms():
    """d(m mu^2)/dmu is m mu + mu m as Eq. 1 builds it: one term, 2 m mu, in the printed forms."""
    d = orderdiff.derive(orderdiff.parse(HEAD + "input m[t]\nh[t] = tanh(W @ concat(x[t], h[t-1]))\n"
                                         "mu[t] = sum(h[t]) / 4\nC = sum_t(m[t] * mu[t] * mu[t])\n"))
    text = d.to_text(unicode=False)
    recurrence = text.split("Backpropagation through time")[1].split("d+C/dh[t] = ")[1].splitlines()[0]
    assert "(1/2)*(m[t] * mu[t])" in recurrence and "mu[t] * m[t]" not in recurrence
