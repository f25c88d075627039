"""PyTorch's own cells against the gradients orderdiff derives for examples/torch_*.eqs.

The oracle shares no code with orderdiff: ``torch.nn.GRU``, ``nn.LSTM`` and ``nn.RNN``
(tanh), with an ``nn.Linear`` read-out, run in float64 on seeded random weights, inputs,
targets and initial states; the loss is PyTorch's ``cross_entropy`` of the logits against
the targets, summed over time and the batch, and its gradients come from torch's
autograd. ``orderdiff.pytorch`` carries the weights across; the loss and every gradient
(each parameter, and the initial states h[0], c[0]) must agree to rounding. A two-layer
GRU is written as a block file below, one layer's equations per layer, and so is a
bidirectional LSTM of one and two layers (each layer a state running forward and one
running backward, h[t+1], the layer above reading both); the bidirectional GRU and RNN are
examples of their own. Also here: the
weights carried back into a module (``load_state_dict``), each refusal of a module that the
examples cannot express, and ``orderdiff check`` on the examples.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
from click.testing import CliRunner

import orderdiff
from orderdiff import pytorch
from orderdiff.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
T, B, N_X, N_H, N_Y = 5, 3, 4, 5, 3
RTOL = 1e-10          # float64, the same arithmetic up to rounding
CELLS = {"GRU": "torch_gru.eqs", "LSTM": "torch_lstm.eqs", "RNN": "torch_rnn.eqs"}
TORCH_NAMES = {"W_ih": "weight_ih", "W_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh"}


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@functools.cache
def derived(text):
    return orderdiff.derive(orderdiff.parse(text)).lambdify()


@functools.cache
def example(name):
    return orderdiff.derive(orderdiff.load(str(EXAMPLES / name))).lambdify()


def torch_case(torch, cell, *, layers=1, seed=0, one_hot=False, bidirectional=False):
    """A seeded module, read-out, data and initial state, and the loss with torch's gradients.

    A ``bidirectional`` module's backward states start from zero (rows 1, 3, ... of h_0),
    as the block files' ``init h_reverse[T+1] = 0`` does; the forward ones are random."""
    torch.manual_seed(seed)
    rnn = getattr(torch.nn, cell)(N_X, N_H, num_layers=layers, bidirectional=bidirectional).double()
    readout = torch.nn.Linear(2 * N_H if bidirectional else N_H, N_Y).double()
    x = torch.randn(T, B, N_X, dtype=torch.float64)
    if one_hot:
        yhat = torch.randint(0, N_Y, (T, B))
    else:
        yhat = torch.softmax(torch.randn(T, B, N_Y, dtype=torch.float64), dim=-1)
    hx = tuple(torch.randn(layers, B, N_H, dtype=torch.float64) for _ in range(2 if cell == "LSTM" else 1))
    if bidirectional:
        hx = tuple(torch.stack([s, torch.zeros_like(s)], dim=1).reshape(2 * layers, B, N_H) for s in hx)
    hx = tuple(s.requires_grad_(True) for s in hx)
    out, _ = rnn(x, hx if cell == "LSTM" else hx[0])
    logits = readout(out)
    target = yhat.reshape(-1) if one_hot else yhat.reshape(-1, N_Y)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, N_Y), target, reduction="sum")
    loss.backward()
    return rnn, readout, x, yhat, hx, loss


def expected_gradients(rnn, readout, hx, layer=0, suffix=""):
    """torch's gradients under orderdiff's names, read off the modules by hand."""
    directions = ("", "_reverse") if rnn.bidirectional else ("",)
    out = {name + suffix + d: getattr(rnn, f"{key}_l{layer}{d}").grad.numpy()
           for name, key in TORCH_NAMES.items() for d in directions}
    for name, state in zip(("h", "c"), hx):
        out[f"{name}{suffix}[0]"] = state.grad[len(directions) * layer].numpy()
    return out


def assert_agree(loss, grads, torch_loss, expected):
    numpy.testing.assert_allclose(loss, torch_loss.item(), rtol=RTOL, atol=0)
    assert set(grads) == set(expected)
    for name, g in expected.items():
        assert grads[name].shape == g.shape, name
        numpy.testing.assert_allclose(grads[name], g, rtol=RTOL, atol=RTOL * numpy.abs(g).max(), err_msg=name)


# ----- the loss and every gradient against PyTorch ------------------------------------------------

