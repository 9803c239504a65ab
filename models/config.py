"""Settings plumbing shared by every process.

Each process (api, bot, nlp, scheduler) has one pydantic-settings class with its own section of
config.yaml. Precedence, highest first: constructor arguments, environment variables
(``WISHPOOL_<SECTION>__<FIELD>``), then config.yaml. Secrets are never read from config.yaml.

A setting every process must agree on (the quiet hours) lives once in the shared ``office``
section (env ``WISHPOOL_OFFICE__<FIELD>``): a class lists it in ``office_fields`` and reads it
from there only; setting it in a process's own section is refused at start.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar

import yaml
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from models.quiet import QuietHours

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFICE_SECTION = "office"

# A settings field of quiet hours: "21:00-08:00" from config.yaml or the environment (NoDecode:
# the text is parsed by QuietHours, not taken for JSON).
QuietHoursSetting = Annotated[QuietHours, NoDecode]


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
        self,
        settings_cls: type[BaseSettings],
        *,
        path: Path,
        section: str,
        secrets: frozenset[str] = frozenset(),
        only: frozenset[str] | None = None,
        refused: Mapping[str, str] | None = None,
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
        refused = refused or {}
        for name in sorted(refused.keys() & data.keys()):
            raise ValueError(f"{path}: {section}.{name} is not read here; set {refused[name]}")
        if only is not None:
            data = {name: value for name, value in data.items() if name in only}
        super().__init__(settings_cls, data)


class _Fields(PydanticBaseSettingsSource):
    """Another source's values for some fields only (or for all but some)."""

    def __init__(self, inner: PydanticBaseSettingsSource, names: frozenset[str], *, keep: bool):
        super().__init__(inner.settings_cls)
        self.inner, self.names, self.keep = inner, names, keep

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ asks the inner source

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self.inner().items() if (k in self.names) == self.keep}


class SectionSettings(BaseSettings):
    """Base class: one section of config.yaml, overridden by WISHPOOL_<SECTION>__* variables."""

    yaml_section: ClassVar[str] = ""
    secret_fields: ClassVar[frozenset[str]] = frozenset()
    # Read from the shared `office` section / WISHPOOL_OFFICE__*, never from this class's own.
    office_fields: ClassVar[frozenset[str]] = frozenset()
    # Keys this section no longer takes → where they went; refused at start, not ignored.
    moved_fields: ClassVar[Mapping[str, str]] = {}

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
        path = config_path()
        refused = {
            **cls.moved_fields,
            **{name: f"{OFFICE_SECTION}.{name}" for name in cls.office_fields},
        }
        _refuse_env(f"WISHPOOL_{cls.yaml_section.upper()}__", refused)
        own_yaml = YamlSectionSource(
            settings_cls,
            path=path,
            section=cls.yaml_section,
            secrets=cls.secret_fields,
            refused=refused,
        )
        if not cls.office_fields:
            return (init_settings, env_settings, own_yaml)
        office_env = EnvSettingsSource(
            settings_cls,
            env_prefix=f"WISHPOOL_{OFFICE_SECTION.upper()}__",
            env_nested_delimiter="__",
            case_sensitive=False,
        )
        office_yaml = YamlSectionSource(
            settings_cls, path=path, section=OFFICE_SECTION, only=cls.office_fields
        )
        return (
            init_settings,
            _Fields(office_env, cls.office_fields, keep=True),
            _Fields(env_settings, cls.office_fields, keep=False),
            office_yaml,
            own_yaml,
        )


def _refuse_env(prefix: str, refused: Mapping[str, str]) -> None:
    """A moved setting still set in the environment would be silently ignored: refuse it."""
    present = {key.upper() for key in os.environ}
    for name, where in sorted(refused.items()):
        variable = f"{prefix}{name}".upper()
        if variable in present:
            env = "WISHPOOL_" + where.upper().replace(".", "__")
            raise ValueError(f"{variable} is not read; set {where} in config.yaml or {env}")


# Personal-data retention (office.retention_months): how long a closed or fulfilled wish keeps
# its text, name and WeChat id. One default for the API (which tells members) and the scheduler
# (which anonymises).
DEFAULT_RETENTION_MONTHS = 24
