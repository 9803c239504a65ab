"""Schema changes only through Alembic: `wishpool db upgrade` and the automatic start-up upgrade."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def include_name(name: str | None, type_: str, _parents: Mapping[Any, Any]) -> bool:
    """Autogenerate compares everything but the text search objects (models/search.py),
    which the models cannot declare."""
    from models.search import is_search_object

    return not (type_ in ("table", "index") and is_search_object(name))


def upgrade(url: str, revision: str = "head") -> None:
    logger.info("migrating database to %s", revision)
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    """Developer helper: autogenerate a migration from the models (`wishpool db revision`)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
