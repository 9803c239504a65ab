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

from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
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


class _YamlWithoutSecrets(YamlConfigSettingsSource):
    """config.yaml minus the fields that must only come from the environment."""

    def __init__(self, settings_cls: type[BaseSettings], secrets: frozenset[str], **kw: Any):
        super().__init__(settings_cls, **kw)
        self._secrets = secrets

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        for name in self._secrets & data.keys():
            logger.warning("config.yaml sets secret %r; ignored, use the environment", name)
            data.pop(name)
        return data


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
        yaml_source = _YamlWithoutSecrets(
            settings_cls,
            cls.secret_fields,
            yaml_file=config_path(),
            yaml_config_section=cls.yaml_section or None,
        )
        return (init_settings, env_settings, yaml_source)