@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", [0, 1])
def test_every_gradient_agrees_with_pytorch(torch, cell, seed):
    rnn, readout, x, yhat, hx, torch_loss = torch_case(torch, cell, seed=seed)
    loss, grads = example(CELLS[cell])(pytorch.params(rnn, readout), pytorch.inputs(x, yhat), pytorch.init(hx))
    expected = expected_gradients(rnn, readout, hx)
    expected.update(W_y=readout.weight.grad.numpy(), b_y=readout.bias.grad.numpy())
    assert_agree(loss, grads, torch_loss, expected)


@pytest.mark.parametrize("cell", CELLS)
def test_one_hot_targets_agree_with_class_indices(torch, cell):
    """PyTorch's cross-entropy of class indices is orderdiff's against their one-hot vectors."""
    rnn, readout, x, labels, hx, torch_loss = torch_case(torch, cell, seed=2, one_hot=True)
    inputs = {"x": pytorch.array(x), "yhat": pytorch.one_hot(labels, N_Y)}
    loss, grads = example(CELLS[cell])(pytorch.params(rnn, readout), inputs, pytorch.init(hx))
    expected = expected_gradients(rnn, readout, hx)
    expected.update(W_y=readout.weight.grad.numpy(), b_y=readout.bias.grad.numpy())
    assert_agree(loss, grads, torch_loss, expected)


def test_batch_first_inputs_are_swapped_to_time_first(torch):
    rnn, readout, x, yhat, hx, torch_loss = torch_case(torch, "GRU", seed=3)
    inputs = pytorch.inputs(x.transpose(0, 1), yhat.transpose(0, 1), batch_first=True)
    loss, _ = example("torch_gru.eqs")(pytorch.params(rnn, readout), inputs, pytorch.init(hx))
    numpy.testing.assert_allclose(loss, torch_loss.item(), rtol=RTOL, atol=0)


def stacked_gru(layers, input_node=True):
    """PyTorch's GRU of ``layers`` layers as a block file: layer k reads h_l{k-1}[t], the top one feeds W_y.

    With ``input_node``, each layer's input half W_ih x + b_ih is a node gi_l{k}[t] of its
    own, as in examples/torch_gru.eqs; without, each gate writes its rows of it inline
    (``W_ih_l1[0:n_h] @ h_l0[t] + b_ih_l1[0:n_h]``), the same function.
    """
    rows = ["0:n_h", "n_h:2*n_h", "2*n_h:3*n_h"]
    text = ["dim n_x, n_h, n_y", "input x[t]: n_x", "input yhat[t]: n_y distribution"]
    body = []
    for k in range(layers):
        s, below = f"_l{k}", "x[t]" if k == 0 else f"h_l{k - 1}[t]"
        text += [f"param W_ih{s}: 3*n_h, {'n_x' if k == 0 else 'n_h'}", f"param W_hh{s}: 3*n_h, n_h",
                 f"param b_ih{s}: 3*n_h", f"param b_hh{s}: 3*n_h", f"init h{s}[0] = 0"]
        if input_node:
            body.append(f"gi{s}[t] = W_ih{s} @ {below} + b_ih{s}")
            gi = [f"gi{s}[t][{r}]" for r in rows]
        else:
            gi = [f"W_ih{s}[{r}] @ {below} + b_ih{s}[{r}]" for r in rows]
        gh = [f"gh{s}[t][{r}]" for r in rows]
        body += [f"gh{s}[t] = W_hh{s} @ h{s}[t-1] + b_hh{s}",
                 f"r{s}[t] = sigmoid({gi[0]} + {gh[0]})",
                 f"z{s}[t] = sigmoid({gi[1]} + {gh[1]})",
                 f"n{s}[t] = tanh({gi[2]} + r{s}[t] * {gh[2]})",
                 f"h{s}[t] = (1 - z{s}[t]) * n{s}[t] + z{s}[t] * h{s}[t-1]"]
    text += ["param W_y: n_y, n_h", "param b_y: n_y", "", *body,
             f"zo[t] = W_y @ h_l{layers - 1}[t] + b_y", "y[t] = softmax(zo[t])",
             "C = sum_t(cross_entropy(yhat[t], y[t]))"]
    return "\n".join(text) + "\n"


