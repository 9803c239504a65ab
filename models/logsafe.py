"""Logs name ids, never what people wrote: tracebacks without exception messages.

An exception's message often quotes its input: pydantic's ValidationError repeats the values it
refused, a database error its SQL parameters, a KeyError the key. A traceback logged from a
boundary would copy a member's wish, name or phone number into the log files, which are kept
longer and read more widely than the ledger. ``ExceptionTextFilter`` replaces the formatted
traceback with one that keeps every frame (file, line, function, code) and each exception's
type, and drops the messages; for a validation error it keeps the field locations and error
kinds, which say what went wrong without the value.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable

_CAUSE = "\nThe above exception was the direct cause of the following exception:\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n"


def describe_exception(exc: BaseException) -> str:
    """``module.Type`` plus what can be said without the values: validation error locations
    and kinds, the database driver's error type, an OS error's errno."""
    kind = type(exc)
    name = kind.__qualname__
    if kind.__module__ != "builtins":
        name = f"{kind.__module__}.{name}"
    extra = ""
    errors = getattr(exc, "errors", None)
    if callable(errors) and type(exc).__name__ in ("ValidationError", "RequestValidationError"):
        try:
            found = errors(include_input=False, include_url=False, include_context=False)
        except TypeError:  # FastAPI's RequestValidationError.errors() takes no arguments
            found = errors()
        except Exception:
            found = []
        extra = "; ".join(
            f"{_location(e.get('loc', ()))}: {e.get('type', '?')}"
            for e in found[:10]
            if isinstance(e, dict)
        )
    orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
    if isinstance(orig, BaseException):
        extra = f"driver error {type(orig).__module__}.{type(orig).__qualname__}"
    if isinstance(exc, OSError) and exc.errno is not None:
        extra = f"errno {exc.errno}"
    return f"{name} ({extra})" if extra else name


def _location(loc: Iterable[object]) -> str:
    # Field names are ours; a key of a free-form object is the caller's and may be text.
    return ".".join(
        str(p) if isinstance(p, int) or (str(p).isascii() and len(str(p)) <= 40) else "…"
        for p in loc
    )


def _chain(exc: BaseException) -> list[tuple[BaseException, str]]:
    """The exceptions as the standard traceback prints them: oldest first, with the joiner
    that precedes each later one."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    joiner = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, joiner))
        if current.__cause__ is not None:
            current, joiner = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, joiner = current.__context__, _CONTEXT
        else:
            current = None
    # Reverse, moving each joiner onto the exception that follows it.
    ordered: list[tuple[BaseException, str]] = []
    for i in range(len(chain) - 1, -1, -1):
        ordered.append((chain[i][0], chain[i + 1][1] if i + 1 < len(chain) else ""))
    return ordered


def scrubbed_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` (and its causes) with types and frames but no messages."""
    parts: list[str] = []
    for item, joiner in _chain(exc):
        if joiner:
            parts.append(joiner)
        if item.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_list(traceback.extract_tb(item.__traceback__)))
        parts.append(describe_exception(item) + "\n")
        if isinstance(item, BaseExceptionGroup):
            for n, sub in enumerate(item.exceptions[:10], 1):
                parts.append(f"  sub-exception {n}: {describe_exception(sub)}\n")
    return "".join(parts).rstrip("\n")


class ExceptionTextFilter(logging.Filter):
    """On a logger or handler: a record's traceback is logged without exception messages.

    The scrubbed text goes into ``exc_text`` (which formatters print instead of formatting
    ``exc_info`` again) and ``exc_info`` is dropped, so no handler can format the original.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        if exc_info and exc_info[1] is not None:
            record.exc_text = scrubbed_traceback(exc_info[1])
            record.exc_info = None
        return True


def scrub_exceptions(*loggers: logging.Logger | str) -> None:
    """Put an ``ExceptionTextFilter`` on each logger (by object or name), once."""
    for logger in loggers:
        target = logging.getLogger(logger) if isinstance(logger, str) else logger
        if not any(isinstance(f, ExceptionTextFilter) for f in target.filters):
            target.addFilter(ExceptionTextFilter())


def scrub_handlers(handlers: Iterable[logging.Handler]) -> None:
    """The same on handlers: covers every record they print, from any library's logger."""
    for handler in handlers:
        if not any(isinstance(f, ExceptionTextFilter) for f in handler.filters):
            handler.addFilter(ExceptionTextFilter())
