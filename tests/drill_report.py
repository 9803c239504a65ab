"""Figures of the reliability drills (tests/bot/test_drills.py), printed at the end of every
pytest run by tests/conftest.py's terminal summary, so a `make test` log shows them."""

from __future__ import annotations

FIGURES: list[tuple[str, dict[str, object]]] = []


def record(drill: str, **figures: object) -> None:
    FIGURES.append((drill, figures))


def lines() -> list[str]:
    return [
        f"{drill}: " + ", ".join(f"{key} {value}" for key, value in figures.items())
        for drill, figures in FIGURES
    ]
