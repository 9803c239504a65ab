"""What the WeChat bot asks of the ledger: groups it sees, wishes, commands, outbox delivery.

Every reply meant for WeChat is rendered here with bot/texts.py, the one home of the bot's
Chinese wording. Domain errors raised by the wish services carry user-safe Chinese messages and
become the reply; anything else propagates to the API's error boundary.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from api.domain.common import subtree_clause
from api.domain.corrections import learn_from
from api.domain.errors import DomainError, NotFound
from api.domain.outbox import lease_messages
from api.domain.wishes import (
    Actor,
    add_event,
    create_wish,
    fulfil_wish,
    get_wish_by_seq,
    match_wish,
    transition_wish,
)
from api.domain.workflow import Action
from bot import texts
from models import BotCommand, Group, Match, Office, Resource, Staff, Wish
from models.clock import to_local, utcnow
from models.enums import (
    OPEN_STATUSES,
    Category,
    CloseReason,
    EventKind,
    WishKind,
    WishStatus,
)
from models.wish import MAX_WISH_TEXT, FulfilmentCreate, WishCreate

logger = logging.getLogger(__name__)

STAFF_COMMANDS = frozenset(
    {"认领", "匹配", "开始", "完成", "关闭", "改类", "不是心愿", "待办", "台账"}
)
LIST_LIMIT = 10

# ---- wire models ---------------------------------------------------------------------------------


class GroupSeenIn(BaseModel):
    room_id: str = Field(min_length=1, max_length=100)
    topic: str = Field(default="", max_length=200)


class GroupSeenOut(BaseModel):
    group_id: int
    enabled: bool
    office_id: int | None
    is_staff_group: bool
    created: bool


class _FromMessage(BaseModel):
    room_id: str | None = Field(default=None, max_length=100)
    talker_id: str = Field(min_length=1, max_length=100)
    talker_name: str = Field(default="", max_length=200)
    message_id: str = Field(min_length=1, max_length=100)


class BotWishIn(_FromMessage):
    text: str = Field(min_length=1, max_length=20000)
    category: Category | None = None
    kind: WishKind | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    keywords: list[str] = Field(default_factory=list)
    resource_id: int | None = None


class CommandIn(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    args: dict[str, Any] = Field(default_factory=dict)


class BotCommandIn(_FromMessage):
    command: CommandIn


class BotReply(BaseModel):
    """What the bot says back. ``ignored``: say nothing (the group is not enabled)."""

    ok: bool = True
    ignored: bool = False
    reply: str = ""
    wish_id: int | None = None
    seq: int | None = None
    number: str | None = None
    category: Category | None = None
    created: bool | None = None


class BotOutboxItem(BaseModel):
    id: int
    target_kind: str
    target_id: str
    text: str
    mention_ids: list[str]
    urgent: bool
    kind: str


# ---- groups and staff ----------------------------------------------------------------------------


def group_seen(*, session: Session, room_id: str, topic: str) -> GroupSeenOut:
    """The group, registered disabled when the bot sees it for the first time."""
    group = _group(session, room_id)
    created = False
    if group is None:
        group = Group(room_id=room_id, topic=topic[:200], enabled=False)
        session.add(group)
        try:
            session.commit()
            created = True
            logger.info("new WeChat group registered (disabled): %s", room_id)
        except sa.exc.IntegrityError:
            session.rollback()  # the same group reported twice at once
            group = _group(session, room_id)
            if group is None:
                raise
        session.refresh(group)
    elif topic and group.topic != topic:
        group.topic = topic[:200]
        session.add(group)
        session.commit()
        session.refresh(group)
    assert group.id is not None
    return GroupSeenOut(
        group_id=group.id,
        enabled=group.enabled,
        office_id=group.office_id,
        is_staff_group=group.is_staff_group,
        created=created,
    )


def _group(session: Session, room_id: str) -> Group | None:
    return session.exec(select(Group).where(Group.room_id == room_id)).first()


def _staff(session: Session, wechat_id: str) -> Staff | None:
    return session.exec(
        select(Staff).where(Staff.wechat_id == wechat_id, col(Staff.active).is_(True))
    ).first()


def submit_wish(*, session: Session, wish_in: BotWishIn) -> BotReply:
    """Logs a wish posted in a group; idempotent on the WeChat message id."""
    from nlp import mask

    group = _group(session, wish_in.room_id) if wish_in.room_id else None
    if group is None or not group.enabled or group.office_id is None:
        if group is not None and group.enabled:
            logger.warning("group %s is enabled but has no office: wish not logged", group.id)
        return BotReply(ok=False, ignored=True)
    resource: Resource | None = None
    category = wish_in.category or Category.other
    text = wish_in.text
    if wish_in.resource_id is not None:
        resource = session.get(Resource, wish_in.resource_id)
        if resource is None or not resource.active:
            return BotReply(ok=False, reply=texts.resource_not_found(wish_in.resource_id))
        if resource.categories:
            category = Category(resource.categories[0])
        text = f"{text}（点单：资源{resource.id} {resource.name}）"
    wish, created = create_wish(
        session=session,
        wish_in=WishCreate(
            text=text[:MAX_WISH_TEXT],
            category=category,
            kind=wish_in.kind or WishKind.need,
            group_id=group.id,
            submitter_wechat_id=wish_in.talker_id,
            submitter_name=wish_in.talker_name[:50] or None,
            source_message_id=wish_in.message_id,
            confidence=wish_in.confidence,
            keywords=wish_in.keywords[:50],
        ),
        actor=Actor(name="bot"),
    )
    if resource is not None:
        if created:
            _link_resource(session, wish, resource)
        reply = texts.resource_wish_received(wish.seq, resource.name)
    else:
        masked = mask(wish_in.text)
        contact = _masked_numbers(masked) if masked != wish_in.text else None
        reply = texts.wish_received(wish.seq, Category(wish.category), masked_contact=contact)
    return BotReply(
        reply=reply,
        wish_id=wish.id,
        seq=wish.seq,
        number=wish.number,
        category=Category(wish.category),
        created=created,
    )


def _masked_numbers(masked: str) -> str:
    """The masked phone/ID numbers of a text, e.g. "138****5678"."""
    found = re.findall(r"[0-9A-Za-z]*\*{4,}[0-9A-Za-z]*", masked)
    return "、".join(found[:2])


def _link_resource(session: Session, wish: Wish, resource: Resource) -> None:
    """点单: the member chose the resource. The wish stays new until staff claim it."""
    assert wish.id is not None and resource.id is not None
    session.add(Match(wish_id=wish.id, resource_id=resource.id, created_by="点单"))
    add_event(session, wish, Actor(name="bot"), EventKind.matched, note=f"点单：资源{resource.id}")
    session.commit()


# ---- commands ------------------------------------------------------------------------------------


class _Ctx:
    def __init__(self, session: Session, cmd: BotCommandIn, office: Office, staff: Staff | None):
        self.session = session
        self.cmd = cmd
        self.office = office
        self.staff = staff
        self.args = cmd.command.args

    @property
    def staff_id(self) -> int | None:
        return self.staff.id if self.staff is not None else None

    @property
    def actor(self) -> Actor:
        if self.staff is not None:
            return Actor(name=self.staff.name, staff_id=self.staff.id)
        return Actor(name=f"成员 {self.cmd.talker_name[:40]}".strip())

    def seq(self) -> int:
        return int(self.args["wish_id"])

    def wish(self) -> Wish:
        seq = self.seq()
        try:
            return get_wish_by_seq(session=self.session, office_id=self.office.id or 0, seq=seq)
        except NotFound:
            raise _Refusal(texts.wish_not_found(seq)) from None

    def own_wish(self) -> Wish:
        """A member's own wish (staff may look at any wish of the office)."""
        seq = self.seq()
        try:
            wish = self.wish()
        except _Refusal:
            raise _Refusal(texts.not_your_wish(seq)) from None
        if self.staff is None and wish.submitter_wechat_id != self.cmd.talker_id:
            raise _Refusal(texts.not_your_wish(seq))
        return wish