def two_layer_case(torch, input_node):
    rnn, readout, x, yhat, hx, torch_loss = torch_case(torch, "GRU", layers=2, seed=4)
    params = {**pytorch.params(rnn, layer=0, suffix="_l0"), **pytorch.params(rnn, readout, layer=1, suffix="_l1")}
    init = {**pytorch.init(hx, layer=0, suffix="_l0"), **pytorch.init(hx, layer=1, suffix="_l1")}
    loss, grads = derived(stacked_gru(2, input_node))(params, pytorch.inputs(x, yhat), init)
    expected = {**expected_gradients(rnn, readout, hx, 0, "_l0"), **expected_gradients(rnn, readout, hx, 1, "_l1"),
                "W_y": readout.weight.grad.numpy(), "b_y": readout.bias.grad.numpy()}
    assert_agree(loss, grads, torch_loss, expected)


def test_a_two_layer_gru_agrees_with_pytorch(torch):
    two_layer_case(torch, input_node=False)


def test_a_two_layer_gru_with_a_node_between_the_layers_agrees_with_pytorch(torch):
    two_layer_case(torch, input_node=True)


BIDIRECTIONAL = {"GRU": "torch_bigru.eqs", "RNN": "torch_birnn.eqs"}


@pytest.mark.parametrize("cell", BIDIRECTIONAL)
@pytest.mark.parametrize("seed", [10, 11])
def test_a_bidirectional_module_agrees_with_pytorch(torch, cell, seed):
    rnn, readout, x, yhat, hx, torch_loss = torch_case(torch, cell, seed=seed, bidirectional=True)
    init = pytorch.init(hx, bidirectional=True)
    loss, grads = example(BIDIRECTIONAL[cell])(pytorch.params(rnn, readout), pytorch.inputs(x, yhat), init)
    expected = expected_gradients(rnn, readout, hx)
    expected.update(W_y=readout.weight.grad.numpy(), b_y=readout.bias.grad.numpy())
    assert_agree(loss, grads, torch_loss, expected)


def bidirectional_lstm(layers):
    """PyTorch's bidirectional LSTM of ``layers`` layers as a block file: in each layer, h_l{k}
    runs forward and h_l{k}_reverse backward (t+1, from a zero past the last step), and the
    layer above, or the read-out, reads both concatenated."""
    text = ["dim n_x, n_h, n_y", "input x[t]: n_x", "input yhat[t]: n_y distribution"]
    body = []
    for k in range(layers):
        below = "x[t]" if k == 0 else f"concat(h_l{k - 1}[t], h_l{k - 1}_reverse[t])"
        for d, (step, first) in {"": ("t-1", "0"), "_reverse": ("t+1", "T+1")}.items():
            s = f"_l{k}{d}"
            text += [f"param W_ih{s}: 4*n_h, {'n_x' if k == 0 else '2*n_h'}", f"param W_hh{s}: 4*n_h, n_h",
                     f"param b_ih{s}: 4*n_h", f"param b_hh{s}: 4*n_h",
                     f"init h{s}[{first}] = 0", f"init c{s}[{first}] = 0"]
            body += [f"z{s}[t] = W_ih{s} @ {below} + b_ih{s} + W_hh{s} @ h{s}[{step}] + b_hh{s}",
                     *(f"{gate}{s}[t] = {f}(z{s}[t][{rows}])" for gate, f, rows in (
                         ("i", "sigmoid", "0:n_h"), ("f", "sigmoid", "n_h:2*n_h"), ("g", "tanh", "2*n_h:3*n_h"),
                         ("o", "sigmoid", "3*n_h:4*n_h"))),
                     f"c{s}[t] = f{s}[t] * c{s}[{step}] + i{s}[t] * g{s}[t]",
                     f"h{s}[t] = o{s}[t] * tanh(c{s}[t])"]
    top = layers - 1
    text += ["param W_y: n_y, 2*n_h", "param b_y: n_y", "", *body,
             f"zo[t] = W_y @ concat(h_l{top}[t], h_l{top}_reverse[t]) + b_y", "y[t] = softmax(zo[t])",
             "C = sum_t(cross_entropy(yhat[t], y[t]))"]
    return "\n".join(text) + "\n"


@pytest.mark.parametrize("layers", [1, 2])
def test_a_bidirectional_lstm_agrees_with_pytorch(torch, layers):
    """Two layers: the upper one reads both directions of the lower, as PyTorch's does."""
    rnn, readout, x, yhat, hx, torch_loss = torch_case(torch, "LSTM", layers=layers, seed=12, bidirectional=True)
    params, init, expected = {}, {}, {"W_y": readout.weight.grad.numpy(), "b_y": readout.bias.grad.numpy()}
    for k in range(layers):
        params.update(pytorch.params(rnn, readout if k == layers - 1 else None, layer=k, suffix=f"_l{k}"))
        init.update(pytorch.init(hx, layer=k, suffix=f"_l{k}", bidirectional=True))
        expected.update(expected_gradients(rnn, readout, hx, k, f"_l{k}"))
    loss, grads = derived(bidirectional_lstm(layers))(params, pytorch.inputs(x, yhat), init)
    assert_agree(loss, grads, torch_loss, expected)


