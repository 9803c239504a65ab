"""The test tree imports one way: as the package ``tests``, with the real packages winning."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_test_modules_are_imported_as_the_tests_package() -> None:
    # Without tests/__init__.py this module would be imported as plain "test_layout".
    assert __name__ == "tests.test_layout"
    assert "tests.conftest" in sys.modules and "conftest" not in sys.modules


@pytest.mark.parametrize("package", ["api", "bot", "models", "nlp", "gateway"])
def test_real_packages_win_over_test_folders(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__file__ is not None, f"{package} resolved to a namespace package"
    assert Path(module.__file__).parent == REPO / package