class _Refusal(Exception):
    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


def run_command(*, session: Session, command_in: BotCommandIn) -> BotReply:
    name = command_in.command.name
    staff = _staff(session, command_in.talker_id)
    if command_in.room_id is not None:
        group = _group(session, command_in.room_id)
        if group is None or not group.enabled:
            return BotReply(ok=False, ignored=True)
        if group.office_id is None:
            return BotReply(ok=False, reply=texts.GROUP_WITHOUT_OFFICE)
        office = session.get(Office, group.office_id)
    elif staff is not None:
        office = session.get(Office, staff.office_id)
    else:
        reply = texts.staff_only(name) if name in STAFF_COMMANDS else texts.PRIVATE_MEMBERS
        return BotReply(ok=False, reply=reply)
    assert office is not None
    if name in STAFF_COMMANDS:
        if staff is None:
            return BotReply(ok=False, reply=texts.staff_only(name))
        home = session.get(Office, staff.office_id)
        if home is None or not office.path.startswith(home.path):
            return BotReply(ok=False, reply=texts.NOT_IN_OFFICE_SCOPE)
    handler = _HANDLERS.get(name)
    if handler is None:
        return BotReply(ok=False, reply=texts.command_error("这条指令现在不能用"))
    ctx = _Ctx(session, command_in, office, staff)
    try:
        return BotReply(reply=handler(ctx))
    except _Refusal as refusal:
        session.rollback()
        return BotReply(ok=False, reply=refusal.reply)
    except DomainError as exc:
        # Domain messages (invalid transitions, missing resources) are written for people.
        session.rollback()
        return BotReply(ok=False, reply=exc.message)


