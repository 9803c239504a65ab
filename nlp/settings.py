"""Settings of the recogniser: section ``nlp`` of config.yaml, env WISHPOOL_NLP__*."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from models.config import SectionSettings


def _default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "wishpool-jieba"


class NlpSettings(SectionSettings):
    yaml_section: ClassVar[str] = "nlp"

    rules_file: Path | None = Field(
        default=None, description="Administrator's rules file, merged over the shipped defaults"
    )
    rules: dict[str, Any] = Field(
        default_factory=dict, description="Inline rules, same schema as a rules file"
    )
    extra_keywords: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="{category code: {keyword: weight}} added to the rules"
    )
    user_words: list[str] = Field(
        default_factory=list, description="Extra words for the tokenizer (local names, jargon)"
    )
    wish_threshold: float = Field(default=0.5, ge=0, le=1)
    grey_lower: float = Field(default=0.3, ge=0, le=1, description="Ask the member from here up")
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    jieba_min_freq: int = Field(
        default=10, ge=0, description="Load jieba words this frequent (0 = the full dictionary)"
    )
