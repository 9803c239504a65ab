"""What the bot knows about groups, for many groups at once, and a version that says when to ask.

The bot caches per group whether it is enabled, whether uncertain messages are asked about in
public and which staff speak there. Instead of asking again per group every minute, it reads
the groups version the API sends with every outbox long-poll answer (header X-Groups-Version)
and, only when that changed, fetches the states of the groups it knows in a few batched calls
(POST /bot/groups/check).

The version is a digest of exactly the rows those answers are made of (groups; active staff and
their offices; office paths), so any change from any process — admin page, API, CLI, another
worker — changes it, with no counter to keep in step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col

from api.chat.schemas import BotGroupState
from models import Group, Office, Staff

MAX_ROOMS = 1000  # room ids per check (one IN list, far below every parameter limit)


def groups_version(session: Session) -> str:
    """A short digest of every row a group's state depends on."""
    digest = hashlib.sha1()
    queries = [
        sa.select(
            col(Group.id),
            col(Group.room_id),
            col(Group.enabled),
            col(Group.ask_members),
            col(Group.is_staff_group),
            col(Group.office_id),
        ).order_by(col(Group.id)),
        sa.select(col(Staff.id), col(Staff.wechat_id), col(Staff.office_id))
        .where(col(Staff.active).is_(True))
        .order_by(col(Staff.id)),
        sa.select(col(Office.id), col(Office.path)).order_by(col(Office.id)),
    ]
    for query in queries:
        for row in session.execute(query):
            digest.update(repr(tuple(row)).encode())
        digest.update(b"|")
    return digest.hexdigest()[:16]


def group_states(session: Session, room_ids: Sequence[str]) -> list[BotGroupState]:
    """The state of each registered group among `room_ids` (unknown rooms are left out: the
    bot registers a room with /groups/seen when it first hears from it)."""
    wanted = sorted(set(room_ids))[:MAX_ROOMS]
    if not wanted:
        return []
    groups = session.execute(
        sa.select(
            col(Group.id),
            col(Group.room_id),
            col(Group.enabled),
            col(Group.office_id),
            col(Group.is_staff_group),
            col(Group.ask_members),
        ).where(col(Group.room_id).in_(wanted))
    ).all()
    speakers = _speakers_by_office(session, {g[3] for g in groups if g[3] is not None})
    return [
        BotGroupState(
            room_id=room_id,
            group_id=group_id,
            enabled=enabled,
            office_id=office_id,
            is_staff_group=is_staff_group,
            ask_members=ask_members,
            staff_ids=speakers.get(office_id, []) if office_id is not None else [],
        )
        for group_id, room_id, enabled, office_id, is_staff_group, ask_members in groups
    ]


def _speakers_by_office(session: Session, office_ids: set[int]) -> dict[int, list[str]]:
    """intake.speaking_staff for many offices at once, from two small reads: staff of an
    office, of its ancestors and of its descendants speak in its groups."""
    paths = dict(session.execute(sa.select(col(Office.id), col(Office.path))).all())
    staff = session.execute(
        sa.select(col(Staff.wechat_id), col(Staff.office_id)).where(col(Staff.active).is_(True))
    ).all()
    result: dict[int, list[str]] = {}
    for office_id in office_ids:
        path = paths.get(office_id)
        if path is None:
            continue
        ancestors = {int(part) for part in path.strip("/").split("/") if part}
        speakers = {
            wechat_id
            for wechat_id, staff_office in staff
            if staff_office in ancestors or paths.get(staff_office, "").startswith(path)
        }
        result[office_id] = sorted(speakers)
    return result
