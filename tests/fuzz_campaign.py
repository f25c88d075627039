"""A longer fuzzing campaign over block files than the test suite runs.

Draws files from the grammar of ``block_grammar`` (valid files, and damaged ones: the
grammar's and the shipped examples'), runs each through :func:`block_grammar.exercise`
with a time limit, and counts distinct failures: an exception that is not an
``OrderdiffError`` (keyed by its type and the innermost orderdiff line it came from), a
run over the time limit, or a gradient that disagrees with central differences. Run from
the repository root::

    python tests/fuzz_campaign.py --examples 20000 --seed 1

It prints the executions, the distinct failures with one input each, and exits with
status 1 when it found any.
"""

import argparse
import signal
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import block_grammar  # noqa: E402

LIMIT_S = 10
TOLERANCE = 1e-4


class Hang(Exception):
    pass


def _alarm(signum, frame):
    signal.alarm(1)  # again, should this one land where Python ignores exceptions (a gc callback)
    raise Hang()


def key_of(error):
    """A failure's kind: its type and the innermost orderdiff frame it passed through."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "orderdiff" in f.filename
              and "block_grammar" not in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{type(error).__name__} at {where}"


def campaign(examples, seed):
    found, counts = {}, Counter()
    sources = st.one_of(block_grammar.block_files(), block_grammar.mutated(),
                        block_grammar.mutated(st.sampled_from(block_grammar.EXAMPLES)))

    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(sources, st.integers(0, 2**31))
    def run(text, data_seed):
        counts["executions"] += 1
        signal.alarm(LIMIT_S)
        try:
            errors = block_grammar.exercise(text, seed=data_seed)
            kind = "wrong gradient" if errors and max(errors.values()) > TOLERANCE else None
        except Hang:
            kind = f"over {LIMIT_S} s"
        except Exception as error:  # noqa: BLE001: every crash is counted, not raised
            kind = key_of(error)
        finally:
            signal.alarm(0)
        if kind:
            counts["failures"] += 1
            found.setdefault(kind, text)

    signal.signal(signal.SIGALRM, _alarm)
    hypothesis_seed(seed)(run)()
    return counts, found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="files to draw")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    counts, found = campaign(args.examples, args.seed)
    print(f"{counts['executions']} executions in {time.perf_counter() - start:.0f} s, "
          f"{counts['failures']} failing, {len(found)} distinct")
    for kind, text in sorted(found.items()):
        print(f"\n== {kind}\n{text}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