def run_command_once(*, session: Session, command_in: BotCommandIn) -> BotReply:
    """run_command at most once per WeChat message id: a replay (the bot restarted before it
    could answer, or a second API worker got the retry) gets the first reply back instead of
    applying the command again — 补充 must not add its note twice."""
    earlier = _reserve_command(session, command_in)
    if earlier is not None:
        return earlier
    try:
        reply = run_command(session=session, command_in=command_in)
    except Exception:
        # Unexpected failure: free the id so the bot's retry runs the command again.
        session.rollback()
        session.execute(
            sa.delete(BotCommand).where(col(BotCommand.message_id) == command_in.message_id)
        )
        session.commit()
        raise
    row = session.get(BotCommand, command_in.message_id)
    if row is not None:
        row.reply = reply.model_dump(mode="json")
        session.add(row)
        session.commit()
    return reply


def _reserve_command(session: Session, command_in: BotCommandIn) -> BotReply | None:
    """Claims the message id; returns the earlier reply when it was claimed before."""
    existing = session.get(BotCommand, command_in.message_id)
    if existing is None:
        session.add(BotCommand(message_id=command_in.message_id, name=command_in.command.name))
        try:
            session.commit()
            return None
        except IntegrityError:  # the same message raced in through another worker
            session.rollback()
            existing = session.get(BotCommand, command_in.message_id)
    if existing is None or existing.reply is None:
        return BotReply(ok=False, reply=texts.COMMAND_ALREADY_TAKEN)
    return BotReply.model_validate(existing.reply)


def _query(ctx: _Ctx) -> str:
    wish = ctx.own_wish()
    return texts.wish_status(wish.seq, Category(wish.category), WishStatus(wish.status))


def _my_wishes(ctx: _Ctx) -> str:
    wishes = ctx.session.exec(
        select(Wish)
        .where(Wish.submitter_wechat_id == ctx.cmd.talker_id, Wish.office_id == ctx.office.id)
        .order_by(col(Wish.created_at).desc())
        .limit(LIST_LIMIT)
    ).all()
    return texts.my_wishes([(w.seq, Category(w.category), WishStatus(w.status)) for w in wishes])


