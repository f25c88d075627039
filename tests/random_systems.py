"""Seeded random equation systems for the oracle tests (and the size measurements).

``random_system(n, seed)`` returns the text of an equation file: variables z1..zn,
each defined from up to ``parents`` earlier ones (z0 and any extra inputs are inputs),
mixing sums, products, quotients and the known functions, and a target E that uses
the last few variables, so that E is the one sink.
"""

import random

SAFE_UNARY = ["sin({})", "cos({})", "tanh({})", "exp({}/4)", "sigmoid({})", "atan({})",
              "softplus({})", "sqrt(1 + ({})^2)", "log(1 + ({})^2)", "abs({})", "relu({})", "sinh({}/3)"]


def random_system(n, seed=0, parents=3, inputs=2, linear=False):
    """Text of a random DAG of ``n`` equations over ``inputs`` input variables."""
    rng = random.Random(seed)
    names = [f"x{k}" for k in range(inputs)]
    lines = []
    for i in range(1, n + 1):
        chosen = rng.sample(names, min(len(names), parents))
        if names[-1] not in chosen:
            chosen[0] = names[-1]  # each variable feeds the next: one sink at the end
        terms = [term(rng, p, chosen, linear) for p in chosen]
        name = f"z{i}"
        lines.append(f"{name} = " + " + ".join(terms))
        names.append(name)
    lines.append("E = " + " + ".join(f"{rng.randint(1, 3)}*{v}" for v in names[-3:]))
    return "\n".join(lines) + "\n"


def term(rng, p, chosen, linear):
    c = rng.choice(["1/2", "2", "3/4", "1.5", "-1", "0.25"])
    if linear:
        return f"{c}*{p}"
    kind = rng.random()
    if kind < 0.4:
        return f"{c}*" + rng.choice(SAFE_UNARY).format(p)
    if kind < 0.6:
        return f"{p}*{rng.choice(chosen)}/3"
    if kind < 0.7:
        return f"{p}/(1 + {p}^2)"
    return f"{c}*{p}"
