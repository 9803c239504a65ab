"""No member's words or name in any log, at any level: ids instead.

A wish with a text and a name found nowhere else goes through chat intake, a grey-zone triage,
refused API requests and an unexpected failure that quotes the text (a plain exception and a
pydantic ValidationError, which repeats its input); every record at DEBUG is captured and
searched. The real `wishpool api` process is run once too, for uvicorn's own access and
error logs and the file modes of the database it creates.
"""

from __future__ import annotations

import logging
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy.engine import Engine

import api.chat.arrival
from api.http.app import create_app
from api.settings import ApiSettings
from models.logsafe import ExceptionTextFilter, scrub_exceptions, scrubbed_traceback
from tests.api.apitools import Tree
from tests.api.chat.chat_tools import ROOM

REPO = Path(__file__).resolve().parents[2]
TEXT = "请帮我找回外婆留下的青瓷茶壶"
NAME = "甄秀兰"
PHONE = "13987654321"
SECRETS = (TEXT, NAME, PHONE, "青瓷茶壶", "甄秀")


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything the records would put in a log file: messages and tracebacks."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def assert_private(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in the log:\n{text}"


def body(mid: str, **fields: Any) -> dict[str, Any]:
    return {
        "room_id": ROOM,
        "talker_id": "wx_zhen",
        "talker_name": NAME,
        "message_id": mid,
        "text": f"{TEXT}，电话{PHONE}",
        "category": "family",
        **fields,
    }


