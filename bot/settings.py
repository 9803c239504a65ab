"""Settings of the bot process: section ``bot`` of config.yaml, env WISHPOOL_BOT__*.

The puppet service endpoint and token also honour the variables every Wechaty user knows,
WECHATY_PUPPET_SERVICE_ENDPOINT and WECHATY_PUPPET_SERVICE_TOKEN. Tokens come only from the
environment (or constructor arguments), never from config.yaml. The quiet hours are the shared
``office.quiet_hours`` (env WISHPOOL_OFFICE__QUIET_HOURS), the same for the follow-up engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field

from models.config import QuietHoursSetting, SectionSettings
from models.quiet import DEFAULT_QUIET_HOURS


def _alias(field: str, wechaty_env: str) -> AliasChoices:
    # Field name first so config.yaml and constructor arguments keep working.
    return AliasChoices(field, f"WISHPOOL_BOT__{field.upper()}", wechaty_env)


class BotSettings(SectionSettings):
    yaml_section: ClassVar[str] = "bot"
    secret_fields: ClassVar[frozenset[str]] = frozenset({"puppet_token", "api_token"})
    # One value with the follow-up engine's: the shared `office` section.
    office_fields: ClassVar[frozenset[str]] = frozenset({"quiet_hours"})
    moved_fields: ClassVar[Mapping[str, str]] = {
        "quiet_start": "office.quiet_hours",
        "quiet_end": "office.quiet_hours",
    }

    puppet_endpoint: str = Field(
        default="",
        validation_alias=_alias("puppet_endpoint", "WECHATY_PUPPET_SERVICE_ENDPOINT"),
        description="host:port of the Wechaty puppet service (gRPC, plaintext)",
    )
    puppet_token: str = Field(
        default="",
        validation_alias=_alias("puppet_token", "WECHATY_PUPPET_SERVICE_TOKEN"),
        description="Token of the puppet service (secret: environment only)",
    )
    api_url: str = Field(default="http://127.0.0.1:8000", description="Base URL of the API")
    api_token: str = Field(default="", description="Bot-role API token (environment only)")
    api_timeout_seconds: float = Field(default=10.0, gt=0)
    name: str = Field(default="wishpool", description="Wechaty instance name")
    bot_names: list[str] = Field(
        default_factory=lambda: ["心愿池"], description="Names members @mention the bot by"
    )
    data_dir: Path = Field(
        default=Path("data/bot"), description="Local spool, seen message ids, health file"
    )
    log_level: str = "INFO"

    # Sending governance (the account must not look like spam).
    rate_per_minute: float = Field(default=30.0, gt=0, description="Sustained messages/minute")
    rate_burst: int = Field(default=10, ge=1, description="Messages sent back to back at most")
    delay_min_seconds: float = Field(default=0.2, ge=0)
    delay_max_seconds: float = Field(default=1.0, ge=0)
    quiet_hours: QuietHoursSetting = Field(
        default=DEFAULT_QUIET_HOURS,
        description="Non-urgent outbox messages wait then: config.yaml office.quiet_hours",
    )
    max_message_length: int = Field(default=500, ge=50, description="Longer texts are split")

    # Behaviour.
    seen_retention_days: float = Field(
        default=30, gt=0, description="How long handled message ids are kept to drop redeliveries"
    )
    confirm_timeout_seconds: int = Field(
        default=600, ge=1, description="How long a grey-zone question waits for 「是」"
    )
    group_cache_seconds: int = Field(
        default=60,
        ge=0,
        description="How long the bot trusts what it knows about a group without news from the "
        "API (a groups version that keeps coming with the outbox answers keeps it longer); "
        "0: always ask",
    )
    login_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Exit non-zero if not logged in by then"
    )
    outbox_wait_seconds: float = Field(default=20.0, ge=0, description="Outbox long-poll")
    outbox_batch: int = Field(default=10, ge=1, le=100)
    retry_max_seconds: float = Field(
        default=30.0, gt=0, description="Longest pause between retries (API, reconnect)"
    )
    retry_min_seconds: float = Field(default=0.5, gt=0)
    alert_wechat_ids: list[str] = Field(
        default_factory=list,
        description="WeChat ids told privately, once logged in again, that the account was "
        "logged out or the gateway went silent",
    )

    # Reliability: poison messages and outages.
    max_attempts: int = Field(
        default=5,
        ge=1,
        le=100,
        description="A spool entry failing this often while the API answers others is a dead"
        " letter (the member is told politely, the queue moves on)",
    )
    holding_reply_after_seconds: float = Field(
        default=60.0,
        ge=0,
        description="The holding reply (编号稍后告诉您) only after the API has been unreachable"
        " this long",
    )
    # ---- Deployment: metrics (bot/metrics.py) ----
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Serve Prometheus metrics (spool depth, login state) on this port; None: off",
    )
    metrics_host: str = Field(default="127.0.0.1", description="Address of the metrics port")

    @property
    def spool_path(self) -> Path:
        return self.data_dir / "spool.db"

    @property
    def health_path(self) -> Path:
        return self.data_dir / "health.json"
