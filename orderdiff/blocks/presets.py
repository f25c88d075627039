"""The Elman network (Elman 1990) as a preset: options in, the text of its equation file out.

``orderdiff rnn`` writes this text and derives it exactly as it would a user's file,
so its formulas come from the same path (the preset only writes equations).
"""

from __future__ import annotations

ACTIVATIONS = ("tanh", "sigmoid", "relu")
# The heads: each output layer's equation, its loss, and how the target yhat is declared.
OUTPUTS = {
    "softmax-xent": ("y[t]  = softmax(zo[t])", "C = sum_t(cross_entropy(yhat[t], y[t]))", " distribution"),
    "linear-mse": ("y[t]  = zo[t]", "C = sum_t(squared_error(yhat[t], y[t]))", ""),
}


def elman(activation="tanh", head="softmax-xent", bias=True):
    """The equation file of an Elman network with the given activation, head and biases.

    Parameters
    ----------
    activation : {"tanh", "sigmoid", "relu"}
        The hidden layer's activation.
    head : {"softmax-xent", "linear-mse"}
        The output layer and loss: softmax and cross-entropy, or a linear output and
        squared error.
    bias : bool
        Whether the hidden and output layers have biases.

    Returns
    -------
    str
        The text of the equation file.

    Raises
    ------
    ValueError
        For an unknown activation or head.

    Examples
    --------
    >>> print(elman("relu", "linear-mse", bias=False).splitlines()[-4])
    h[t]  = relu(zh[t])
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}")
    if head not in OUTPUTS:
        raise ValueError(f"unknown head {head!r}")
    out, loss, target = OUTPUTS[head]
    b_ih, b_ho = (" + b_ih", " + b_ho") if bias else ("", "")
    lines = [
        f"# Elman network: {activation} hidden layer, {head} output"
        + ("" if bias else ", no biases") + " (orderdiff rnn)",
        "dim n_x, n_h, n_y",
        "input x[t]: n_x",
        f"input yhat[t]: n_y{target}",
        "param W_ih: n_h, n_x + n_h",
        *(["param b_ih: n_h"] if bias else []),
        "param W_ho: n_y, n_h",
        *(["param b_ho: n_y"] if bias else []),
        "init h[0] = 0",
        "",
        "xc[t] = concat(x[t], h[t-1])",
        f"zh[t] = W_ih @ xc[t]{b_ih}",
        f"h[t]  = {activation}(zh[t])",
        f"zo[t] = W_ho @ h[t]{b_ho}",
        out,
        loss,
    ]
    return "\n".join(lines) + "\n"
