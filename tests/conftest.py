import sys
from pathlib import Path

import pytest

import orderdiff

sys.path.insert(0, str(Path(__file__).parent))

ELMAN = str(Path(__file__).parent.parent / "examples" / "elman.eqs")

WERBOS = """\
z2 = 2*z1
z3 = 3*z2 + z1
z4 = 4*z3 + 2*z2 + z1
E  = 4*z4 + 2*z2
"""


# The Elman network (examples/elman.eqs) derived generic in t and unrolled over two steps,
# once per test module that asks for it.
@pytest.fixture(scope="module")
def elman():
    return orderdiff.derive(orderdiff.load(ELMAN))


@pytest.fixture(scope="module")
def elman2():
    return orderdiff.derive(orderdiff.load(ELMAN), steps=2)