def _supplement(ctx: _Ctx) -> str:
    wish = ctx.own_wish()
    note = str(ctx.args.get("text", "")).strip()[:MAX_WISH_TEXT]
    add_event(ctx.session, wish, ctx.actor, EventKind.note, note=f"补充：{note}")
    wish.updated_at = utcnow()
    ctx.session.add(wish)
    ctx.session.commit()
    return texts.supplemented(wish.seq)


def _withdraw(ctx: _Ctx) -> str:
    wish = ctx.own_wish()
    transition_wish(
        session=ctx.session,
        wish=wish,
        action=Action.close,
        actor=ctx.actor,
        close_reason=CloseReason.withdrawn,
    )
    return texts.withdrawn(wish.seq)


def _resources(ctx: _Ctx) -> str:
    """点单 menu: active resources of this office, its parents, or everywhere."""
    keyword = str(ctx.args.get("keyword") or "").strip()
    ancestors = [int(p) for p in ctx.office.path.strip("/").split("/") if p]
    rows = ctx.session.exec(
        select(Resource)
        .where(
            col(Resource.active).is_(True),
            sa.or_(col(Resource.office_id).is_(None), col(Resource.office_id).in_(ancestors)),
        )
        .order_by(col(Resource.id))
    ).all()
    if keyword:
        # The library is small and categories are a JSON list: filter in Python.
        category = Category.from_label(keyword)
        rows = [
            r
            for r in rows
            if keyword in f"{r.name} {r.provider} {r.description}"
            or (category is not None and category in r.categories)
        ]
    items = [(r.id or 0, r.name, r.provider) for r in rows[:LIST_LIMIT]]
    return texts.resource_list(items, keyword)


def _claim(ctx: _Ctx) -> str:
    assert ctx.staff is not None
    wish = transition_wish(
        session=ctx.session, wish=ctx.wish(), action=Action.claim, actor=ctx.actor
    )
    return texts.claimed(wish.seq, ctx.staff.name)


def _match(ctx: _Ctx) -> str:
    ids = [int(i) for i in ctx.args.get("resource_ids", [])]
    wish = match_wish(session=ctx.session, wish=ctx.wish(), resource_ids=ids, actor=ctx.actor)
    names = ctx.session.exec(
        select(Resource.name).where(col(Resource.id).in_(ids)).order_by(col(Resource.id))
    ).all()
    return texts.matched(wish.seq, names)


def _start(ctx: _Ctx) -> str:
    wish = transition_wish(
        session=ctx.session, wish=ctx.wish(), action=Action.start, actor=ctx.actor
    )
    return texts.started(wish.seq)


def _complete(ctx: _Ctx) -> str:
    beneficiaries = int(ctx.args.get("beneficiaries") or 0)
    value = float(ctx.args.get("value_yuan") or 0)
    fulfilment = FulfilmentCreate(
        delivered_on=to_local(utcnow()).date(),
        beneficiaries=beneficiaries,
        value_yuan=value,
        summary=str(ctx.args.get("summary") or "")[:MAX_WISH_TEXT],
    )
    wish = fulfil_wish(
        session=ctx.session, wish=ctx.wish(), fulfilment_in=fulfilment, actor=ctx.actor
    )
    return texts.fulfilled(wish.seq, beneficiaries, value)


def _close(ctx: _Ctx) -> str:
    reason = CloseReason(str(ctx.args.get("reason")))
    wish = transition_wish(
        session=ctx.session,
        wish=ctx.wish(),
        action=Action.close,
        actor=ctx.actor,
        close_reason=reason,
        note=str(ctx.args.get("note") or "")[:500],
    )
    return texts.closed(wish.seq, reason.label)


