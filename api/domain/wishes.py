"""The wish lifecycle: numbering, intake, the workflow, matches, fulfilment and edits.

Every function here adds to the caller's transaction and flushes; none commits or rolls back.
The entry point (an admin request, a bot request, a follow-up run) owns the one transaction and
commits it, so a request that fails half way leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.domain.announcements import queue_fulfilment_announcement
from api.domain.corrections import learn_from
from api.domain.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from api.domain.visibility import SensitiveRule, default_rule
from api.domain.workflow import STAMPS, Action, refusal_message, target_of
from models import Fulfilment, Group, Match, Office, Resource, Wish, WishEvent
from models.clock import to_local, utcnow
from models.enums import OPEN_STATUSES, Category, CloseReason, EventKind, WishStatus
from models.wish import MAX_WISH_TEXT, FulfilmentCreate, WishCreate

# The fields an edit may change, as the timeline names them.
EDITABLE = {
    "text": "内容",
    "category": "类别",
    "kind": "类型",
    "organisation_id": "组织",
    "planned_date": "计划日期",
    "sensitive": "敏感标记",
}
SUPPLEMENT_PREFIX = "补充："


@dataclass(frozen=True)
class Actor:
    """Who changes the ledger: shown in the timeline."""

    name: str
    staff_id: int | None = None


def get_wish_by_seq(*, session: Session, office_id: int, seq: int) -> Wish:
    wish = session.exec(select(Wish).where(Wish.office_id == office_id, Wish.seq == seq)).first()
    if wish is None:
        raise NotFound(f"没有找到心愿 #{seq}")
    return wish


def _next_seq(session: Session, office_id: int, scope_path: str | None) -> tuple[int, str]:
    """Atomically hands out the office's next wish number (safe under concurrent inserts).

    One statement for the office: the update checks it exists and, with ``scope_path``, that
    it lies in that subtree, and returns the number and the office code. Only when it matched
    no row is the office read again, to say why."""
    stmt = sa.update(Office).where(col(Office.id) == office_id)
    if scope_path is not None:
        stmt = stmt.where(col(Office.path).startswith(scope_path, autoescape=True))
    row = session.execute(
        stmt.values(wish_seq=col(Office.wish_seq) + 1).returning(
            col(Office.wish_seq), col(Office.code)
        )
    ).first()
    if row is None:
        if session.get(Office, office_id) is None:
            raise InvalidInput(f"office_id：没有编号为 {office_id} 的妇联")
        raise Forbidden(f"妇联 {office_id} 不在您的管辖范围内")
    return int(row[0]), str(row[1])


def create_wish(
    *,
    session: Session,
    wish_in: WishCreate,
    actor: Actor,
    sensitive_rule: SensitiveRule | None = None,
    scope_path: str | None = None,
) -> tuple[Wish, bool]:
    """Logs a wish. Returns (wish, created); a repeated source_message_id returns the first.

    ``wish_in.sensitive`` None: the wish is sensitive if ``sensitive_rule`` (the configured
    api.sensitive_*; default: their defaults) says so.

    ``scope_path``: the caller may only log into offices under this materialised path (a
    staff token's subtree); an office outside it is refused (403) and nothing is written.

    The lean path (a hand-entered wish without message id): one update for the number, one
    insert for the wish (its id from RETURNING), one for the timeline, in the caller's
    transaction. A message id adds the lookup and a savepoint, for deliveries that race."""
    if wish_in.source_message_id:
        existing = _by_message(session, wish_in.source_message_id)
        if existing is not None:
            return existing, False
    office_id = wish_in.office_id
    if wish_in.group_id is not None:
        group = session.get(Group, wish_in.group_id)  # the identity map's, if already checked
        if group is None:
            raise NotFound(f"没有找到编号为 {wish_in.group_id} 的群")
        office_id = office_id or group.office_id
    if office_id is None:
        raise InvalidInput("请指定心愿所属的妇联（office_id），或来源群（group_id）")
    data = wish_in.model_dump(exclude={"office_id"})
    if wish_in.sensitive is None:
        rule = sensitive_rule or default_rule()
        data["sensitive"] = rule.applies(wish_in.text, wish_in.category)

    def insert() -> Wish:
        seq, code = _next_seq(session, office_id, scope_path)
        now = utcnow()
        wish = Wish(
            **data,
            office_id=office_id,
            seq=seq,
            number=f"{code}-{to_local(now).year}-{seq:04d}",
            created_at=now,
            updated_at=now,
        )
        session.add(wish)
        session.flush()
        return wish

    if not wish_in.source_message_id:
        wish = insert()
    else:
        try:
            # A savepoint: of two deliveries of one WeChat message racing, the loser's insert
            # (and the number it drew) is undone alone; the caller's transaction goes on with
            # the winner.
            with session.begin_nested():
                wish = insert()
        except IntegrityError:
            existing = _by_message(session, wish_in.source_message_id)
            if existing is not None:
                return existing, False
            raise
    add_event(session, wish, actor, EventKind.created, to_status=WishStatus.new)
    session.flush()
    return wish, True


def _by_message(session: Session, message_id: str) -> Wish | None:
    return session.exec(select(Wish).where(Wish.source_message_id == message_id)).first()


def transition_wish(
    *,
    session: Session,
    wish: Wish,
    action: Action,
    actor: Actor,
    note: str = "",
    assignee_id: int | None = None,
    close_reason: CloseReason | None = None,
) -> Wish:
    """Moves a wish along the workflow with a conditional update, so of two concurrent
    callers exactly one wins and the other gets InvalidTransition (409)."""
    current = WishStatus(wish.status)
    target = target_of(action, current)
    if target is None:
        raise InvalidTransition(refusal_message(action, current))
    if action == Action.close and close_reason is None:
        raise InvalidInput("关闭心愿需要说明原因：重复、撤回、无效或无法帮助")
    now = utcnow()
    values: dict[str, Any] = {
        "status": target,
        "version": Wish.version + 1,
        "updated_at": now,
        # Any movement restarts the follow-up clock.
        "reminded_at": None,
        "next_reminder_at": None,
        "escalation_level": 0,
        "escalated_at": None,
    }
    if target in STAMPS:
        values[STAMPS[target]] = now
    if action == Action.claim:
        values["assignee_id"] = assignee_id if assignee_id is not None else actor.staff_id
    if action == Action.close:
        values["close_reason"] = close_reason
    if action == Action.reopen:
        values.update(close_reason=None, closed_at=None)
    result = session.execute(
        sa.update(Wish).where(col(Wish.id) == wish.id, col(Wish.status) == current).values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(wish)  # the status the other caller left, for the message
        raise InvalidTransition(refusal_message(action, WishStatus(wish.status)))
    add_event(
        session,
        wish,
        actor,
        EventKind.transition,
        from_status=current,
        to_status=target,
        note=note or (CloseReason(close_reason).label if close_reason else ""),
    )
    session.flush()
    session.refresh(wish)
    return wish


def add_event(
    session: Session,
    wish: Wish,
    actor: Actor,
    kind: EventKind,
    *,
    from_status: WishStatus | None = None,
    to_status: WishStatus | None = None,
    note: str = "",
) -> WishEvent:
    assert wish.id is not None
    event = WishEvent(
        wish_id=wish.id,
        kind=kind,
        actor=actor.name,
        actor_staff_id=actor.staff_id,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
    session.add(event)
    return event


def match_wish(
    *,
    session: Session,
    wish: Wish,
    resource_ids: list[int],
    actor: Actor,
    note: str = "",
) -> Wish:
    """Links resources to a wish (派单/点单). A claimed wish moves to matched; a new wish is
    claimed by the actor first; an already matched or in-service wish just gains resources."""
    if not resource_ids:
        raise InvalidInput("请至少指定一个资源")
    resources = []
    for resource_id in dict.fromkeys(resource_ids):
        resource = session.get(Resource, resource_id)
        if resource is None:  # a bad reference in the request, not a missing wish: 422
            raise InvalidInput(f"没有找到资源{resource_id}")
        if not resource.active:
            raise InvalidInput(f"资源{resource_id}（{resource.name}）已停用")
        resources.append(resource)
    status = WishStatus(wish.status)
    if status not in OPEN_STATUSES:
        raise InvalidTransition(refusal_message(Action.match, status))
    existing = set(session.exec(select(Match.resource_id).where(Match.wish_id == wish.id)).all())
    assert wish.id is not None
    for resource in resources:
        if resource.id in existing:
            continue
        assert resource.id is not None
        session.add(
            Match(wish_id=wish.id, resource_id=resource.id, note=note, created_by=actor.name)
        )
        add_event(
            session, wish, actor, EventKind.matched, note=f"资源{resource.id} {resource.name}"
        )
    if status == WishStatus.new:
        wish = transition_wish(session=session, wish=wish, action=Action.claim, actor=actor)
        status = WishStatus.claimed
    if status == WishStatus.claimed:
        wish = transition_wish(
            session=session, wish=wish, action=Action.match, actor=actor, note=note
        )
    session.flush()
    return wish


def fulfil_wish(
    *,
    session: Session,
    wish: Wish,
    fulfilment_in: FulfilmentCreate,
    actor: Actor,
) -> Wish:
    """Records what was delivered (暖心满溢录), marks the wish fulfilled and queues the 圆梦
    announcement for the group it came from."""
    wish = transition_wish(session=session, wish=wish, action=Action.fulfil, actor=actor)
    assert wish.id is not None
    fulfilment = Fulfilment.model_validate(fulfilment_in, update={"wish_id": wish.id})
    session.add(fulfilment)
    session.flush()
    queue_fulfilment_announcement(session=session, wish=wish, fulfilment=fulfilment)
    session.flush()
    return wish


def link_ordered_resource(
    *, session: Session, wish: Wish, resource: Resource, actor: Actor
) -> None:
    """点单: the member chose the resource herself. The wish stays new until staff claim it."""
    assert wish.id is not None and resource.id is not None
    session.add(Match(wish_id=wish.id, resource_id=resource.id, created_by="点单"))
    add_event(session, wish, actor, EventKind.matched, note=f"点单：资源{resource.id}")
    session.flush()


def edit_wish(
    *,
    session: Session,
    wish: Wish,
    changes: Mapping[str, Any],
    actor: Actor,
    expected_version: int | None = None,
) -> Wish:
    """Changes a wish's own fields (EDITABLE) as ONE edit: one new version, and the timeline
    says what changed. A changed category is a recategorisation (recategorise_wish's rule).

    ``expected_version``: the version the editor saw. If the wish changed since (an edit, a
    transition), Conflict (409, details name the current version) and nothing is written: the
    editor reloads instead of overwriting a change she never saw. Nothing to change: no event,
    no new version."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(f"不能修改这些字段：{'、'.join(unknown)}")
    if expected_version is not None and expected_version != wish.version:
        raise _stale(wish, expected_version)
    changed = {k: v for k, v in changes.items() if getattr(wish, k) != v}
    if not changed:
        return wish
    seen = wish.version
    # Compare-and-set on the version read: of two editors racing, the second is refused.
    result = session.execute(
        sa.update(Wish)
        .where(col(Wish.id) == wish.id, col(Wish.version) == seen)
        .values(**changed, version=Wish.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(wish)
        raise _stale(wish, seen)
    if "category" in changed:
        old, new = Category(wish.category), Category(changed["category"])
        note = f"{old.label} → {new.label}"
        add_event(session, wish, actor, EventKind.category_changed, note=note)
        # Before the refresh: the correction describes the text the recogniser classified.
        learn_from(
            session=session, wish=wish, predicted=old, corrected=new, staff_id=actor.staff_id
        )
    others = [EDITABLE[k] for k in changed if k != "category"]
    if others:
        add_event(session, wish, actor, EventKind.note, note="修改了" + "、".join(others))
    session.flush()
    session.refresh(wish)
    return wish


def recategorise_wish(*, session: Session, wish: Wish, category: Category, actor: Actor) -> bool:
    """Gives a wish another category (改类 in the group, PATCH in the admin API): one timeline
    note, one new version, and a correction the recogniser can learn from. False: the wish
    already had that category and nothing was written."""
    before = wish.version
    edit_wish(session=session, wish=wish, changes={"category": category}, actor=actor)
    return wish.version != before


def supplement_wish(*, session: Session, wish: Wish, text: str, actor: Actor) -> Wish:
    """A member's 补充: a note on the timeline, so the text stays as she first wrote it and an
    editor's version is not invalidated by it."""
    note = text.strip()[: MAX_WISH_TEXT - len(SUPPLEMENT_PREFIX)]
    if not note:
        raise InvalidInput("请写上要补充的内容")
    add_event(session, wish, actor, EventKind.note, note=SUPPLEMENT_PREFIX + note)
    wish.updated_at = utcnow()
    session.add(wish)
    session.flush()
    return wish


def _stale(wish: Wish, seen: int) -> Conflict:
    return Conflict(
        f"心愿 #{wish.seq} 已经被修改过（您看到的是第 {seen} 版，现在是第 {wish.version} 版），"
        "请刷新后再修改",
        details={"current_version": wish.version, "your_version": seen},
    )
