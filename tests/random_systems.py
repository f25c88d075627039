"""Seeded random equation systems for the oracle tests (and the size measurements).

``random_system(n, seed)`` returns the text of an equation file: variables z1..zn,
each defined from up to ``parents`` earlier variables or inputs x0, x1, ...; terms mix
every known function, products and quotients, with small coefficients so that values
stay bounded however deep the system; the target E uses the last three variables and
each variable uses the one before it, so E is the only sink.
"""

import random

FUNCTIONS = ["sin({})", "cos({})", "tanh({})", "exp({}/4)", "sigmoid({})", "atan({})",
             "softplus({})", "sqrt(1 + ({})^2)", "log(1 + ({})^2)", "abs({})", "relu({})",
             "sinh({}/3)", "tan({}/4)", "asin({}/4)", "acos({}/4)", "cosh({}/3)"]
COEFFICIENTS = ["1/2", "-1/3", "0.25", "3/8", "-0.5", "1e-1"]


def random_system(n, seed=0, parents=3, inputs=2, linear=False):
    """Text of a random DAG of ``n`` equations over ``inputs`` input variables."""
    rng = random.Random(seed)
    names = [f"x{k}" for k in range(inputs)]
    lines = []
    for i in range(1, n + 1):
        chosen = rng.sample(names, min(len(names), parents))
        if names[-1] not in chosen:
            chosen[0] = names[-1]
        terms = [term(rng, p, chosen, linear) for p in chosen]
        lines.append(f"z{i} = " + " + ".join(terms))
        names.append(f"z{i}")
    lines.append("E = " + " + ".join(f"{rng.randint(1, 3)}*{v}" for v in names[-3:]))
    return "\n".join(lines) + "\n"


def term(rng, p, chosen, linear):
    c = rng.choice(COEFFICIENTS)
    kind = rng.random()
    if linear or kind < 0.2:
        return f"{c}*{p}"
    if kind < 0.7:
        return f"{c}*" + rng.choice(FUNCTIONS).format(p)
    if kind < 0.85:
        q = rng.choice(chosen)
        return f"{c}*tanh({p})*sin({q})"
    return f"{c}*{p}/(1 + {p}^2)"