def _recategorise(ctx: _Ctx) -> str:
    new = Category(str(ctx.args.get("category")))
    wish = ctx.wish()
    old = Category(wish.category)
    if old != new:
        wish.category = new
        wish.version += 1
        wish.updated_at = utcnow()
        ctx.session.add(wish)
        note = f"{old.label}→{new.label}"
        add_event(ctx.session, wish, ctx.actor, EventKind.category_changed, note=note)
        learn_from(
            session=ctx.session, wish=wish, predicted=old, corrected=new, staff_id=ctx.staff_id
        )
        ctx.session.commit()
    return texts.recategorised(wish.seq, old, new)


def _not_wish(ctx: _Ctx) -> str:
    wish = ctx.wish()
    old = Category(wish.category)
    wish = transition_wish(
        session=ctx.session,
        wish=wish,
        action=Action.close,
        actor=ctx.actor,
        close_reason=CloseReason.invalid,
        note="不是心愿",
        commit=False,
    )
    learn_from(session=ctx.session, wish=wish, predicted=old, corrected=None, staff_id=ctx.staff_id)
    ctx.session.commit()
    return texts.not_a_wish(wish.seq)


def _in_scope(ctx: _Ctx) -> sa.ColumnElement[bool]:
    """Wishes of the command's office and the offices below it."""
    assert ctx.office.id is not None
    return subtree_clause(ctx.session, col(Wish.office_id), ctx.office.id)


def _todo(ctx: _Ctx) -> str:
    assert ctx.staff is not None
    now = utcnow()
    wishes = ctx.session.exec(
        select(Wish)
        .where(Wish.assignee_id == ctx.staff.id, col(Wish.status).in_(OPEN_STATUSES))
        .order_by(col(Wish.created_at))
        .limit(LIST_LIMIT)
    ).all()
    unclaimed = ctx.session.exec(
        select(func.count()).where(Wish.status == WishStatus.new, _in_scope(ctx))
    ).one()
    lines = [
        (w.seq, Category(w.category), WishStatus(w.status), (now - w.created_at).days)
        for w in wishes
    ]
    return texts.todo(lines, int(unclaimed))


def _ledger(ctx: _Ctx) -> str:
    day = to_local(utcnow()).replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)

    def how_many(condition: sa.ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(sa.case((condition, 1), else_=0)), 0)

    created, fulfilled = col(Wish.created_at), col(Wish.fulfilled_at)
    counts = ctx.session.execute(
        sa.select(
            how_many(created >= day),
            how_many(fulfilled >= day),
            how_many(created >= month),
            how_many(fulfilled >= month),
            how_many(col(Wish.status).in_(OPEN_STATUSES)),
        ).where(_in_scope(ctx))
    ).one()
    today_new, today_done, month_new, month_done, open_count = (int(n) for n in counts)
    return texts.ledger((today_new, today_done), (month_new, month_done), open_count)


def _help(ctx: _Ctx) -> str:
    return texts.STAFF_HELP if ctx.staff is not None else texts.MEMBER_HELP


_HANDLERS: dict[str, Callable[[_Ctx], str]] = {
    "查询": _query,
    "我的心愿": _my_wishes,
    "补充": _supplement,
    "撤回": _withdraw,
    "资源": _resources,
    "服务": _resources,
    "认领": _claim,
    "匹配": _match,
    "开始": _start,
    "完成": _complete,
    "关闭": _close,
    "改类": _recategorise,
    "不是心愿": _not_wish,
    "待办": _todo,
    "台账": _ledger,
    "帮助": _help,
}

# ---- outbox --------------------------------------------------------------------------------------


def lease_for_bot(
    *, session: Session, limit: int, lease_seconds: int, urgent_only: bool
) -> list[BotOutboxItem]:
    """Leases pending outbox messages; during quiet hours the bot asks for urgent ones only."""
    leased = lease_messages(
        session=session, limit=limit, lease_seconds=lease_seconds, urgent_only=urgent_only
    )
    return [
        BotOutboxItem(
            id=m.id or 0,
            target_kind=str(m.target_kind),
            target_id=m.target_id,
            text=m.text,
            mention_ids=list(m.mention_ids),
            urgent=m.urgent,
            kind=m.kind,
        )
        for m in leased
    ]
