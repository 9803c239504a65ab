"""The wish recogniser as a pure library: no I/O at import, no database, no network.

The jieba dictionary is loaded when the first recogniser is built (``Recogniser.default()`` or
the first ``classify``), not at import.
"""

from __future__ import annotations

from nlp.commands import CommandError, parse_command
from nlp.context import DEFAULT_BOT_NAMES, Context, Conversation, Turn
from nlp.entities import Entities, extract, mask
from nlp.recogniser import OUTCOMES, Classification, Outcome, Recogniser
from nlp.rules import RulesError

__all__ = [
    "DEFAULT_BOT_NAMES",
    "OUTCOMES",
    "Classification",
    "CommandError",
    "Context",
    "Conversation",
    "Entities",
    "Outcome",
    "Recogniser",
    "RulesError",
    "Turn",
    "classify",
    "extract",
    "mask",
    "parse_command",
]


def classify(text: str, context: Context | None = None) -> Classification:
    """Classify with the process-wide recogniser configured by config.yaml."""
    return Recogniser.default().classify(text, context)
