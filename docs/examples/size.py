# Size of each form, summed over the variables, for chains of n equations.
# tree_size (from the internal module orderdiff.limits) is the measure the budget uses.
import orderdiff
from orderdiff.limits import tree_size


def chain(n):
    lines = ["z1 = sin(x)", "z2 = cos(x)"]
    lines += [f"z{k} = z{k-1}*sin(z{k-2})" for k in range(3, n + 1)]
    return "\n".join(lines + [f"E = z{n}"])


print(" n  recursive  closed   inputs")
for n in (4, 6, 8, 10, 12):
    d = orderdiff.derive(orderdiff.parse(chain(n)), max_size=10**7)
    size = lambda form: sum(tree_size(e) for e in form.values())
    print(f"{n:2}  {size(d.recursive):9}  {size(d.closed):6}  {size(d.in_inputs):7}")
