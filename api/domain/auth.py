"""API tokens and who is calling: admin (everything), staff (their office subtree), bot."""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlmodel import Session, select

from api.domain.errors import Conflict, Forbidden, NotFound, Unauthorized
from models import ApiToken, Office, Staff
from models.clock import utcnow
from models.enums import Role

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "wp_"
MISSING_TOKEN = "缺少访问令牌，请在 Authorization 头中提供 Bearer 令牌"
EXPIRED_TOKEN = "令牌已过期，请联系管理员更换"


def hash_token(clear: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough (no slow KDF needed).
    return hashlib.sha256(clear.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    token_id: int
    name: str
    role: Role
    office_id: int | None = None
    office_path: str | None = None
    # The holder's staff record, when the token names one: she sees her assigned wishes in full.
    staff_id: int | None = None
    expires_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    def covers(self, office_path: str | None) -> bool:
        """Whether an office (by materialised path) is inside this caller's scope."""
        if self.role != Role.staff:
            return True
        return bool(office_path and self.office_path and office_path.startswith(self.office_path))


def expiry_in(days: int | None, *, now: datetime | None = None) -> datetime | None:
    """The expiry of a token valid for ``days`` from now (None: valid until revoked)."""
    return None if days is None else (now or utcnow()) + timedelta(days=days)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def create_token(
    *,
    session: Session,
    name: str,
    role: Role,
    office_id: int | None = None,
    expires_at: datetime | None = None,
    rotated_from_id: int | None = None,
    staff_id: int | None = None,
) -> tuple[ApiToken, str]:
    """Stores a new token's hash and returns the token in clear, to be shown exactly once.

    Flushes only: the caller (the admin request, `wishpool token create`, the demo launcher)
    commits, and a token it does not commit never works. ``expires_at`` None: no expiry."""
    if role == Role.staff and office_id is None:
        raise Forbidden("员工令牌必须指定所属妇联（office）")
    if office_id is not None and session.get(Office, office_id) is None:
        raise NotFound(f"没有找到编号为 {office_id} 的妇联")
    if staff_id is not None:
        _check_holder(session, role, office_id, staff_id)
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        role=role,
        office_id=office_id,
        token_hash=hash_token(clear),
        expires_at=expires_at,
        rotated_from_id=rotated_from_id,
        staff_id=staff_id,
    )
    session.add(token)
    session.flush()
    session.refresh(token)
    return token, clear


def _check_holder(session: Session, role: Role, office_id: int | None, staff_id: int) -> None:
    """A token names a staff record only for a staff token of that person's office tree."""
    person = session.get(Staff, staff_id)
    if person is None:
        raise NotFound(f"没有找到编号为 {staff_id} 的工作人员")
    if role != Role.staff:
        raise Forbidden("只有员工令牌可以关联工作人员（staff_id）")
    office = session.get(Office, office_id) if office_id is not None else None
    home = session.get(Office, person.office_id)
    if office is None or home is None or not home.path.startswith(office.path):
        raise Forbidden(f"工作人员 {staff_id} 不在这个令牌的妇联范围内")


def rotate_token(
    *, session: Session, token_id: int, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new secret for the same holder (name, role, office); the old token stops working.

    The new token lasts ``expires_in_days``, or as long as the old one was issued for (an old
    token without expiry gives one without expiry). A revoked token cannot be rotated: it was
    stopped on purpose. Flushes only; the admin request commits both changes together."""
    old = session.get(ApiToken, token_id)
    if old is None:
        raise NotFound(f"没有找到编号为 {token_id} 的令牌")
    if old.revoked_at is not None:
        raise Conflict("这个令牌已停用，不能轮换；请新建令牌")
    now = utcnow()
    if expires_in_days is not None:
        expires_at = expiry_in(expires_in_days, now=now)
    elif old.expires_at is not None:
        expires_at = now + (_aware(old.expires_at) - _aware(old.created_at))
    else:
        expires_at = None
    old.revoked_at = now
    session.add(old)
    forget_token(session=session, token_id=token_id)
    token, clear = create_token(
        session=session,
        name=old.name,
        role=Role(old.role),
        office_id=old.office_id,
        expires_at=expires_at,
        rotated_from_id=old.id,
        staff_id=old.staff_id,
    )
    logger.info("token #%s rotated: now #%s", token_id, token.id)
    return token, clear


def authenticate(*, session: Session, clear: str | None, now: datetime | None = None) -> Principal:
    if not clear:
        raise Unauthorized(MISSING_TOKEN)
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(clear))).first()
    if token is None or token.revoked_at is not None or token.id is None:
        raise Unauthorized("访问令牌无效或已停用")
    if token.expires_at is not None and _aware(token.expires_at) <= (now or utcnow()):
        raise Unauthorized(EXPIRED_TOKEN)
    office_path = None
    if token.office_id is not None:
        office = session.get(Office, token.office_id)
        office_path = office.path if office else None
    return Principal(
        token_id=token.id,
        name=token.name,
        role=Role(token.role),
        office_id=token.office_id,
        office_path=office_path,
        staff_id=token.staff_id,
        expires_at=_aware(token.expires_at) if token.expires_at is not None else None,
    )


class TokenCache:
    """Principals of recently checked tokens, by token hash, for a few seconds.

    Saves the token lookup (and the office fetch of a staff token) on every request. Only
    accepted tokens are kept, so guessed tokens neither fill it nor skip the failure limiter.
    An expiry is still checked on every hit. Revoking or rotating a token drops it here at
    once and again when that transaction commits; a lookup that began before a revocation
    does not store its answer (the generation moved). Another process (another API worker,
    `wishpool token …`) keeps trusting a revoked token for at most ``ttl`` seconds; an office
    moved in the tree likewise shows within ``ttl``."""

    MAX_ENTRIES = 4096

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.generation = 0
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, token_hash: str, ttl: float) -> Principal | None:
        with self._lock:
            entry = self._entries.get(token_hash)
            if entry is None:
                return None
            if self.clock() - entry[0] >= ttl:
                del self._entries[token_hash]
                return None
            return entry[1]

    def put(self, token_hash: str, principal: Principal, *, generation: int) -> None:
        """Stores a lookup that started at ``generation`` unless a token was dropped since."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()  # rare (thousands of live tokens): start again
            self._entries[token_hash] = (self.clock(), principal)

    def forget(self, token_id: int) -> None:
        with self._lock:
            self.generation += 1
            for key in [k for k, (_, p) in self._entries.items() if p.token_id == token_id]:
                del self._entries[key]


# One per process: a revocation in this process must reach every app instance in it.
token_cache = TokenCache()


def forget_token(*, session: Session, token_id: int) -> None:
    """Stop trusting a token from the cache: now, and once more after ``session`` commits."""
    token_cache.forget(token_id)
    event.listen(session, "after_commit", lambda _s: token_cache.forget(token_id), once=True)


def cached_principal(
    *, clear: str | None, ttl: float, now: datetime | None = None
) -> Principal | None:
    """The caller, if her token was accepted less than ``ttl`` seconds ago (no query)."""
    if not clear or ttl <= 0:
        return None
    principal = token_cache.get(hash_token(clear), ttl)
    expires = principal.expires_at if principal is not None else None
    if expires is not None and expires <= (now or utcnow()):
        raise Unauthorized(EXPIRED_TOKEN)
    return principal


def authenticate_cached(
    *,
    open_session: Callable[[], Session],
    clear: str | None,
    ttl: float,
    now: datetime | None = None,
) -> Principal:
    """:func:`authenticate`, asking the database (a session from ``open_session``, closed
    again) only when the token is not in the cache."""
    principal = cached_principal(clear=clear, ttl=ttl, now=now)
    if principal is not None:
        return principal
    if not clear:
        raise Unauthorized(MISSING_TOKEN)
    generation = token_cache.generation
    with open_session() as session:
        principal = authenticate(session=session, clear=clear, now=now)
    if ttl > 0:
        token_cache.put(hash_token(clear), principal, generation=generation)
    return principal
