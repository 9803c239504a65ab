"""A person's rights over her data (PIPL 个人信息): see what is kept, take it away, forget it.

``collect_personal_data`` gathers every datum the ledger keeps about one person: her wishes
(text, name, WeChat id, timeline notes, fulfilment feedback), the triage items still holding
her words, the bot commands she sent, the messages addressed to her or about her wishes, and
resource drafts made from her offers. ``erase_person`` takes all of it away, leaving the
statistics: a wish keeps its number, office, category, kind, status, dates, assignee and
fulfilment counts, but its text becomes ``ERASED`` and the name and id are gone. The marker is a
fixed text, not a hash or a pseudonym, so her wishes cannot be told apart from anyone else's
erased wishes and cannot be counted back to one member. ``anonymise_wishes`` is the same for
wishes whose retention ran out (api/followup/retention.py).

A person is her WeChat id; a wish staff registered for her by name alone (代登记, no id) is
hers only when the name is given too and the wish carries no id of anyone else.
Every function flushes; the entry point commits, together with its audit entry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.domain.errors import InvalidInput
from models import (
    BotCommand,
    Correction,
    Fulfilment,
    Group,
    Match,
    Office,
    Outbox,
    Resource,
    TriageItem,
    Wish,
    WishEvent,
    WishRepeat,
)
from models.clock import utcnow
from models.enums import Category, WishStatus
from models.membership import Membership, PrivacyNotice, PrivateChoice
from models.triage import TriageStatus
from models.wording.staff import ERASED_TEXT

logger = logging.getLogger(__name__)

ERASED = ERASED_TEXT
MEMBER_ACTOR = "成员"  # what a member's own timeline entries say once her name is gone
ERASE_CONFIRM_MINUTES = 10
_CHUNK = 500  # ids per IN (…): far below PostgreSQL's bind-parameter limit


@dataclass(frozen=True)
class Person:
    """Whose data: a WeChat id, and optionally the name staff registered wishes under."""

    wechat_id: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if not (self.wechat_id or "").strip() and not (self.name or "").strip():
            raise InvalidInput("请填写微信号（wechat_id），或代登记时用的姓名（name）")

    def wish_clause(self) -> sa.ColumnElement[bool]:
        clauses: list[sa.ColumnElement[bool]] = []
        if self.wechat_id:
            clauses.append(col(Wish.submitter_wechat_id) == self.wechat_id)
        if self.name:
            clauses.append(
                sa.and_(
                    col(Wish.submitter_wechat_id).is_(None), col(Wish.submitter_name) == self.name
                )
            )
        return sa.or_(*clauses)

    def triage_clause(self) -> sa.ColumnElement[bool]:
        clauses: list[sa.ColumnElement[bool]] = []
        if self.wechat_id:
            clauses.append(col(TriageItem.talker_wechat_id) == self.wechat_id)
        if self.name:
            clauses.append(
                sa.and_(
                    col(TriageItem.talker_wechat_id).is_(None),
                    col(TriageItem.talker_name) == self.name,
                )
            )
        return sa.or_(*clauses)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# ---- what is kept --------------------------------------------------------------------------


def person_wishes(*, session: Session, person: Person) -> list[Wish]:
    return list(
        session.exec(
            select(Wish).where(person.wish_clause()).order_by(col(Wish.created_at), col(Wish.id))
        ).all()
    )


def person_triage(*, session: Session, person: Person) -> list[TriageItem]:
    return list(
        session.exec(
            select(TriageItem).where(person.triage_clause()).order_by(col(TriageItem.id))
        ).all()
    )


def person_commands(*, session: Session, person: Person) -> list[BotCommand]:
    if not person.wechat_id:
        return []
    return list(
        session.exec(
            select(BotCommand)
            .where(col(BotCommand.talker_wechat_id) == person.wechat_id)
            .order_by(col(BotCommand.created_at))
        ).all()
    )


@dataclass(frozen=True)
class _MessageLinks:
    """What ties an outbox message to a person: it is to her, @-mentions her, or is the
    acknowledgement or staff alert of one of her wishes or triage items."""

    wechat_id: str | None
    wish_ids: Sequence[int]
    triage_ids: Sequence[int]

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        keys: list[sa.ColumnElement[bool]] = []
        for chunk in _chunks(list(self.wish_ids)):
            keys.append(col(Outbox.dedupe_key).in_([f"ack:wish:{i}" for i in chunk]))
        keys += [col(Outbox.dedupe_key).startswith(p, autoescape=True) for p in self.prefixes()]
        if self.wechat_id:
            keys.append(col(Outbox.target_id) == self.wechat_id)
            # A prefilter: the JSON text may hold a longer id containing hers; hers() checks.
            mention = json.dumps(self.wechat_id)[1:-1]
            keys.append(
                sa.cast(col(Outbox.mention_ids), sa.String).contains(mention, autoescape=True)
            )
        return keys

    def prefixes(self) -> tuple[str, ...]:
        return tuple(
            [f"alert:wish:{i}:" for i in self.wish_ids]
            + [f"alert:triage:{i}:" for i in self.triage_ids]
        )

    def hers(self, message: Outbox) -> bool:
        key = message.dedupe_key or ""
        prefixes = self.prefixes()
        if key in {f"ack:wish:{i}" for i in self.wish_ids}:
            return True
        if prefixes and key.startswith(prefixes):
            return True
        ident = self.wechat_id
        return bool(ident) and (message.target_id == ident or ident in (message.mention_ids or []))


def person_messages(
    *,
    session: Session,
    person: Person,
    wish_ids: Sequence[int],
    triage_ids: Sequence[int],
    names: Sequence[str],
) -> tuple[list[Outbox], list[Outbox]]:
    """(messages that are hers, other messages that name her). Hers: to her, @-mentioning her,
    the acknowledgement or staff alert of one of her wishes or triage items. The others (a
    圆梦 announcement whose summary names her, an alert whose triage link is gone) keep going
    out, without her name."""
    links = _MessageLinks(person.wechat_id, wish_ids, triage_ids)
    keys = links.clauses()
    named = [n for n in names if len(n) >= 2]  # one character would hit everyone's messages
    keys += [col(Outbox.text).contains(name, autoescape=True) for name in named]
    if not keys:
        return [], []
    rows = session.exec(select(Outbox).where(sa.or_(*keys)).order_by(col(Outbox.id))).all()
    hers = [m for m in rows if links.hers(m)]
    naming = [m for m in rows if not links.hers(m) and any(n in m.text for n in named)]
    return hers, naming


def collect_personal_data(
    *, session: Session, person: Person, now: datetime | None = None
) -> dict[str, Any]:
    """Everything kept about `person`, as one JSON-ready document (the per-person export)."""
    wishes = person_wishes(session=session, person=person)
    wish_ids = [int(w.id or 0) for w in wishes]
    triage = person_triage(session=session, person=person)
    names = sorted({w.submitter_name for w in wishes if w.submitter_name} | _names(person, triage))
    offices = {o.id: o for o in session.exec(select(Office)).all()}
    groups = _by_id(session, Group, {w.group_id for w in wishes if w.group_id})
    events = _grouped(session, WishEvent, col(WishEvent.wish_id), wish_ids, col(WishEvent.id))
    matches = _grouped(session, Match, col(Match.wish_id), wish_ids, col(Match.id))
    fulfilments = {
        f.wish_id: f for rows in _grouped_rows(session, Fulfilment, wish_ids) for f in rows
    }
    repeats = _grouped(session, WishRepeat, col(WishRepeat.wish_id), wish_ids, col(WishRepeat.id))
    resources = _grouped(
        session, Resource, col(Resource.source_wish_id), wish_ids, col(Resource.id)
    )
    corrections = _grouped(
        session, Correction, col(Correction.wish_id), wish_ids, col(Correction.id)
    )
    commands = person_commands(session=session, person=person)
    hers, naming = person_messages(
        session=session,
        person=person,
        wish_ids=wish_ids,
        triage_ids=[int(t.id or 0) for t in triage],
        names=names,
    )
    messages = sorted([*hers, *naming], key=lambda m: int(m.id or 0))

    def wish_doc(wish: Wish) -> dict[str, Any]:
        wid = int(wish.id or 0)
        office = offices.get(wish.office_id)
        group = groups.get(wish.group_id) if wish.group_id else None
        fulfilment = fulfilments.get(wid)
        return {
            "number": wish.number,
            "seq": wish.seq,
            "office": office.name if office else None,
            "group": group.topic if group else None,
            "text": wish.text,
            "submitter_name": wish.submitter_name,
            "submitter_wechat_id": wish.submitter_wechat_id,
            "category": Category(wish.category).label,
            "status": WishStatus(wish.status).label,
            "created_at": _iso(wish.created_at),
            "fulfilled_at": _iso(wish.fulfilled_at),
            "closed_at": _iso(wish.closed_at),
            "timeline": [
                {"at": _iso(e.at), "kind": e.kind, "actor": e.actor, "note": e.note}
                for e in events.get(wid, [])
            ],
            "matched_resources": [m.resource_id for m in matches.get(wid, [])],
            "fulfilment": None
            if fulfilment is None
            else {
                "delivered_on": fulfilment.delivered_on.isoformat(),
                "beneficiaries": fulfilment.beneficiaries,
                "summary": fulfilment.summary,
                "public_summary": fulfilment.public_summary,
                "feedback": fulfilment.feedback,
                "photos": list(fulfilment.photos or []),
            },
            "repeated_times": len(repeats.get(wid, [])),
            "resource_drafts": [
                {"name": r.name, "description": r.description} for r in resources.get(wid, [])
            ],
            "corrections": len(corrections.get(wid, [])),
        }

    return {
        "person": {"wechat_id": person.wechat_id, "names": names},
        "generated_at": _iso(now or utcnow()),
        "wishes": [wish_doc(w) for w in wishes],
        "triage_items": [
            {
                "label": t.label,
                "office": (o.name if (o := offices.get(t.office_id)) else None),
                "text": t.text,
                "talker_name": t.talker_name,
                "status": TriageStatus(t.status).label,
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
            }
            for t in triage
        ],
        "commands": [{"command": c.name, "at": _iso(c.created_at)} for c in commands],
        "messages": [
            {"kind": m.kind, "text": m.text, "status": m.status, "created_at": _iso(m.created_at)}
            for m in messages
        ],
    }


def data_counts(document: dict[str, Any]) -> dict[str, int]:
    """How many items of each kind a personal-data document holds (for the audit log)."""
    return {key: len(document[key]) for key in ("wishes", "triage_items", "commands", "messages")}


def _names(person: Person, triage: Sequence[TriageItem]) -> set[str]:
    found = {t.talker_name for t in triage if t.talker_name}
    if person.name:
        found.add(person.name)
    return found


def _by_id(session: Session, model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(ids))).all()}


def _grouped(
    session: Session, model: Any, key: Any, ids: Sequence[int], order: Any
) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for chunk in _chunks(list(ids)):
        for row in session.exec(select(model).where(key.in_(chunk)).order_by(order)).all():
            found.setdefault(int(getattr(row, key.key)), []).append(row)
    return found


def _grouped_rows(session: Session, model: Any, ids: Sequence[int]) -> list[list[Any]]:
    return [
        list(session.exec(select(model).where(col(model.wish_id).in_(chunk))).all())
        for chunk in _chunks(list(ids))
    ]


# ---- erasure ---------------------------------------------------------------------------------


def anonymise_wishes(
    *,
    session: Session,
    wishes: Sequence[Wish],
    extra_names: Iterable[str] = (),
    messages: bool = True,
) -> dict[str, int]:
    """Takes the personal data out of `wishes` and what hangs off them; the statistics stay.

    Text → ERASED, name, WeChat id, source message id and keywords gone; timeline notes and
    match notes blanked, a member's own timeline entries no longer name her; fulfilment feedback
    and photos removed and her name cut out of the summary; the tokens of her words dropped from
    the recogniser's corrections; a resource draft still holding her masked words loses them;
    the acknowledgements and staff alerts about the wishes are deleted (``messages``; the
    retention job leaves that to the outbox's own, shorter retention). Idempotent."""
    from nlp import mask

    ids = [int(w.id or 0) for w in wishes]
    if not ids:
        return {"wishes": 0}
    names = sorted({w.submitter_name for w in wishes if w.submitter_name} | set(extra_names))
    names = [n for n in names if n]
    drafts = {int(w.id or 0): mask(w.text)[:2000] for w in wishes if w.text != ERASED}
    counts = {"wishes": 0, "events": 0, "fulfilments": 0, "corrections": 0, "messages": 0}
    for chunk in _chunks(ids):
        counts["wishes"] += _rowcount(
            session.execute(
                sa.update(Wish)
                .where(col(Wish.id).in_(chunk))
                .values(
                    text=ERASED,
                    submitter_wechat_id=None,
                    submitter_name=None,
                    source_message_id=None,
                    keywords=[],
                )
                .execution_options(synchronize_session=False)
            )
        )
        counts["events"] += _rowcount(
            session.execute(
                sa.update(WishEvent)
                .where(col(WishEvent.wish_id).in_(chunk), col(WishEvent.note) != "")
                .values(note="")
                .execution_options(synchronize_session=False)
            )
        )
        session.execute(
            sa.update(WishEvent)
            .where(
                col(WishEvent.wish_id).in_(chunk),
                col(WishEvent.actor_staff_id).is_(None),
                col(WishEvent.actor).startswith(MEMBER_ACTOR + " "),
            )
            .values(actor=MEMBER_ACTOR)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.update(Match)
            .where(col(Match.wish_id).in_(chunk), col(Match.note) != "")
            .values(note="")
            .execution_options(synchronize_session=False)
        )
        for fulfilment in session.exec(
            select(Fulfilment).where(col(Fulfilment.wish_id).in_(chunk))
        ).all():
            summary, public = fulfilment.summary, fulfilment.public_summary
            for name in names:
                summary = summary.replace(name, ERASED)
                public = public.replace(name, ERASED) if public else public
            before = (fulfilment.summary, fulfilment.public_summary, fulfilment.feedback)
            if (summary, public, "", []) != (*before, fulfilment.photos):
                fulfilment.summary, fulfilment.public_summary = summary, public
                fulfilment.feedback, fulfilment.photos = "", []
                session.add(fulfilment)
                counts["fulfilments"] += 1
        for correction in session.exec(
            select(Correction).where(col(Correction.wish_id).in_(chunk))
        ).all():
            if "tokens" in (correction.features or {}):
                correction.features = {
                    k: v for k, v in correction.features.items() if k != "tokens"
                }
                session.add(correction)
                counts["corrections"] += 1
        for resource in session.exec(
            select(Resource).where(col(Resource.source_wish_id).in_(chunk))
        ).all():
            source = drafts.get(int(resource.source_wish_id or 0))
            if source is not None and resource.description == source:
                resource.description = ERASED
                session.add(resource)
        for repeat in session.exec(select(WishRepeat).where(col(WishRepeat.wish_id).in_(chunk))):
            marker = f"erased:{repeat.id}"
            if repeat.message_id != marker:
                repeat.message_id = marker  # unique, and no longer her WeChat message
                session.add(repeat)
    if messages:
        counts["messages"] = _forget_messages(
            session,
            *person_messages(
                session=session, person=_NOBODY, wish_ids=ids, triage_ids=[], names=names
            ),
            names=names,
        )
    session.flush()
    session.expire_all()  # objects in the session must not keep the erased words
    return counts


class _Nobody(Person):
    def __post_init__(self) -> None:  # the wishes name themselves: no id to match on
        pass


_NOBODY = _Nobody()


def erase_person(
    *, session: Session, person: Person, keep_message_id: str | None = None
) -> dict[str, int]:
    """Erases every datum about `person` (see the module docstring). Returns counts per kind.

    ``keep_message_id``: the bot command doing the erasure (删除我的信息 → 确认删除); its log row
    stays, without her id, to answer a replay of that message."""
    wishes = person_wishes(session=session, person=person)
    triage = person_triage(session=session, person=person)
    names = {w.submitter_name for w in wishes if w.submitter_name} | _names(person, triage)
    counts = anonymise_wishes(session=session, wishes=wishes, extra_names=names)
    counts["messages"] = counts.get("messages", 0) + _forget_messages(
        session,
        *person_messages(
            session=session,
            person=person,
            wish_ids=[],
            triage_ids=[int(t.id or 0) for t in triage],
            names=sorted(names),
        ),
        names=sorted(names),
    )
    counts["triage_items"] = 0
    for chunk in _chunks([int(t.id or 0) for t in triage]):
        counts["triage_items"] += _rowcount(
            session.execute(sa.delete(TriageItem).where(col(TriageItem.id).in_(chunk)))
        )
    counts["commands"] = _scrub_command_replies(session, sorted(names))
    if person.wechat_id:
        mine = col(BotCommand.talker_wechat_id) == person.wechat_id
        if keep_message_id is not None:
            session.execute(
                sa.update(BotCommand)
                .where(mine, col(BotCommand.message_id) == keep_message_id)
                .values(talker_wechat_id=None)
                .execution_options(synchronize_session=False)
            )
        counts["commands"] += _rowcount(
            session.execute(
                sa.delete(BotCommand).where(mine).execution_options(synchronize_session=False)
            )
        )
        # The private channel's records of her: where she was seen, the notice sent (so a later
        # wish brings the notice again), a private wish still waiting for her office choice.
        counts["memberships"] = _rowcount(
            session.execute(
                sa.delete(Membership).where(col(Membership.wechat_id) == person.wechat_id)
            )
        )
        session.execute(
            sa.delete(PrivacyNotice).where(col(PrivacyNotice.wechat_id) == person.wechat_id)
        )
        counts["private_choices"] = _rowcount(
            session.execute(
                sa.delete(PrivateChoice).where(
                    col(PrivateChoice.talker_wechat_id) == person.wechat_id
                )
            )
        )
    session.flush()
    session.expire_all()
    logger.info("personal data erased: %s", counts)
    return counts


def _scrub_command_replies(session: Session, names: Sequence[str]) -> int:
    """Staff commands' stored replies that name her (已为张秀英登记心愿 #3) lose the name; the
    reply stays to answer a replay of that message. JSON may hold the name escaped (\\uXXXX)."""
    named = [n for n in names if len(n) >= 2]
    if not named:
        return 0
    reply = sa.cast(col(BotCommand.reply), sa.String)
    clauses = [reply.contains(n, autoescape=True) for n in named] + [
        reply.contains(json.dumps(n)[1:-1], autoescape=True) for n in named
    ]
    changed = 0
    for row in session.exec(select(BotCommand).where(sa.or_(*clauses))).all():
        scrubbed = _without_names(row.reply, named)
        if scrubbed != row.reply:
            row.reply = scrubbed
            session.add(row)
            changed += 1
    session.flush()
    return changed


def _without_names(value: Any, names: Sequence[str]) -> Any:
    if isinstance(value, str):
        for name in names:
            value = value.replace(name, ERASED)
        return value
    if isinstance(value, dict):
        return {k: _without_names(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_names(v, names) for v in value]
    return value


def _forget_messages(
    session: Session, hers: Sequence[Outbox], naming: Sequence[Outbox], *, names: Sequence[str]
) -> int:
    """Deletes her messages; cuts her name out of the others. Returns how many changed."""
    for message in naming:
        text = message.text
        for name in names:
            if len(name) >= 2:
                text = text.replace(name, ERASED)
        message.text = text
        session.add(message)
    session.flush()
    return _delete_messages(session, hers) + len(naming)


def _delete_messages(session: Session, messages: Sequence[Outbox]) -> int:
    ids = [int(m.id or 0) for m in messages]
    deleted = 0
    for chunk in _chunks(ids):
        deleted += _rowcount(
            session.execute(
                sa.delete(Outbox)
                .where(col(Outbox.id).in_(chunk))
                .execution_options(synchronize_session=False)
            )
        )
    return deleted


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
