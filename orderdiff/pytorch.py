"""PyTorch's recurrent layers as the parameters of orderdiff's block files, and back.

``examples/torch_gru.eqs``, ``torch_lstm.eqs`` and ``torch_rnn.eqs`` write the equations of
``torch.nn.GRU``, ``nn.LSTM`` and ``nn.RNN`` (tanh) in PyTorch's own layout, followed by a
read-out ``nn.Linear``, so one layer of such a module maps onto a file name for name
(``torch_bigru.eqs`` and ``torch_birnn.eqs`` the same with ``bidirectional=True``):

=================  =====================  ===========================================
PyTorch            orderdiff              shape
=================  =====================  ===========================================
``weight_ih_l{k}`` ``W_ih``               (G n_h, n_x): the G gates' row blocks
``weight_hh_l{k}`` ``W_hh``               (G n_h, n_h)
``bias_ih_l{k}``   ``b_ih``               (G n_h,)
``bias_hh_l{k}``   ``b_hh``               (G n_h,)
``weight``         ``W_y``                (n_y, n_h), of the read-out ``nn.Linear``
``bias``           ``b_y``                (n_y,)
=================  =====================  ===========================================

G is 3 for the GRU (gates r, z, n), 4 for the LSTM (i, f, g, o) and 1 for the RNN. A
layer k > 0 reads the layer below, so its ``W_ih`` is (G n_h, n_h). PyTorch's input with
``batch_first=False`` is (T, B, n), as ``lambdify``'s inputs are; its initial state
``h_0`` is (num_layers, B, n_h), of which ``lambdify`` takes one layer, (B, n_h).

A bidirectional layer has a second set, ``weight_ih_l{k}_reverse``, ..., for the state
that runs backward in time: these become ``W_ih_reverse``, ..., and the read-out, which
sees both states concatenated, is (n_y, 2 n_h). The backward state starts past the last
step from a number (``init h_reverse[T+1] = 0``), so its ``h_0`` (the rows 2k + 1 of
PyTorch's (2 num_layers, B, n_h)) must be zero: :func:`init` checks it.

Only NumPy is imported here. Tensors are read by duck typing (``.detach().cpu().numpy()``),
so a module, its ``state_dict()`` or a mapping of NumPy arrays will do; only
:func:`state_dict` and :func:`readout_state_dict` import torch, as ``load_state_dict``
takes tensors and refuses NumPy arrays.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy

GATES = {"RNN_TANH": 1, "GRU": 3, "LSTM": 4}  # torch's RNNBase.mode: the row blocks of W_ih
EXAMPLES = {1: "examples/torch_rnn.eqs", 3: "examples/torch_gru.eqs", 4: "examples/torch_lstm.eqs"}
DIRECTIONS = ("", "_reverse")  # PyTorch's suffixes, kept in orderdiff's names
CELL = {"weight_ih": "W_ih", "weight_hh": "W_hh", "bias_ih": "b_ih", "bias_hh": "b_hh"}
READOUT = {"weight": "W_y", "bias": "b_y"}


def params(rnn, readout=None, *, layer=0, suffix=""):
    """orderdiff's ``params`` for one layer of a PyTorch GRU, LSTM or tanh RNN, and its read-out.

    Parameters
    ----------
    rnn : torch.nn.GRU, nn.LSTM or nn.RNN, or its ``state_dict()``
        Any mapping of PyTorch's names (``weight_ih_l0``, ...) to tensors or arrays will do.
    readout : torch.nn.Linear or its ``state_dict()``, optional
        The layer from the top layer's h[t] to the logits: gives ``W_y`` and ``b_y``.
    layer : int
        Which layer k of a stacked module: its ``weight_ih_l{k}``, ... become ``W_ih``, ...
    suffix : str
        Appended to the cell's names (not the read-out's): ``suffix="_l1"`` gives
        ``W_ih_l1``, ..., for a file that stacks layers; a bidirectional layer's second
        direction adds ``_reverse`` after it (``W_ih_l1_reverse``), as PyTorch's names do.

    Returns
    -------
    dict
        ``{name: float64 NumPy array}`` in the shapes the examples declare (biases as
        vectors), copies that no later change to the module reaches; both directions of a
        bidirectional layer.

    Raises
    ------
    ValueError
        Naming the key: a projection (``proj_size``, ``weight_hr_l{k}``), missing biases
        (``bias=False``), a layer the module does not have, a relu RNN, or a shape that is
        not the layout above.

    Examples
    --------
    >>> import numpy
    >>> n_h, n_x = 2, 3
    >>> state = {"weight_ih_l0": numpy.ones((3 * n_h, n_x)), "weight_hh_l0": numpy.ones((3 * n_h, n_h)),
    ...          "bias_ih_l0": numpy.zeros(3 * n_h), "bias_hh_l0": numpy.zeros(3 * n_h)}
    >>> {name: a.shape for name, a in params(state, {"weight": numpy.ones((4, n_h)), "bias": numpy.zeros(4)}).items()}
    {'W_ih': (6, 3), 'W_hh': (6, 2), 'b_ih': (6,), 'b_hh': (6,), 'W_y': (4, 2), 'b_y': (4,)}
    """
    state = _state(rnn)
    out, n_out = {}, 0
    for direction in DIRECTIONS if f"weight_ih_l{layer}_reverse" in state else DIRECTIONS[:1]:
        _refuse_what_cannot_map(rnn, state, layer, direction)
        cell = {CELL[key]: array(state[f"{key}_l{layer}{direction}"]) for key in CELL}
        n_out += _cell_shapes(rnn, cell, f"{layer}{direction}")
        out.update({name + suffix + direction: a for name, a in cell.items()})
    if readout is not None:
        out.update(readout_params(readout, n_out))
    return out


def readout_params(readout, n_h=None):
    """``{"W_y": weight, "b_y": bias}`` of a read-out ``nn.Linear`` (or its ``state_dict()``).

    ``n_h``, when given, is the number of columns the weight must have. Raises ``ValueError``
    for a missing bias (``bias=False``) or a shape that does not fit.

    >>> import numpy
    >>> sorted(readout_params({"weight": numpy.ones((4, 2)), "bias": numpy.zeros(4)}))
    ['W_y', 'b_y']
    """
    state = _state(readout)
    for key in READOUT:
        if key not in state:
            why = " (an nn.Linear made with bias=False; the examples add b_y)" if key == "bias" else ""
            raise ValueError(f"the read-out has no {key!r}{why}; its keys are {_keys(state)}")
    W, b = array(state["weight"]), array(state["bias"])
    if W.ndim != 2 or b.shape != W.shape[:1] or (n_h is not None and W.shape[1] != n_h):
        cols = "n_h" if n_h is None else str(n_h)
        raise ValueError(f"the read-out's 'weight' has shape {W.shape} and 'bias' {b.shape}; expected "
                         f"(n_y, {cols}) and (n_y,), from the layer's hidden size")
    return {"W_y": W, "b_y": b}


def state_dict(params, *, layer=0, suffix=""):
    """The PyTorch state dict of one layer from orderdiff's ``params`` (or ``grads``): the inverse of :func:`params`.

    ``params["W_ih" + suffix]``, ... become ``weight_ih_l{layer}``, ..., and, where
    ``params`` has ``"W_ih" + suffix + "_reverse"``, the second direction's
    ``weight_ih_l{layer}_reverse``, ..., as float64 tensors
    (``torch`` is imported here: ``load_state_dict`` takes tensors, and copies them into
    the module's own dtype). The layers of a stacked module are merged dicts:
    ``{**state_dict(p, layer=0, suffix="_l0"), **state_dict(p, layer=1, suffix="_l1")}``.
    Given ``grads`` instead, it lays the gradients out as ``module.named_parameters()``
    names them, to compare with each ``.grad``.

    Raises ``ValueError`` naming a missing name.
    """
    directions = DIRECTIONS if f"W_ih{suffix}_reverse" in params else DIRECTIONS[:1]
    return _tensors({f"{key}_l{layer}{d}": _pick(params, name + suffix + d) for d in directions
                     for key, name in CELL.items()})


def readout_state_dict(params):
    """``{"weight": W_y, "bias": b_y}`` as float64 tensors, for the read-out's ``load_state_dict``."""
    return _tensors({key: _pick(params, name) for key, name in READOUT.items()})


def inputs(x, yhat, *, batch_first=False):
    """``{"x": ..., "yhat": ...}``, float64 arrays (T, B, n), for ``lambdify``'s ``inputs``.

    ``x`` is the input PyTorch's module takes, ``yhat`` the target distributions (see
    :func:`one_hot` for class indices); with ``batch_first=True`` both are (B, T, n) and
    are swapped to time first.

    >>> import numpy
    >>> {k: v.shape for k, v in inputs(numpy.zeros((2, 5, 3)), numpy.ones((2, 5, 1)), batch_first=True).items()}
    {'x': (5, 2, 3), 'yhat': (5, 2, 1)}
    """
    out = {"x": array(x), "yhat": array(yhat)}
    return {k: v.swapaxes(0, 1) for k, v in out.items()} if batch_first else out


def one_hot(labels, n_y):
    """Class indices (T, B) as one-hot targets (T, B, n_y), float64: the ``yhat`` of a class label.

    >>> one_hot([[2, 0]], 3).tolist()
    [[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]]
    """
    labels = numpy.asarray(array(labels), dtype=numpy.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n_y):
        raise ValueError(f"class indices run from 0 to {n_y - 1}; got {labels.min()} to {labels.max()}")
    return numpy.eye(n_y)[labels]


def init(hx, *, layer=0, suffix="", bidirectional=False):
    """``lambdify``'s ``init`` from PyTorch's ``hx``: ``h_0`` (num_layers, B, n_h), or ``(h_0, c_0)`` for an LSTM.

    Gives ``{"h": h_0[layer]}`` (and ``"c": c_0[layer]``), each name with ``suffix``
    appended as in :func:`params`; ``grads["h[0]"]`` (and ``grads["c[0]"]``) compare with
    ``h_0.grad[layer]``. For a ``bidirectional`` module, ``h_0`` is (2 num_layers, B, n_h):
    the forward state is its row 2 layer, and the backward state's row 2 layer + 1 must be
    zero, as ``init h_reverse[T+1] = 0`` says; ``ValueError`` otherwise.

    >>> import numpy
    >>> {k: v.shape for k, v in init((numpy.zeros((2, 3, 4)), numpy.ones((2, 3, 4))), layer=1).items()}
    {'h': (3, 4), 'c': (3, 4)}
    """
    states = [array(s) for s in (hx if isinstance(hx, (tuple, list)) else (hx,))]
    row = 2 * layer if bidirectional else layer
    for name, s in zip(("h_0", "c_0"), states):
        if bidirectional and numpy.any(s[row + 1] != 0):
            raise ValueError(f"{name}[{row + 1}], the initial state of layer {layer}'s backward direction, is not "
                             "zero; orderdiff's backward state starts past the last step from a number "
                             f"(init {name[0]}_reverse[T+1] = 0): pass zeros there, or no hx")
    return {name + suffix: s[row] for name, s in zip(("h", "c"), states)}


def array(value):
    """A float64 NumPy copy of a tensor (read by duck typing, on any device) or of an array."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return numpy.array(value, dtype=numpy.float64)


def _state(module):
    return module.state_dict() if callable(getattr(module, "state_dict", None)) else module


def _keys(state):
    return ", ".join(repr(k) for k in state) or "none"


def _refuse_what_cannot_map(rnn, state, layer, direction=""):
    """A ValueError, naming the key or the setting, for what the examples cannot express."""
    if not isinstance(state, Mapping):
        raise ValueError(f"expected a torch.nn.GRU, LSTM or RNN or its state_dict(), not {type(rnn).__name__}")
    for key in state:
        if key.startswith("weight_hr_l"):
            raise ValueError(f"{key!r}: an LSTM with proj_size > 0 projects h[t], which the examples do not "
                             "write; use proj_size=0")
    if getattr(rnn, "mode", None) == "RNN_RELU":
        raise ValueError("nn.RNN(nonlinearity='relu'): examples/torch_rnn.eqs uses tanh; write relu in its "
                         "place in a copy of the file, and pass the module's state_dict()")
    if f"weight_ih_l{layer}" not in state:
        layers = sorted({k.rsplit("_l", 1)[1] for k in state if k.startswith("weight_ih_l")})
        raise ValueError(f"no 'weight_ih_l{layer}': there is no layer {layer} (the layers are "
                         f"{', '.join(layers) or 'none'}; the keys are {_keys(state)})")
    for name in (f"{key}_l{layer}{direction}" for key in CELL):
        if name not in state and name.startswith("bias"):
            raise ValueError(f"no {name!r}: the module was made with bias=False, and the examples add "
                             "b_ih and b_hh; make it with bias=True")
        if name not in state:
            raise ValueError(f"no {name!r} beside 'weight_ih_l{layer}{direction}'; the keys are {_keys(state)}")


def _cell_shapes(rnn, cell, layer):
    """n_h of one layer (``layer`` is the suffix of its keys: 0, 1_reverse), its shapes checked
    against PyTorch's layout."""
    W_hh = cell["W_hh"]
    rows, n_h = W_hh.shape if W_hh.ndim == 2 else (0, 0)
    gates = GATES.get(getattr(rnn, "mode", None), rows // n_h if n_h and rows % n_h == 0 else None)
    if gates not in EXAMPLES or rows != gates * n_h:
        raise ValueError(f"'weight_hh_l{layer}' has shape {W_hh.shape}; expected (G*n_h, n_h) with G = 3 "
                         "(GRU), 4 (LSTM) or 1 (RNN) blocks of rows")
    for key, name in CELL.items():
        a = cell[name]
        fits = a.shape[:1] == (rows,) and a.ndim == (2 if key.startswith("weight") else 1)
        if not fits:
            shape = f"({rows}, n_in)" if key.startswith("weight") else f"({rows},)"
            raise ValueError(f"'{key}_l{layer}' has shape {a.shape}; expected {shape}, as "
                             f"'weight_hh_l{layer}' is {W_hh.shape}")
    return n_h


def _pick(params, name):
    if name not in params:
        raise ValueError(f"no {name!r} in the parameters; they are {_keys(params)}")
    return params[name]


def _tensors(arrays):
    import torch

    return {k: torch.tensor(array(v), dtype=torch.float64) for k, v in arrays.items()}
