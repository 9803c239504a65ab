"""Settings of the API process (config.yaml section `api`, env WISHPOOL_API__*)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from models.config import SectionSettings


class ApiSettings(SectionSettings):
    yaml_section: ClassVar[str] = "api"

    database_url: str = Field(
        default="sqlite:///data/wishpool.db",
        description="SQLAlchemy URL: a SQLite file by default, postgresql+psycopg://… for more",
    )
    auto_migrate: bool = Field(
        default=True, description="Apply Alembic migrations when the API starts"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "INFO"
    page_size_max: int = Field(default=200, ge=1)
    outbox_lease_seconds: int = Field(
        default=60, ge=1, description="A delivery handed to the bot is re-offered after this"
    )
    run_scheduler: bool = Field(
        default=True, description="Run the follow-up engine inside the API process"
    )
    urgent_words: list[str] = Field(
        default_factory=lambda: ["家暴", "轻生", "自杀", "不想活", "被打", "性侵", "救命"],
        description="A new wish or triage item with one of these words alerts staff at once, "
        "even in quiet hours",
    )
    triage_lifetime_hours: float = Field(
        default=48, gt=0, le=24 * 30, description="An undecided triage item's text is kept so long"
    )
    duplicate_window_days: float = Field(
        default=7,
        ge=0,
        le=365,
        description="The same member repeating an open wish within so many days is merged into "
        "it instead of logged again; 0: never merge",
    )
    auth_failures_per_minute: int = Field(
        default=20,
        ge=1,
        description="Failed token checks one client address may make per minute before 429",
    )
    docs_enabled: bool = Field(
        default=True, description="Serve /docs and /redoc (assets from this server, no CDN)"
    )
    # Imports (api/domain/imports.py): the size an office's list may have.
    import_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest file an import accepts (bytes)"
    )
    import_max_rows: int = Field(
        default=10_000, ge=1, description="Most data rows one import file may have"
    )
