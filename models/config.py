"""Settings plumbing shared by every process.

Each process (api, bot, nlp, scheduler) has one pydantic-settings class with its own section of
config.yaml. Precedence, highest first: constructor arguments, environment variables
(``WISHPOOL_<SECTION>__<FIELD>``), then config.yaml. Secrets are never read from config.yaml.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]


def config_path() -> Path:
    """The config.yaml in force: $WISHPOOL_CONFIG, ./config.yaml, or the one beside the code."""
    explicit = os.environ.get("WISHPOOL_CONFIG")
    if explicit:
        return Path(explicit)
    local = Path.cwd() / "config.yaml"
    return local if local.exists() else REPO_ROOT / "config.yaml"


class YamlSectionSource(InitSettingsSource):
    """One section of config.yaml, minus the fields that must only come from the environment.

    A missing file or section means "no overrides": every field keeps its coded default.
    """

    def __init__(
        self, settings_cls: type[BaseSettings], *, path: Path, section: str, secrets: frozenset[str]
    ) -> None:
        data: dict[str, Any] = {}
        if path.exists():
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if not isinstance(loaded, dict):
                raise ValueError(f"{path}: the top level must be a mapping of sections")
            data = loaded.get(section) or {}
            if not isinstance(data, dict):
                raise ValueError(f"{path}: section {section!r} must be a mapping")
        for name in secrets & data.keys():
            logger.warning("config.yaml sets secret %r; ignored, use the environment", name)
            data.pop(name)
        super().__init__(settings_cls, data)


class SectionSettings(BaseSettings):
    """Base class: one section of config.yaml, overridden by WISHPOOL_<SECTION>__* variables."""

    yaml_section: ClassVar[str] = ""
    secret_fields: ClassVar[frozenset[str]] = frozenset()

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.yaml_section:
            cls.model_config = SettingsConfigDict(
                **{**cls.model_config, "env_prefix": f"WISHPOOL_{cls.yaml_section.upper()}__"}
            )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_source = YamlSectionSource(
            settings_cls, path=config_path(), section=cls.yaml_section, secrets=cls.secret_fields
        )
        return (init_settings, env_settings, yaml_source)
