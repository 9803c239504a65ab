"""Log line format for every process: text (default) or one JSON object per line.

``office.log_format`` (env ``WISHPOOL_OFFICE__LOG_FORMAT``) is shared by the API, the scheduler
and the bot, so a log collector parses every process the same way. JSON lines come from
python-json-logger: ``time``, ``level``, ``logger``, ``message`` (and ``exc_info``, the
traceback as models/logsafe.py scrubbed it: frames and types, no exception messages). The
scrubbing filter stays on every handler whichever format is chosen.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any, ClassVar, Literal

from pydantic import Field
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from models.config import OFFICE_SECTION, SectionSettings
from models.logsafe import scrub_handlers

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "{asctime}{levelname}{name}{message}"
JSON_NAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
# uvicorn adds `color_message` (the message with terminal colour codes) to its records.
JSON_LEFT_OUT = [*RESERVED_ATTRS, "color_message"]


class LogSettings(SectionSettings):
    """The shared ``office`` section's logging keys (read by every process's CLI)."""

    yaml_section: ClassVar[str] = OFFICE_SECTION

    log_format: LogFormat = Field(
        default="text", description="text: one readable line per record; json: one JSON object"
    )


def make_formatter(kind: LogFormat = "text") -> logging.Formatter:
    if kind == "json":
        return JsonFormatter(
            JSON_FIELDS,
            style="{",
            rename_fields=JSON_NAMES,
            reserved_attrs=JSON_LEFT_OUT,
            json_ensure_ascii=False,
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(level: str, kind: LogFormat | None = None) -> None:
    """The root handler of a CLI process: ``kind`` (default: office.log_format), scrubbed."""
    chosen = kind or LogSettings().log_format
    handler = logging.StreamHandler()
    handler.setFormatter(make_formatter(chosen))
    logging.basicConfig(level=level.upper(), handlers=[handler])
    # Any library's traceback too (APScheduler's, SQLAlchemy's) without exception messages.
    scrub_handlers(logging.getLogger().handlers)


def uvicorn_log_config(level: str, kind: LogFormat | None = None) -> dict[str, Any]:
    """uvicorn's ``log_config``: its loggers and the root (in every worker process too) print
    in the chosen format through one scrubbed handler."""
    chosen = kind or LogSettings().log_format
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "wishpool",
        "filters": ["scrub"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"scrub": {"()": "models.logsafe.ExceptionTextFilter"}},
        "formatters": {"wishpool": {"()": "models.logformat.make_formatter", "kind": chosen}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["default"], "level": level.upper()},
    }
