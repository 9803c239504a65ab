"""`wishpool import KIND FILE [--apply]`: an office's Excel/CSV list into the ledger.

The dry run (default) prints what each row would do; --apply imports the file in one
transaction, and only when no row is refused. Exit status: 0 done, 1 rows refused, 2 the file
could not be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from models.imports import ImportKind, RowAction
from models.wording import staff as wording


def import_command(
    kind: Annotated[ImportKind, typer.Argument(help="resources, organisations or staff")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx or .csv")],
    apply: Annotated[
        bool, typer.Option("--apply", help="Import for real (default: only show what would happen)")
    ] = False,
    office: Annotated[int | None, typer.Option(help="Office id for rows without 所属妇联")] = None,
    all_rows: Annotated[bool, typer.Option("--all", help="List every row, not only problems")] = (
        False
    ),
) -> None:
    """Import resources, organisations or staff from an office's spreadsheet."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from sqlmodel import Session

    from api.domain.errors import DomainError
    from api.domain.imports import import_file
    from api.settings import ApiSettings
    from models.db import make_engine
    from models.migrate import upgrade

    settings = ApiSettings()
    data = file.read_bytes()
    if len(data) > settings.import_max_bytes:
        typer.echo(wording.import_too_big(settings.import_max_bytes), err=True)
        raise typer.Exit(2)
    if settings.auto_migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    columns = (TextColumn(wording.IMPORT_PROGRESS), BarColumn(), MofNCompleteColumn())
    try:
        with (
            Session(engine, expire_on_commit=False) as session,
            Progress(*columns, transient=True) as bar,
        ):
            task = bar.add_task("rows", total=None)
            try:
                report = import_file(
                    session=session,
                    kind=kind,
                    data=data,
                    filename=file.name,
                    apply=apply,
                    default_office_id=office,
                    max_rows=settings.import_max_rows,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
            except DomainError as exc:
                session.rollback()
                bar.stop()
                typer.echo(exc.message, err=True)
                details = exc.details if isinstance(exc.details, dict) else {}
                for row in details.get("rows", []):
                    if row["action"] == RowAction.refuse.value:
                        typer.echo(
                            wording.import_row_line(
                                row["row"], row["action"], row["key"], row["reasons"]
                            )
                        )
                raise typer.Exit(1 if "rows" in details else 2) from None
            session.commit()  # this command is the entry point: import_file only flushes
    finally:
        engine.dispose()
    for row in report.rows:
        if all_rows or row.action in (RowAction.refuse, RowAction.duplicate):
            typer.echo(wording.import_row_line(row.row, row.action, row.key, row.reasons))
    typer.echo(wording.import_summary(report.applied, report.counts, report.ignored_columns))
    if report.counts[RowAction.refuse.value]:
        raise typer.Exit(1)
