"""Staff commands from WeChat: claim, match, start, complete, close, recategorise, lists,
suggestions (推荐) and offers turned into resource drafts (转资源).

Only staff reach these: api/chat/commands.py refuses members every command the parser's table
flags ``staff_only`` (tests/api/chat/ ties that flag to this table).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select

from api.chat.alerts import suggested
from api.chat.context import CommandContext
from api.chat.triage import TRIAGE_HANDLERS
from api.domain.common import subtree_clause
from api.domain.corrections import learn_from
from api.domain.resources import draft_resource_from_offer, refuse_unseen_resources
from api.domain.wishes import fulfil_wish, match_wish, recategorise_wish, transition_wish
from api.domain.workflow import Action
from models import Resource, Staff, Wish
from models.clock import to_local, utcnow
from models.enums import OPEN_STATUSES, Category, CloseReason, WishStatus
from models.wish import MAX_WISH_TEXT, FulfilmentCreate
from models.wording import staff as for_staff

LIST_LIMIT = 10
SUGGESTIONS = 3
UNMATCHED = (WishStatus.new, WishStatus.claimed)


def _staff(ctx: CommandContext) -> Staff:
    assert ctx.staff is not None and ctx.home is not None, "a staff command reached a member"
    return ctx.staff


def _claim(ctx: CommandContext) -> str:
    staff = _staff(ctx)
    wish = transition_wish(
        session=ctx.session, wish=ctx.wish(), action=Action.claim, actor=ctx.actor
    )
    return for_staff.claimed(wish.seq, staff.name)


def _match(ctx: CommandContext) -> str:
    _staff(ctx)
    assert ctx.home is not None
    ids = [int(i) for i in ctx.args.get("resource_ids", [])]
    # The same resource rule as the admin API: staff match what their office may see.
    refuse_unseen_resources(ctx.session, ids, staff_of=ctx.home.path)
    wish = match_wish(session=ctx.session, wish=ctx.wish(), resource_ids=ids, actor=ctx.actor)
    names = ctx.session.exec(
        select(Resource.name).where(col(Resource.id).in_(ids)).order_by(col(Resource.id))
    ).all()
    return for_staff.matched(wish.seq, names)


def _start(ctx: CommandContext) -> str:
    _staff(ctx)
    wish = transition_wish(
        session=ctx.session, wish=ctx.wish(), action=Action.start, actor=ctx.actor
    )
    return for_staff.started(wish.seq)


def _complete(ctx: CommandContext) -> str:
    _staff(ctx)
    beneficiaries = int(ctx.args.get("beneficiaries") or 0)
    value = float(ctx.args.get("value_yuan") or 0)
    fulfilment = FulfilmentCreate(
        delivered_on=to_local(utcnow()).date(),
        beneficiaries=beneficiaries,
        value_yuan=value,
        summary=str(ctx.args.get("summary") or "")[:MAX_WISH_TEXT],
        public_summary=str(ctx.args.get("public_summary") or "")[:200] or None,
    )
    wish = fulfil_wish(
        session=ctx.session, wish=ctx.wish(), fulfilment_in=fulfilment, actor=ctx.actor
    )
    recorded = for_staff.fulfilled_with_record(
        wish.seq, beneficiaries, value, bool(fulfilment.summary)
    )
    now = utcnow()
    held = ctx.quiet_hours.next_end(now) if ctx.quiet_hours.is_quiet(now) else None
    post = for_staff.announcement_note(
        bool(fulfilment.public_summary), wish.sensitive, held_until=held
    )
    return f"{recorded}\n{post}"


def _close(ctx: CommandContext) -> str:
    _staff(ctx)
    reason = CloseReason(str(ctx.args.get("reason")))
    wish = transition_wish(
        session=ctx.session,
        wish=ctx.wish(),
        action=Action.close,
        actor=ctx.actor,
        close_reason=reason,
        note=str(ctx.args.get("note") or "")[:500],
    )
    return for_staff.closed(wish.seq, reason.label)


def _recategorise(ctx: CommandContext) -> str:
    _staff(ctx)
    new = Category(str(ctx.args.get("category")))
    wish = ctx.wish()
    old = Category(wish.category)
    if not recategorise_wish(session=ctx.session, wish=wish, category=new, actor=ctx.actor):
        return for_staff.category_unchanged(wish.seq, old)
    return for_staff.recategorised(wish.seq, old, new)


def _not_wish(ctx: CommandContext) -> str:
    _staff(ctx)
    wish = ctx.wish()
    old = Category(wish.category)
    wish = transition_wish(
        session=ctx.session,
        wish=wish,
        action=Action.close,
        actor=ctx.actor,
        close_reason=CloseReason.invalid,
        note="不是心愿",
    )
    learn_from(
        session=ctx.session, wish=wish, predicted=old, corrected=None, staff_id=ctx.actor.staff_id
    )
    return for_staff.not_a_wish(wish.seq)


def _in_scope(ctx: CommandContext) -> sa.ColumnElement[bool]:
    """Wishes of the command's office and the offices below it."""
    assert ctx.office.id is not None
    return subtree_clause(ctx.session, col(Wish.office_id), ctx.office.id)


def _todo(ctx: CommandContext) -> str:
    staff = _staff(ctx)
    now = utcnow()
    wishes = ctx.session.exec(
        select(Wish)
        .where(Wish.assignee_id == staff.id, col(Wish.status).in_(OPEN_STATUSES))
        .order_by(col(Wish.created_at))
        .limit(LIST_LIMIT)
    ).all()
    unclaimed = ctx.session.exec(
        select(func.count()).where(Wish.status == WishStatus.new, _in_scope(ctx))
    ).one()
    in_group = ctx.cmd.room_id is not None  # a sensitive wish's category stays out of a group
    lines = [
        (
            w.seq,
            None if w.sensitive and in_group else Category(w.category),
            WishStatus(w.status),
            (now - w.created_at).days,
        )
        for w in wishes
    ]
    return for_staff.todo(lines, int(unclaimed))


def _ledger(ctx: CommandContext) -> str:
    _staff(ctx)
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
    return for_staff.ledger((today_new, today_done), (month_new, month_done), open_count)


def suggestions_for_query(ctx: CommandContext, wish: Wish) -> str:
    """What staff's 查询 adds below the status: suggestions while the wish is not yet matched."""
    if ctx.staff is None or wish.status not in UNMATCHED:
        return ""
    return for_staff.suggestions_below_status(wish.seq, suggested(ctx.session, wish))


def _suggest(ctx: CommandContext) -> str:
    _staff(ctx)
    wish = ctx.wish()
    return for_staff.suggestions(wish.seq, suggested(ctx.session, wish))


def _to_resource(ctx: CommandContext) -> str:
    _staff(ctx)
    wish = ctx.wish()
    resource, created = draft_resource_from_offer(session=ctx.session, wish=wish)
    return for_staff.resource_drafted(wish.seq, resource.id or 0, resource.name, created)


STAFF_HANDLERS: dict[str, Callable[[CommandContext], str]] = {
    "认领": _claim,
    "匹配": _match,
    "开始": _start,
    "完成": _complete,
    "关闭": _close,
    "改类": _recategorise,
    "不是心愿": _not_wish,
    "待办": _todo,
    "台账": _ledger,
    "推荐": _suggest,
    "转资源": _to_resource,
    **TRIAGE_HANDLERS,  # 登记 T12 / 忽略 T12 / 代登记 (api/chat/triage.py)
}
