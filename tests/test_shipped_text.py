"""What ships speaks of orderdiff and the literature: no words that point outside the repository.

Every reference a reader meets in the README, the docs, the examples, the benchmarks, the
help text, the docstrings and the tests must be one they can follow: Werbos (1990), Elman
(1990), docs/math.md. Names of documents that are not in the repository, numbers of issues
in a tracker the reader cannot see, or words about how the work was organised are not.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["README.md", "pyproject.toml", ".ci", "docs", "examples", "benchmarks", "orderdiff", "tests"]
TEXT = {".md", ".py", ".eqs", ".toml", ".svg", ".tex", ".ipynb", ".txt", ""}
SKIP = {ROOT / "examples" / "data"}  # the sonnets: Shakespeare's words, not ours

# Spelled in pieces so that this file does not match itself.
WORDS = [
    r"\bseed" + r"[-_]math",
    r"\bthe " + r"seed'?s?\b",
    r"\bseed" + r"'s\b",
    r"\baccept" + r"ance example",
    r"\bissues? " + r"#?\d+",
    r"\bthe issue" + r"'?s?\b",
    r"\bthis project" + r"'s machines",
    r"\bwas " + r"lent\b",
    r"\bshared" + r"/",
    r"\breference" + r"-math",
    r"\bSTYLE" + r"\.md",
    r"\b(?:this|an earlier|a later|the next|previous) " + r"session",
]
PATTERN = re.compile("|".join(WORDS), re.IGNORECASE)


def shipped_files():
    for name in SHIPPED:
        path = ROOT / name
        if path.is_file():
            yield path
            continue
        for f in sorted(path.rglob("*")):
            if (f.is_file() and f.suffix in TEXT and "__pycache__" not in f.parts
                    and not any(f.is_relative_to(s) for s in SKIP) and ".egg-info" not in str(f)):
                yield f


def test_the_corpus_is_not_empty():
    files = list(shipped_files())
    assert ROOT / "README.md" in files and ROOT / "orderdiff" / "cli.py" in files
    assert len(files) > 50


@pytest.mark.parametrize("text", ["the se" + "ed's network", "see seed" + "-math.md", "Targets of iss" + "ue 4",
                                  "the accept" + "ance example", "no GPU was " + "lent",
                                  "on this project" + "'s machines"])
def test_the_pattern_catches_each_kind(text):
    assert PATTERN.search(text)


@pytest.mark.parametrize("text", ["seeded random points", "--seed 3", "np.random.default_rng(seed)",
                                  "Werbos (1990)", "the worked example"])
def test_the_pattern_leaves_ordinary_words(text):
    assert not PATTERN.search(text)


def test_no_shipped_text_points_outside_the_repository():
    hits = []
    for f in shipped_files():
        for number, line in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if PATTERN.search(line):
                hits.append(f"{f.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not hits, "words that point outside the repository:\n" + "\n".join(hits)
