"""Domain errors: each carries a message written for people (Chinese) and safe to show them.

The HTTP layer (api/http/errors.py) turns them into JSON responses and the chat service
(api/chat/) into polite replies; `status_code` and `code` are their HTTP spelling.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base: `message` is written for people (Chinese) and safe to show them."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid_input"
