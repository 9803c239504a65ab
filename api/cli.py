"""The `wishpool` command: api, db, token, classify, rules, bot, scheduler, remind, run."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from api.followup.cli import remind_command, scheduler_command
from models.enums import Role
from nlp.cli import classify_command, rules_app

app = typer.Typer(help="心愿池 wishpool：妇联微信群心愿台账", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations)", no_args_is_help=True)
token_app = typer.Typer(help="API tokens", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.command("classify", help="Classify JSON lines {id, text} from stdin (quality measurements)")(
    classify_command
)
app.add_typer(rules_app, name="rules")
app.command("scheduler", help="Run the follow-up engine as its own process")(scheduler_command)
app.command("remind", help="Run the reminder rules now (--dry-run: only print)")(remind_command)


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@app.command("api")
def serve_api() -> None:
    """Run the admin API (and, unless switched off, the follow-up engine)."""
    import uvicorn

    from api.main import create_app
    from api.settings import ApiSettings

    settings = ApiSettings()
    _setup_logging(settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from api.settings import ApiSettings
    from models.migrate import upgrade

    settings = ApiSettings()
    _setup_logging(settings.log_level)
    upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="admin, staff or bot")],
    name: Annotated[str, typer.Option(help="Who holds the token")],
    office: Annotated[int | None, typer.Option(help="Office id (required for staff)")] = None,
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    from api.auth import create_token
    from api.errors import DomainError
    from api.settings import ApiSettings
    from models.db import make_engine, session_scope
    from models.migrate import upgrade

    settings = ApiSettings()
    if settings.auto_migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        try:
            token, clear = create_token(session=session, name=name, role=role, office_id=office)
        except DomainError as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(2) from None
    typer.echo(clear)
    typer.echo(f"token #{token.id} ({role.value}) for {name}: shown once, keep it safe", err=True)


def main() -> None:
    app()
