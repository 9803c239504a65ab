"""The `wishpool` command: api, db, token, classify, rules, bot, scheduler, remind, import, run,
chat, demo.

This package (api/cli/) is the product's composition root: the one place that may import every
part (the API, the bot, the recogniser, the follow-up engine and the fake gateway) and that no
other module imports.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, NoReturn

import typer

from api.cli import backup
from api.cli.imports import import_command
from api.followup.cli import remind_command, scheduler_command
from bot.cli import bot_command
from models.enums import Role
from models.files import restrict_umask
from models.logformat import configure_logging, uvicorn_log_config
from nlp.cli import classify_command, rules_app, use_ledger

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
app.command("bot", help="Run the WeChat bot against a Wechaty puppet service gateway")(bot_command)
backup.register(app)  # `wishpool backup` / `wishpool restore`
app.command("import", help="Import resources, organisations or staff from .xlsx/.csv")(
    import_command
)


def _ledger_corrections() -> list[Any]:
    from sqlmodel import Session, select

    from api.settings import ApiSettings
    from models import Correction
    from models.db import make_engine

    engine = make_engine(ApiSettings().database_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(Correction)).all())
    finally:
        engine.dispose()


use_ledger(_ledger_corrections)


def _setup_logging(level: str) -> None:
    # office.log_format (text or JSON lines); tracebacks without exception messages.
    configure_logging(level)


SQLITE_ONE_WORKER = (
    "SQLite admits one writer at a time: run one API worker (the default), or use "
    "PostgreSQL (WISHPOOL_API__DATABASE_URL=postgresql+psycopg://…) for --workers > 1"
)
SCHEDULER_SEPARATE = (
    "%s API workers: the follow-up engine does not run inside them (it would run once per "
    "worker); start one `wishpool scheduler` process beside them"
)


@app.command("api")
def serve_api(
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, help="Worker processes (PostgreSQL only when > 1; default: setting)"
        ),
    ] = None,
) -> None:
    """Run the admin API (and, with one worker and unless switched off, the follow-up engine)."""
    import os

    import uvicorn

    from api.http.app import create_app
    from api.settings import ApiSettings
    from models.db import is_sqlite

    settings = ApiSettings()
    _setup_logging(settings.log_level)
    count = workers if workers is not None else settings.workers
    if count == 1:
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_config=uvicorn_log_config(settings.log_level),
        )
        return
    if is_sqlite(settings.database_url):
        typer.echo(SQLITE_ONE_WORKER, err=True)
        raise typer.Exit(2)
    # Each worker builds its own app from the environment (uvicorn needs an import string
    # for several processes); none of them runs the scheduler.
    if settings.run_scheduler:
        logging.getLogger(__name__).warning(SCHEDULER_SEPARATE, count)
    os.environ["WISHPOOL_API__RUN_SCHEDULER"] = "false"
    if settings.auto_migrate:
        from models.migrate import upgrade

        upgrade(settings.database_url)  # once here, not in every worker at once
    os.environ["WISHPOOL_API__AUTO_MIGRATE"] = "false"
    uvicorn.run(
        "api.http.app:create_app",
        factory=True,
        workers=count,
        host=settings.host,
        port=settings.port,
        log_config=uvicorn_log_config(settings.log_level),  # each worker's root logger too
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from api.settings import ApiSettings
    from models.migrate import upgrade

    settings = ApiSettings()
    _setup_logging(settings.log_level)
    upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("revision")
def db_revision(message: str) -> None:
    """For developers: write a migration for model changes (Alembic autogenerate)."""
    from api.settings import ApiSettings
    from models.migrate import revision, upgrade

    settings = ApiSettings()
    _setup_logging(settings.log_level)
    upgrade(settings.database_url)  # autogenerate compares the models with an up-to-date schema
    revision(settings.database_url, message)


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="admin, staff or bot")],
    name: Annotated[str, typer.Option(help="Who holds the token")],
    office: Annotated[int | None, typer.Option(help="Office id (required for staff)")] = None,
    days: Annotated[
        int | None,
        typer.Option(min=1, max=3650, help="Expires after so many days (default: never)"),
    ] = None,
    staff: Annotated[
        int | None,
        typer.Option(help="Staff id of the holder: she then sees her assigned wishes in full"),
    ] = None,
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    from sqlmodel import Session

    from api.domain.auth import create_token, expiry_in
    from api.domain.errors import DomainError
    from api.settings import ApiSettings
    from models.db import make_engine
    from models.migrate import upgrade

    settings = ApiSettings()
    if settings.auto_migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with Session(engine, expire_on_commit=False) as session:
        try:
            token, clear = create_token(
                session=session,
                name=name,
                role=role,
                office_id=office,
                expires_at=expiry_in(days),
                staff_id=staff,
            )
        except DomainError as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(2) from None
        session.commit()  # this command is the entry point: create_token only flushes
    typer.echo(clear)
    typer.echo(f"token #{token.id} ({role.value}) for {name}: shown once, keep it safe", err=True)


# `run` and `demo` need the fake WeChat account: gateway/server.js and its npm packages, which
# only a source checkout has (after `make install`). A wheel or the Docker image ships neither,
# so there they refuse with this one line instead of a traceback.
DEMO_SOURCE_ONLY = "演示只在源码目录中可用：请在仓库里运行 make run"


def require_source_checkout() -> None:
    """Exits with :data:`DEMO_SOURCE_ONLY` unless the fake gateway can run here."""
    try:
        from gateway import server_installed
    except ImportError:  # an install without the gateway package (the Docker image)
        ready = False
    else:
        ready = server_installed()
    if not ready:
        typer.echo(DEMO_SOURCE_ONLY, err=True)
        raise typer.Exit(2)


demo_app = typer.Typer(
    help="Talk to the demo's fake WeChat account (source checkout only)",
    no_args_is_help=True,
    callback=require_source_checkout,
)
app.add_typer(demo_app, name="demo")


# The fake account's ports: options, or the environment (`make run` passes it through; the
# API's own port is the setting api.port, WISHPOOL_API__PORT). Not settings sections: only the
# source checkout's demo has a fake account.
GATEWAY_PORT_ENV = "WISHPOOL_DEMO_GATEWAY_PORT"
CONTROL_PORT_ENV = "WISHPOOL_DEMO_CONTROL_PORT"
ControlPort = Annotated[
    int, typer.Option(envvar=CONTROL_PORT_ENV, help="Fake WeChat gateway control port")
]


@app.command("run")
def run_all(
    gateway_port: Annotated[
        int, typer.Option(envvar=GATEWAY_PORT_ENV, help="Fake WeChat gateway gRPC port")
    ] = 8788,
    control_port: ControlPort = 8789,
) -> None:
    """Run everything on embedded defaults: API + follow-up engine, fake WeChat account, bot.

    For a first look from a source checkout (`make run`); an installed copy refuses. On a
    ledger without wishes it first plays a short scenario through the demo group.
    """
    require_source_checkout()
    from api.cli.launcher import DemoPorts, run_system
    from api.settings import ApiSettings

    settings = ApiSettings()
    _setup_logging(settings.log_level)
    ports = DemoPorts(gateway_grpc=gateway_port, gateway_control=control_port)
    raise typer.Exit(run_system(settings, ports))


def _control(control_port: int) -> Any:
    from gateway.control import GatewayControl

    return GatewayControl.from_port(control_port)


def _exit_not_running(control: Any) -> NoReturn:
    from api.cli.chat import not_running

    typer.echo(not_running(control), err=True)
    raise typer.Exit(1)


@app.command("chat")
def chat(
    person: Annotated[
        str, typer.Option("--as", help="Who speaks: a name (刘老师) or key (liu); see --list")
    ] = "liu",
    room: Annotated[
        str, typer.Option(help="Where: a group's name (三新姐妹群, 工作群), or private")
    ] = "members",
    list_people: Annotated[
        bool, typer.Option("--list", help="Show the demo's people and rooms, then exit")
    ] = False,
    linger: Annotated[
        float | None,
        typer.Option(
            help="Seconds to wait for replies after the last line (default: 5 from a pipe)"
        ),
    ] = None,
    control_port: ControlPort = 8789,
) -> None:
    """Chat with the demo's bot as one of its people: type lines, see the bot's replies."""
    require_source_checkout()
    import sys

    import httpx

    from api.cli.chat import ChatSession, persona_lines, run_chat, typed_lines
    from api.cli.demo import find_person, find_room

    if list_people:
        typer.echo("\n".join(persona_lines()))
        return
    who, where = find_person(person), find_room(room)
    if who is None or where is None:
        typer.echo("没有这个人或这个群，可选：", err=True)
        typer.echo("\n".join(persona_lines()), err=True)
        raise typer.Exit(2)
    interactive = sys.stdin.isatty()
    prompt = f"{who.name} @ {where.topic}> "

    def out(line: str) -> None:
        # From the listening thread: keep the typed prompt readable in a terminal.
        typer.echo(f"\r{line}" if interactive else line)
        if interactive:
            typer.echo(prompt, nl=False)

    control = _control(control_port)
    session = ChatSession(control, who, where, out)
    if interactive:
        typer.echo(f"以 {who.name} 的身份在「{where.topic}」说话；Ctrl-D 结束")
    try:
        run_chat(
            session,
            typed_lines(prompt),
            linger=linger if linger is not None else (0.0 if interactive else 5.0),
        )
    except httpx.ConnectError:
        _exit_not_running(control)


@demo_app.command("say")
def demo_say(
    text: str,
    person: Annotated[
        str, typer.Option("--as", help="liu, zhang (members), wang, li (staff), or a name")
    ] = "liu",
    room: Annotated[str, typer.Option(help="members, staff, or private (a chat with the bot)")] = (
        "members"
    ),
    control_port: ControlPort = 8789,
) -> None:
    """Make a demo person say TEXT in a demo group (or privately to the bot)."""
    import httpx

    from api.cli.chat import persona_lines
    from api.cli.demo import find_person, find_room

    who, where = find_person(person), find_room(room)
    if who is None or where is None:
        typer.echo("没有这个人或这个群，可选：", err=True)
        typer.echo("\n".join(persona_lines()), err=True)
        raise typer.Exit(2)
    control = _control(control_port)
    try:
        message_id = control.say(who.wechat_id, text, room_id=where.room_id)
    except httpx.ConnectError:
        _exit_not_running(control)
    typer.echo(f"sent {message_id}")


@demo_app.command("sent")
def demo_sent(
    after: Annotated[int, typer.Option(help="Only messages after this sequence number")] = 0,
    wait: Annotated[float, typer.Option(help="Seconds to wait for a new message")] = 5.0,
    control_port: ControlPort = 8789,
) -> None:
    """Print what the bot has said in the demo (waits a little for new messages)."""
    import httpx

    control = _control(control_port)
    try:
        messages = control.sent(after=after, wait_ms=int(wait * 1000))
    except httpx.ConnectError:
        _exit_not_running(control)
    for message in messages:
        where = message.get("room_id") or message.get("to_id")
        typer.echo(f"[{message['seq']}] {where}: {message['text']}")


def main() -> None:
    restrict_umask()  # the ledger, exports and caches this process writes are owner-only
    app()
