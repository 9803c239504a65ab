from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The editable install's finder runs after the path finder, so with tests/ on sys.path the
# directory tests/nlp would shadow the real package as a namespace package. A regular package
# on sys.path always wins over a namespace one, so put the repository root there.
REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from nlp.recogniser import Recogniser  # noqa: E402
from nlp.rules import DEFAULT_RULES, load_rules  # noqa: E402


@pytest.fixture(scope="session")
def rec() -> Recogniser:
    # Shipped rules only (no config.yaml), jieba cache in the system temp dir.
    return Recogniser(load_rules(DEFAULT_RULES))
