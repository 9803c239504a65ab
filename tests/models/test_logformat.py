"""office.log_format: JSON lines with level/logger/message, the traceback scrubbing kept."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from models.logformat import LogSettings, make_formatter, uvicorn_log_config
from models.logsafe import ExceptionTextFilter

SECRET = "王芳 13800000000 想学电商"


def _emit(formatter: logging.Formatter, *, exc: bool = False) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(ExceptionTextFilter())
    log = logging.getLogger("tests.logformat.emit")
    log.propagate = False
    log.handlers = [handler]
    log.setLevel(logging.INFO)
    try:
        if exc:
            try:
                raise ValueError(SECRET)  # the source line shows the name only
            except ValueError:
                log.exception("wish %s failed", 42)
        else:
            log.warning("wish %s logged for office %s", 42, "东风街道")
    finally:
        log.handlers = []
    return stream.getvalue()


def test_a_record_renders_as_one_json_object() -> None:
    line = _emit(make_formatter("json"))
    assert line.count("\n") == 1
    record = json.loads(line)
    assert record["level"] == "WARNING"
    assert record["logger"] == "tests.logformat.emit"
    assert record["message"] == "wish 42 logged for office 东风街道"  # readable, not \\u escapes
    assert "东风街道" in line and record["time"]


def test_json_tracebacks_stay_scrubbed() -> None:
    line = _emit(make_formatter("json"), exc=True)
    record = json.loads(line)
    assert record["message"] == "wish 42 failed"
    assert "ValueError" in record["exc_info"] and "Traceback" in record["exc_info"]
    assert "王芳" not in line and "13800000000" not in line


def test_text_stays_the_default() -> None:
    line = _emit(make_formatter())
    assert " WARNING tests.logformat.emit: wish 42 logged" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_setting_comes_from_the_office_section(monkeypatch: pytest.MonkeyPatch) -> None:
    assert LogSettings().log_format == "text"
    monkeypatch.setenv("WISHPOOL_OFFICE__LOG_FORMAT", "json")
    assert LogSettings().log_format == "json"
    monkeypatch.setenv("WISHPOOL_OFFICE__LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="log_format"):
        LogSettings()


def test_uvicorn_config_prints_json_and_scrubs(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logging.config.dictConfig(uvicorn_log_config("INFO", "json"))
        try:
            raise KeyError(SECRET)
        except KeyError:
            logging.getLogger("uvicorn.error").exception("boom", extra={"color_message": "\x1b[1m"})
        logging.getLogger("api.worker").info("worker %s ready", 3)
        lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.strip()]
    finally:
        root.handlers, root.level = saved
    assert [(r["logger"], r["message"]) for r in lines] == [
        ("uvicorn.error", "boom"),
        ("api.worker", "worker 3 ready"),
    ]
    assert "color_message" not in lines[0]
    assert "KeyError" in lines[0]["exc_info"] and "王芳" not in lines[0]["exc_info"]
