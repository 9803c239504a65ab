"""Settings of the API process (config.yaml section `api`, env WISHPOOL_API__*)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from models.config import DEFAULT_RETENTION_MONTHS, QuietHoursSetting, SectionSettings
from models.enums import Category
from models.quiet import DEFAULT_QUIET_HOURS

# Family violence, divorce, debt, mental health, self-harm, sexual harassment, unpaid wages and
# their close kin: what a woman would not want her group to read about her.
DEFAULT_SENSITIVE_WORDS = (
    "家暴", "家庭暴力", "被打", "虐待", "离婚", "分居", "出轨", "抚养权", "债务", "欠债",
    "负债", "网贷", "催收", "高利贷", "心理", "抑郁", "焦虑症", "轻生", "自杀", "不想活",
    "自残", "性骚扰", "性侵", "猥亵", "强奸", "欠薪", "拖欠工资", "讨薪", "艾滋",
)  # fmt: skip


class ApiSettings(SectionSettings):
    yaml_section: ClassVar[str] = "api"
    # Shared with the scheduler (which anonymises): the `office` section, WISHPOOL_OFFICE__*.
    office_fields: ClassVar[frozenset[str]] = frozenset({"retention_months", "quiet_hours"})

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
    retention_months: int = Field(
        default=DEFAULT_RETENTION_MONTHS,
        ge=1,
        le=240,
        description="office.retention_months: what 我的信息 tells members about retention",
    )
    quiet_hours: QuietHoursSetting = Field(
        default=DEFAULT_QUIET_HOURS,
        description="office.quiet_hours: 完成 tells staff when the 圆梦 post waits for the morning",
    )
    privacy_notice: str = Field(
        default="",
        max_length=500,
        description="Sent privately the first time a member's wish is logged: what is kept, who "
        "sees it, how to withdraw or erase it; empty: the default text (models/wording/members.py)",
    )
    # ---- sensitive wishes (api/domain/visibility.py) ----
    sensitive_categories: list[Category] = Field(
        default_factory=lambda: [Category.marriage],
        description="Wishes of these categories are sensitive: acknowledged without number or "
        "content, never in a public post, text seen only by administrators and the assignee",
    )
    sensitive_words: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SENSITIVE_WORDS),
        description="A wish whose text contains one of these words is sensitive (see above)",
    )
    # ---- Request handling at scale (concurrency, token cache, lists) ----
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="API worker processes (`wishpool api --workers N`); more than 1 needs "
        "PostgreSQL, and the follow-up engine then runs as its own `wishpool scheduler`",
    )
    max_concurrency: int = Field(
        default=16,
        ge=1,
        le=1000,
        description="Requests one worker handles at once; its database pool is sized to it "
        "(plus half again for token checks and the outbox long-poll: on PostgreSQL keep "
        "workers × 1.5 × this below max_connections). Further requests wait, without a "
        "thread or a connection, for a free slot",
    )
    queue_timeout_seconds: float = Field(
        default=10,
        ge=0,
        le=300,
        description="A request that waited so long for a slot (or a database connection) is "
        "answered 503 with Retry-After instead of hanging",
    )
    token_cache_seconds: float = Field(
        default=5,
        ge=0,
        le=300,
        description="A checked token is trusted so many seconds without asking the database "
        "again; revoking in this process takes effect at once, in other workers within this "
        "time; 0: check every request",
    )
    list_count_cap: int = Field(
        default=1000,
        ge=1,
        description="Lists count matching rows up to this many (`total_capped` when there are "
        "more); ?count=true counts them all",
    )
    gateway_control_url: str = Field(
        default="",
        description="Local HTTP address of our gateway (gateway/server.js), whose GET /login the "
        "admin page shows: waiting for a scan / logged in as / logged out; empty: not shown",
    )
    # Imports (api/domain/imports.py): the size an office's list may have.
    import_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest file an import accepts (bytes)"
    )
    import_max_rows: int = Field(
        default=10_000, ge=1, description="Most data rows one import file may have"
    )
    # ---- Deployment: metrics (api/http/metrics.py) ----
    metrics_enabled: bool = Field(
        default=True,
        description="Serve GET /metrics (Prometheus text format, counts only, no token)",
    )