def test_wish_text_and_name_never_logged(
    db_url: str,
    engine: Engine,
    tree: Tree,
    admin: dict[str, str],
    bot: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    # The test client's own request lines (httpx) are not the product's logs; the real
    # process's access log is checked below.
    caplog.set_level(logging.WARNING, logger="httpx")
    settings = ApiSettings(database_url=db_url, run_scheduler=False, auto_migrate=False)
    app = create_app(settings, engine=engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        # Chat intake, the staff alert, a repeat of the same message, a grey-zone triage.
        reply = client.post("/api/v1/bot/wishes", json=body("m1"), headers=bot)
        assert reply.status_code == 200 and reply.json()["created"], reply.text
        again = client.post("/api/v1/bot/wishes", json=body("m1"), headers=bot)
        assert again.status_code == 200
        triage = client.post("/api/v1/bot/triage", json=body("m2"), headers=bot)
        assert triage.status_code == 200, triage.text
        # Searches, refused input that quotes the text, a wrong token.
        found = client.get("/api/v1/wishes", params={"q": "青瓷茶壶"}, headers=admin)
        assert found.status_code == 200 and found.json()["total"] >= 1
        bad = client.post("/api/v1/wishes", json={"text": TEXT, "category": NAME}, headers=admin)
        assert bad.status_code == 422
        too_long = client.post(
            "/api/v1/wishes", json={"text": TEXT * 2000, "category": "family"}, headers=admin
        )
        assert too_long.status_code == 422
        wrong = {"Authorization": f"Bearer wp_{PHONE}"}
        assert client.get("/api/v1/wishes", headers=wrong).status_code == 401

        # An unexpected failure whose message quotes the member's words...
        def broken(**_: Any) -> None:
            raise ValueError(f"cannot alert about {TEXT} from {NAME}")

        monkeypatch.setattr(api.chat.arrival, "alert_new_wish", broken)
        failed = client.post(
            "/api/v1/bot/wishes", json=body("m3", text=TEXT + "第二次"), headers=bot
        )
        assert failed.status_code == 500
        assert TEXT not in failed.text

        # ... and a validation error inside the service, which repeats its input.
        def invalid(**_: Any) -> None:
            TypeAdapter(int).validate_python(f"{NAME} {TEXT}")

        monkeypatch.setattr(api.chat.arrival, "alert_new_wish", invalid)
        failed = client.post(
            "/api/v1/bot/wishes", json=body("m4", text=TEXT + "第三次"), headers=bot
        )
        assert failed.status_code == 500

    text = logged(caplog)
    assert_private(text)
    # The failures were logged, with their tracebacks: types, frames, field kinds.
    assert text.count("unhandled error on POST /api/v1/bot/wishes") == 2
    assert "ValueError" in text and "in broken" in text
    assert "pydantic_core._pydantic_core.ValidationError (: int_parsing)" in text


def test_scrubbed_traceback_keeps_the_chain_without_messages() -> None:
    try:
        try:
            {}[NAME]
        except KeyError as exc:
            raise RuntimeError(f"lookup of {TEXT} failed") from exc
    except RuntimeError as caught:
        error = caught
    text = scrubbed_traceback(error)
    assert_private(text)
    assert text.index("KeyError") < text.index("direct cause") < text.index("RuntimeError")
    assert "test_scrubbed_traceback_keeps_the_chain_without_messages" in text

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom %s", ("id 7",), None)
    record.exc_info = (RuntimeError, error, error.__traceback__)
    assert ExceptionTextFilter().filter(record)
    assert record.exc_info is None and record.exc_text == text
    assert_private(logging.Formatter().format(record))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_real_api_process_logs_no_query_values_and_keeps_its_files_private(
    tmp_path: Path,
) -> None:
    port = _free_port()
    database = tmp_path / "data" / "ledger.db"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "WISHPOOL_API__DATABASE_URL": f"sqlite:///{database}",
        "WISHPOOL_API__PORT": str(port),
        "WISHPOOL_API__RUN_SCHEDULER": "false",
    }
    log = (tmp_path / "api.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from api.cli.main import main; main()", "api"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "api.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.1)  # polling for the server to listen, bounded by the deadline
        refused = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/wishes",
            params={"q": NAME, "limit": 5},
            headers={"Authorization": "Bearer wrong"},
        )
        assert refused.status_code == 401
        # The database and its WAL companions, made by the real process, are owner-only.
        for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm"):
            path = database.with_name(name)
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
        assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    output = (tmp_path / "api.log").read_text(encoding="utf-8")
    assert '"GET /api/v1/wishes?q=…&limit=… HTTP/1.1" 401' in output, output
    assert_private(output)


def test_uvicorn_error_log_keeps_no_exception_message(
    db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    settings = ApiSettings(database_url=db_url, run_scheduler=False, auto_migrate=False)
    app = create_app(settings, engine=engine)
    # uvicorn's own logging set-up, as `wishpool api` runs it: the filter survives it.
    uvicorn.Config(app, log_level="info").configure_logging()
    try:
        raise ValueError(f"{NAME}: {TEXT}")
    except ValueError as exc:
        # What uvicorn logs when Starlette re-raises after the 500 answer.
        logging.getLogger("uvicorn.error").error("Exception in ASGI application\n", exc_info=exc)
    err = capsys.readouterr().err
    assert "Exception in ASGI application" in err and "ValueError" in err
    assert_private(err)


def test_database_errors_and_sql_logs_hide_their_parameters(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlalchemy as sa

    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # as with echo on
    with pytest.raises(sa.exc.IntegrityError) as caught, engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x TEXT UNIQUE)"))
        conn.execute(sa.text("INSERT INTO t VALUES (:x)"), {"x": TEXT})
        conn.execute(sa.text("INSERT INTO t VALUES (:x)"), {"x": TEXT})
    assert "parameters hidden" in str(caught.value)
    if engine.dialect.name == "sqlite":
        assert_private(str(caught.value))
    # PostgreSQL's own message quotes the row (DETAIL: Key (x)=(…)): the boundaries log such an
    # error only through the scrubbing filter, which keeps its type and drops its text.
    boundary = logging.getLogger("tests.log_privacy.boundary")
    scrub_exceptions(boundary)
    with caplog.at_level(logging.ERROR, logger=boundary.name):
        boundary.error("database error", exc_info=caught.value)
    assert "IntegrityError" in caplog.text
    assert "INSERT INTO t" in caplog.text
    assert_private(caplog.text)