@pytest.mark.parametrize("steps", [1, 2, T])
def test_a_bidirectional_classifier_reading_h_n_agrees_with_pytorch(torch, steps):
    """PyTorch's final states h_n are h[T] forward and h_reverse[1] backward: each a share of its
    recurrence at one step, for every length of sequence down to one step."""
    torch.manual_seed(15 + steps)
    rnn = torch.nn.RNN(N_X, N_H, bidirectional=True).double()
    readout = torch.nn.Linear(2 * N_H, N_Y).double()
    x = torch.randn(steps, B, N_X, dtype=torch.float64)
    labels = torch.randint(0, N_Y, (B,))
    h_0 = torch.cat([torch.randn(1, B, N_H, dtype=torch.float64), torch.zeros(1, B, N_H, dtype=torch.float64)])
    h_0.requires_grad_(True)
    _, h_n = rnn(x, h_0)
    torch_loss = torch.nn.functional.cross_entropy(readout(torch.cat([h_n[0], h_n[1]], dim=-1)), labels,
                                                   reduction="sum")
    torch_loss.backward()
    f = example("torch_birnn_classifier.eqs")
    loss, grads = f(pytorch.params(rnn, readout), {"x": pytorch.array(x), "yhat": pytorch.one_hot(labels, N_Y)},
                    pytorch.init(h_0, bidirectional=True))
    expected = expected_gradients(rnn, readout, (h_0,))
    expected.update(W_y=readout.weight.grad.numpy(), b_y=readout.bias.grad.numpy())
    assert_agree(loss, grads, torch_loss, expected)


def test_a_nonzero_initial_state_of_the_backward_direction_is_refused(torch):
    _, _, _, _, hx, _ = torch_case(torch, "GRU", seed=13, bidirectional=True)
    with pytest.raises(ValueError, match=r"^h_0\[1\], the initial state of layer 0's backward direction, is not "
                                         r"zero; .* \(init h_reverse\[T\+1\] = 0\): pass zeros there, or no hx$"):
        pytorch.init(torch.ones_like(hx[0]), bidirectional=True)


# ----- the weights carried back into PyTorch ---------------------------------------------------------

def outputs(torch, rnn, readout, x):
    with torch.no_grad():
        return readout(rnn(x)[0]).numpy()


@pytest.mark.parametrize("cell", CELLS)
def test_params_round_trip_through_load_state_dict(torch, cell):
    rnn, readout, x, _, _, _ = torch_case(torch, cell, seed=5)
    params = pytorch.params(rnn, readout)
    other, other_readout, _, _, _, _ = torch_case(torch, cell, seed=6)
    assert not numpy.array_equal(outputs(torch, rnn, readout, x), outputs(torch, other, other_readout, x))
    other.load_state_dict(pytorch.state_dict(params))
    other_readout.load_state_dict(pytorch.readout_state_dict(params))
    numpy.testing.assert_array_equal(outputs(torch, other, other_readout, x), outputs(torch, rnn, readout, x))
    again = pytorch.params(other.state_dict(), other_readout.state_dict())
    assert set(again) == set(params)
    for name in params:
        numpy.testing.assert_array_equal(again[name], params[name])


def test_a_bidirectional_module_round_trips(torch):
    rnn, readout, x, _, _, _ = torch_case(torch, "LSTM", layers=2, seed=14, bidirectional=True)
    params = {**pytorch.params(rnn, layer=0, suffix="_l0"), **pytorch.params(rnn, readout, layer=1, suffix="_l1")}
    assert {"W_ih_l0_reverse", "b_hh_l1_reverse"} <= set(params) and params["W_y"].shape == (N_Y, 2 * N_H)
    other = torch.nn.LSTM(N_X, N_H, num_layers=2, bidirectional=True).double()
    other.load_state_dict({**pytorch.state_dict(params, layer=0, suffix="_l0"),
                           **pytorch.state_dict(params, layer=1, suffix="_l1")})
    numpy.testing.assert_array_equal(outputs(torch, other, readout, x), outputs(torch, rnn, readout, x))


