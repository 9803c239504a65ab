"""What every request body passes through before it can reach the ledger.

Three rules, shared by the admin API's schemas (models) and the bot's wire format (api/chat):
- control characters (ASCII below 32 except tab, newline and carriage return, and DEL) are
  removed from text: WeChat lets members paste them, PostgreSQL refuses NUL in text and the
  Excel export cannot hold them;
- whole numbers must fit the INTEGER columns they end up in (32 bits signed), so a huge id is
  a 422 at the boundary, never a driver error;
- a list field sent as null is refused: null means "clear" to nobody, and a stored null list
  breaks every reader of the row (omit the field to leave it, send [] to empty it).
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel

MAX_DB_INT = 2**31 - 1
MIN_DB_INT = -(2**31)

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """The text without ASCII control characters (tab, newline and carriage return stay)."""
    return _CONTROLS.sub("", text)


def _clean(value: Any, bound_ints: bool = True) -> Any:
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and bound_ints:
        if value > MAX_DB_INT:
            raise PydanticCustomError(
                "less_than_equal", "Input should be less than or equal to {le}", {"le": MAX_DB_INT}
            )
        if value < MIN_DB_INT:
            raise PydanticCustomError(
                "greater_than_equal",
                "Input should be greater than or equal to {ge}",
                {"ge": MIN_DB_INT},
            )
        return value
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    return value


def _is_list(annotation: Any) -> bool:
    """Whether a field's type is a list (possibly optional): list[str] | None → True."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    return annotation is list or origin is list


def _is_float(annotation: Any) -> bool:
    # A float field (value_yuan) takes a JSON whole number beyond 32 bits; its own le bounds it.
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_float(arg) for arg in typing.get_args(annotation))
    return annotation is float


def _check(model: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    field = model.model_fields.get(info.field_name) if info.field_name else None
    annotation = field.annotation if field is not None else None
    if value is None and _is_list(annotation):
        raise PydanticCustomError("list_null", "A list may not be null: omit it or send []")
    return _clean(value, bound_ints=not _is_float(annotation))


class CleanModel(SQLModel):
    """Base of the SQLModel schema classes (…Base, …Create, …Update) that read request bodies."""

    @field_validator("*", mode="before")
    @classmethod
    def _clean_input(cls, value: Any, info: ValidationInfo) -> Any:
        return _check(cls, value, info)


class CleanBody(BaseModel):
    """The same rules for plain pydantic request bodies (the bot's wire format)."""

    @field_validator("*", mode="before")
    @classmethod
    def _clean_input(cls, value: Any, info: ValidationInfo) -> Any:
        return _check(cls, value, info)
