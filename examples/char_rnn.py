"""Train the Elman (1990) network on Shakespeare's sonnets with gradients orderdiff derived.

The network is examples/elman.eqs, read and derived by orderdiff; ``d.lambdify()`` gives
the loss and every parameter's gradient (the generated NumPy BPTT). Nothing here
differentiates anything: the script only feeds windows of text to that function and
steps the parameters, as Karpathy's min-char-rnn does with its hand-written backward
pass (one-hot characters, windows of 25, Adagrad, gradients clipped to [-5, 5], the
hidden state carried from one window to the next). Unlike min-char-rnn it reads the
text as B streams at once (the batch axis of the generated code; --batch), each from
its own starting point, round the text as a loop.

    python examples/char_rnn.py            # the full run (about a minute)
    python examples/char_rnn.py --quick    # 500 iterations (a few seconds)

The text, examples/data/sonnets.txt, is eleven of Shakespeare's sonnets (public domain;
see examples/data/README.md).
"""

import argparse
import math
from pathlib import Path

import numpy as np

import orderdiff

HERE = Path(__file__).resolve().parent
EQUATIONS = HERE / "elman.eqs"
TEXT = HERE / "data" / "sonnets.txt"
SEQ_LENGTH = 25        # characters per window, as min-char-rnn
LEARNING_RATE = 0.1
CLIP = 5.0
ITERATIONS = 15000
QUICK = 500


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=None,
                        help=f"parameter updates (default: {ITERATIONS}, or {QUICK} with --quick)")
    parser.add_argument("--hidden", type=int, default=100, help="hidden units n_h (default: 100)")
    parser.add_argument("--batch", type=int, default=4, help="streams read at once (default: 4)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--quick", action="store_true", help="a short run, for tests and docs")
    args = parser.parse_args(argv)
    if args.iterations is None:
        args.iterations = QUICK if args.quick else ITERATIONS
    return args


def one_hot(indices, size):
    """Rows of the identity picked by ``indices``: shape ``indices.shape + (size,)``."""
    return np.eye(size)[indices]


def initial_params(n_x, n_h, n_y, rng):
    """Small random weights and zero biases, in the shapes elman.eqs declares."""
    return {
        "W_ih": rng.standard_normal((n_h, n_x + n_h)) * 0.01,   # [W_xh | W_hh]: xc = concat(x, h)
        "b_ih": np.zeros(n_h),
        "W_ho": rng.standard_normal((n_y, n_h)) * 0.01,
        "b_ho": np.zeros(n_y),
    }


def step(params, x, h):
    """One step of elman.eqs in plain NumPy: ``(h[t], y[t])`` from ``x[t]`` and ``h[t-1]``.

    The generated code runs the same forward pass but returns only the loss and the
    gradients; this copy serves the two things it does not give: the last hidden state
    of a window and sampling.
    """
    zh = np.concatenate([x, h], axis=-1) @ params["W_ih"].T + params["b_ih"]
    h = np.tanh(zh)
    zo = h @ params["W_ho"].T + params["b_ho"]
    e = np.exp(zo - zo.max(axis=-1, keepdims=True))
    return h, e / e.sum(axis=-1, keepdims=True)


def last_hidden(params, xs, h):
    """h[T] of a window: the state the next window starts from."""
    for x in xs:
        h, _ = step(params, x, h)
    return h


def sample(params, chars, rng, length=200):
    """One line drawn a character at a time from y[t], each fed back as x[t+1].

    Starts from h = 0 after a newline, skips blank lines, and stops at the end of the
    first line with text in it (or after ``length`` characters).
    """
    n = len(chars)
    h = np.zeros(params["b_ih"].shape)
    index = chars.index("\n")
    out = []
    for _ in range(length):
        h, y = step(params, one_hot(index, n), h)
        index = int(rng.choice(n, p=y))
        if chars[index] == "\n" and out:
            break
        if chars[index] != "\n":
            out.append(chars[index])
    return "".join(out)


def train(f, params, data, n, iterations, report, batch):
    """Adagrad on consecutive windows; returns the smoothed losses printed.

    The loss printed is per window of one stream (the generated function sums over the
    batch), smoothed over about the last hundred updates.
    """
    memory = {name: np.zeros_like(p) for name, p in params.items()}
    smooth = math.log(n) * SEQ_LENGTH             # the loss of a uniform guess
    h = np.zeros((batch, params["b_ih"].shape[0]))
    starts = np.arange(batch) * (len(data) // batch)
    losses = []
    for i in range(1, iterations + 1):
        # (T + 1, B) positions: stream b's window i, and one more character for the targets
        at = (starts + (i - 1) * SEQ_LENGTH + np.arange(SEQ_LENGTH + 1)[:, None]) % len(data)
        xs = one_hot(data[at[:-1]], n)
        targets = one_hot(data[at[1:]], n)
        # The state is carried between windows (truncated BPTT, as min-char-rnn): the
        # generated function takes h[0] but does not return h[T], so the script reruns
        # the window's forward pass in NumPy (step) to get it.
        loss, grads = f(params=params, inputs={"x": xs, "yhat": targets}, init={"h": h})
        h = last_hidden(params, xs, h)
        smooth = smooth * 0.99 + loss / batch * 0.01
        if i == 1 or i % report == 0:
            print(f"iteration {i:5d}   smoothed loss {smooth:6.2f}")
            losses.append(smooth)
        for name, param in params.items():
            g = np.clip(grads[name], -CLIP, CLIP)
            memory[name] += g * g
            param -= LEARNING_RATE * g / np.sqrt(memory[name] + 1e-8)
    return losses


def main(argv=None):
    """Train, print the smoothed loss as it falls and a sampled line; returns both."""
    args = parse_args(argv)
    text = TEXT.read_text(encoding="utf-8")
    chars = sorted(set(text))
    n = len(chars)
    data = np.array([chars.index(c) for c in text])
    d = orderdiff.derive(orderdiff.load(EQUATIONS))
    f = d.lambdify()
    rng = np.random.default_rng(args.seed)
    params = initial_params(n, args.hidden, n, rng)
    print(f"{TEXT.name}: {len(text)} characters, {n} distinct; n_h = {args.hidden}, "
          f"windows of {SEQ_LENGTH}, {args.iterations} iterations")
    uniform = math.log(n) * SEQ_LENGTH
    print(f"a uniform guess loses ln({n}) * {SEQ_LENGTH} = {uniform:.2f} per window")
    report = max(1, args.iterations // 10)
    losses = train(f, params, data, n, args.iterations, report, args.batch)
    line = sample(params, chars, rng)
    print(f"sample: {line}")
    return {"losses": losses, "sample": line, "uniform": uniform}


if __name__ == "__main__":
    main()