def test_two_layers_round_trip_and_a_float32_module_takes_float64_tensors(torch):
    rnn, readout, x, _, _, _ = torch_case(torch, "GRU", layers=2, seed=7)
    params = {**pytorch.params(rnn, layer=0, suffix="_l0"), **pytorch.params(rnn, layer=1, suffix="_l1")}
    other = torch.nn.GRU(N_X, N_H, num_layers=2).double()
    other.load_state_dict({**pytorch.state_dict(params, layer=0, suffix="_l0"),
                           **pytorch.state_dict(params, layer=1, suffix="_l1")})
    numpy.testing.assert_array_equal(outputs(torch, other, readout, x), outputs(torch, rnn, readout, x))
    single = torch.nn.GRU(N_X, N_H, num_layers=2)
    single.load_state_dict(other.state_dict())
    assert single.weight_ih_l1.dtype == torch.float32
    numpy.testing.assert_array_equal(single.weight_ih_l1.detach().numpy(), params["W_ih_l1"].astype(numpy.float32))


def test_gradients_laid_out_as_the_module_names_them(torch):
    rnn, readout, x, yhat, hx, _ = torch_case(torch, "LSTM", seed=8)
    _, grads = example("torch_lstm.eqs")(pytorch.params(rnn, readout), pytorch.inputs(x, yhat), pytorch.init(hx))
    laid_out = {**pytorch.state_dict(grads), **{f"readout.{k}": v for k, v in pytorch.readout_state_dict(grads).items()}}
    named = {**dict(rnn.named_parameters()), **{f"readout.{k}": v for k, v in readout.named_parameters()}}
    assert set(laid_out) == set(named)
    for name, p in named.items():
        numpy.testing.assert_allclose(laid_out[name].numpy(), p.grad.numpy(), rtol=RTOL,
                                      atol=RTOL * p.grad.abs().max().item(), err_msg=name)


def test_params_are_copies_that_later_training_does_not_change(torch):
    rnn, readout, *_ = torch_case(torch, "RNN", seed=9)
    params = pytorch.params(rnn, readout)
    kept = params["W_hh"].copy()
    with torch.no_grad():
        rnn.weight_hh_l0.add_(1.0)
    numpy.testing.assert_array_equal(params["W_hh"], kept)
    assert all(a.dtype == numpy.float64 for a in params.values())


