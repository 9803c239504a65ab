"""Alembic environment: migrations run against the URL handed in by models.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import models
from models.db import make_engine
from models.migrate import include_name

models.load_all()
config = context.config


def run_migrations_online() -> None:
    # make_engine, not a bare engine: SQLite gets the same pragmas and BEGIN IMMEDIATE as the app.
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=True,  # SQLite can only ALTER through table copies
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; give a database URL")
run_migrations_online()
