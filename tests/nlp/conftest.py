from __future__ import annotations

import pytest

from nlp.recogniser import Recogniser
from nlp.rules import DEFAULT_RULES, load_rules


@pytest.fixture(scope="session")
def rec() -> Recogniser:
    # Shipped rules only (no config.yaml), jieba cache in the system temp dir.
    return Recogniser(load_rules(DEFAULT_RULES))