# ----- what the examples cannot express is refused, naming the key ---------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda nn: nn.LSTM(N_X, N_H, proj_size=2),
     r"'weight_hr_l0': an LSTM with proj_size > 0 projects h\[t\], which the examples do not write; use proj_size=0"),
    (lambda nn: nn.GRU(N_X, N_H, bias=False),
     r"no 'bias_ih_l0': the module was made with bias=False, and the examples add b_ih and b_hh; make it "
     r"with bias=True"),
    (lambda nn: nn.RNN(N_X, N_H, nonlinearity="relu"),
     r"nn.RNN\(nonlinearity='relu'\): examples/torch_rnn.eqs uses tanh; write relu in its place in a copy of "
     r"the file, and pass the module's state_dict\(\)"),
])
def test_a_module_the_examples_cannot_express_is_refused(torch, make, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        pytorch.params(make(torch.nn))


def test_a_layer_the_module_does_not_have_is_refused(torch):
    with pytest.raises(ValueError, match=r"^no 'weight_ih_l2': there is no layer 2 \(the layers are 0, 1; "
                                         r"the keys are 'weight_ih_l0', "):
        pytorch.params(torch.nn.LSTM(N_X, N_H, num_layers=2), layer=2)


def test_a_relu_rnn_maps_from_its_state_dict(torch):
    rnn = torch.nn.RNN(N_X, N_H, nonlinearity="relu")
    assert set(pytorch.params(rnn.state_dict())) == {"W_ih", "W_hh", "b_ih", "b_hh"}


def layer_state(gates, n_x=N_X, n_h=N_H, **replace):
    state = {"weight_ih_l0": numpy.zeros((gates * n_h, n_x)), "weight_hh_l0": numpy.zeros((gates * n_h, n_h)),
             "bias_ih_l0": numpy.zeros(gates * n_h), "bias_hh_l0": numpy.zeros(gates * n_h)}
    return {**state, **replace}


@pytest.mark.parametrize("state, message", [
    (layer_state(3, weight_hh_l0=numpy.zeros((10, 4))),
     r"'weight_hh_l0' has shape \(10, 4\); expected \(G\*n_h, n_h\) with G = 3 \(GRU\), 4 \(LSTM\) or 1 \(RNN\) "
     r"blocks of rows"),
    (layer_state(2), r"'weight_hh_l0' has shape \(10, 5\); expected \(G\*n_h, n_h\)"),
    (layer_state(3, weight_hh_l0=numpy.zeros(15)), r"'weight_hh_l0' has shape \(15,\); expected \(G\*n_h, n_h\)"),
    (layer_state(3, weight_ih_l0=numpy.zeros((12, N_X))),
     r"'weight_ih_l0' has shape \(12, 4\); expected \(15, n_in\), as 'weight_hh_l0' is \(15, 5\)"),
    (layer_state(4, bias_hh_l0=numpy.zeros((20, 1))),
     r"'bias_hh_l0' has shape \(20, 1\); expected \(20,\), as 'weight_hh_l0' is \(20, 5\)"),
    ({"weight_ih_l0": numpy.zeros((5, 4)), "bias_ih_l0": numpy.zeros(5), "bias_hh_l0": numpy.zeros(5)},
     r"no 'weight_hh_l0' beside 'weight_ih_l0'; the keys are 'weight_ih_l0', 'bias_ih_l0', 'bias_hh_l0'"),
    ({"rnn.weight_ih_l0": numpy.zeros((5, 4))},
     r"no 'weight_ih_l0': there is no layer 0 \(the layers are none; the keys are 'rnn.weight_ih_l0'\)"),
])
def test_a_state_dict_in_another_layout_is_refused(state, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        pytorch.params(state)


def test_a_gru_module_with_lstm_shapes_is_refused(torch):
    """The module's mode, not the shapes alone, says how many gates its rows hold."""
    gru = torch.nn.GRU(N_X, N_H)
    gru.weight_hh_l0 = torch.nn.Parameter(torch.zeros(4 * N_H, N_H))
    with pytest.raises(ValueError, match=r"^'weight_hh_l0' has shape \(20, 5\); expected \(G\*n_h, n_h\) with G = 3"):
        pytorch.params(gru)


@pytest.mark.parametrize("readout, message", [
    ({"weight": numpy.zeros((N_Y, N_H))},
     r"the read-out has no 'bias' \(an nn.Linear made with bias=False; the examples add b_y\); its keys are "
     r"'weight'"),
    ({"weight": numpy.zeros((N_Y, N_H + 1)), "bias": numpy.zeros(N_Y)},
     r"the read-out's 'weight' has shape \(3, 6\) and 'bias' \(3,\); expected \(n_y, 5\) and \(n_y,\), from the "
     r"layer's hidden size"),
    ({"weight": numpy.zeros((N_Y, N_H)), "bias": numpy.zeros(N_Y + 1)},
     r"the read-out's 'weight' has shape \(3, 5\) and 'bias' \(4,\)"),
])
def test_a_read_out_that_does_not_fit_is_refused(readout, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        pytorch.params(layer_state(3), readout)


def test_what_cannot_go_back_is_refused():
    with pytest.raises(ValueError, match=r"^no 'W_hh_l1' in the parameters; they are 'W_ih_l1'$"):
        pytorch.state_dict({"W_ih_l1": numpy.zeros((3, 2))}, layer=1, suffix="_l1")
    with pytest.raises(ValueError, match=r"^expected a torch.nn.GRU, LSTM or RNN or its state_dict\(\), not list$"):
        pytorch.params([1, 2])
    with pytest.raises(ValueError, match=r"^class indices run from 0 to 2; got 0 to 3$"):
        pytorch.one_hot([[0, 3]], 3)


# ----- the module itself, and the examples on the command line --------------------------------------

def test_the_module_imports_no_torch_and_is_reached_from_the_package():
    code = ("import sys, orderdiff\nm = orderdiff.pytorch\n"
            "print(m.__name__, 'torch' in sys.modules, 'pytorch' in dir(orderdiff))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout == "orderdiff.pytorch False True\n"


@pytest.mark.parametrize("name", sorted([*CELLS.values(), *BIDIRECTIONAL.values(), "torch_birnn_classifier.eqs"]))
def test_check_agrees_on_the_example(name):
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / name), "--points", "1"])
    assert result.exit_code == 0, result.output
    assert "OK: all" in result.output and "Traceback" not in result.output
