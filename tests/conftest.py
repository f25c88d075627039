import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

WERBOS = """\
z2 = 2*z1
z3 = 3*z2 + z1
z4 = 4*z3 + 2*z2 + z1
E  = 4*z4 + 2*z2
"""
