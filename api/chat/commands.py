"""Commands from WeChat: who may run which, running each once, and the members' commands.

Which commands are for staff only is decided by the parser's command table
(``nlp.commands.Command.staff_only``), nowhere else. Each command is ONE transaction, owned by
the bot request (api/http/routes/bot.py): the message id is reserved, the command runs, the reply
is stored, and all of it commits together. A refused command (a domain error, a wish that is not
hers) rolls back its own changes in a savepoint and keeps the reservation with the refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.chat.context import CommandContext, Refusal, find_group, find_staff
from api.chat.privacy import PRIVACY_COMMANDS, run_privacy_command
from api.chat.private import choose_office, command_office, record_membership
from api.chat.schemas import BotCommandIn, BotReply
from api.chat.staff_commands import STAFF_HANDLERS, suggestions_for_query
from api.domain.duplicates import repeats_of
from api.domain.errors import DomainError
from api.domain.resources import serving_clause
from api.domain.visibility import SensitiveRule, staff_view
from api.domain.wishes import supplement_wish, transition_wish
from api.domain.workflow import Action
from models import BotCommand, Office, Resource, Wish
from models.config import DEFAULT_RETENTION_MONTHS
from models.enums import Category, CloseReason, WishStatus
from models.quiet import NO_QUIET_HOURS, QuietHours
from models.wording import members as for_members
from models.wording import staff as for_staff
from nlp.commands import PRIVATE_CHOICE, command_type

logger = logging.getLogger(__name__)

LIST_LIMIT = 10

Handler = Callable[[CommandContext], str]


def is_staff_only(name: str) -> bool:
    command = command_type(name)
    return command is not None and command.staff_only


def run_command_once(
    *,
    session: Session,
    command_in: BotCommandIn,
    retention_months: int = DEFAULT_RETENTION_MONTHS,
    urgent_words: Sequence[str] = (),
    privacy_notice: str = "",
    sensitive_rule: SensitiveRule | None = None,
    quiet_hours: QuietHours = NO_QUIET_HOURS,
) -> BotReply:
    """run_command at most once per WeChat message id: a replay (the bot restarted before it
    could answer, or a second API worker got the retry) gets the first reply back instead of
    applying the command again — 补充 must not add its note twice. An unexpected error rolls
    the whole transaction back, reservation included, so the bot's retry runs it afresh."""
    row, earlier = _reserve(session, command_in)
    if earlier is not None:
        return earlier
    assert row is not None
    if command_in.command.name in PRIVACY_COMMANDS:  # 我的信息 …: private only, own rules
        reply = run_privacy_command(
            session=session, command_in=command_in, retention_months=retention_months
        )
    else:
        reply = run_command(
            session=session,
            command_in=command_in,
            urgent_words=urgent_words,
            privacy_notice=privacy_notice,
            sensitive_rule=sensitive_rule,
            quiet_hours=quiet_hours,
        )
    row.reply = reply.model_dump(mode="json")
    session.add(row)
    session.flush()
    return reply


def _reserve(
    session: Session, command_in: BotCommandIn
) -> tuple[BotCommand | None, BotReply | None]:
    """Claims the message id: (the new row, None), or (None, the earlier reply)."""
    existing = session.get(BotCommand, command_in.message_id)
    if existing is None:
        row = BotCommand(
            message_id=command_in.message_id,
            name=command_in.command.name,
            talker_wechat_id=command_in.talker_id,  # erasure and 确认删除 find hers by it
        )
        try:
            with session.begin_nested():
                session.add(row)
            return row, None
        except IntegrityError:  # the same message raced in through another worker, which won
            existing = session.get(BotCommand, command_in.message_id)
    if existing is None or existing.reply is None:
        return None, BotReply(ok=False, reply=for_members.COMMAND_ALREADY_TAKEN)
    return None, BotReply.model_validate(existing.reply)


def run_command(
    *,
    session: Session,
    command_in: BotCommandIn,
    urgent_words: Sequence[str] = (),
    privacy_notice: str = "",
    sensitive_rule: SensitiveRule | None = None,
    quiet_hours: QuietHours = NO_QUIET_HOURS,
) -> BotReply:
    """Runs one command in a savepoint: a refusal undoes what the handler wrote and becomes the
    reply. Domain errors carry messages written for people; nothing else is shown.

    Accepted only from a group the ledger has enabled, or privately from active staff or a known
    member (seen in an enabled group, api/chat/private.py); anything else is refused politely
    and nothing is done. The talker id is the bot's word: see README, 机器人令牌."""
    name = command_in.command.name
    staff_only = is_staff_only(name)
    staff = find_staff(session, command_in.talker_id)
    if command_in.room_id is not None:
        group = find_group(session, command_in.room_id)
        if group is None or not group.enabled:
            return BotReply(ok=False, ignored=True)
        if group.office_id is None:
            return BotReply(ok=False, reply=for_members.GROUP_WITHOUT_OFFICE)
        if staff is None:
            record_membership(session=session, wechat_id=command_in.talker_id, group=group)
        office = session.get(Office, group.office_id)
    elif name == PRIVATE_CHOICE:
        return choose_office(
            session=session,
            command_in=command_in,
            urgent_words=urgent_words,
            privacy_notice=privacy_notice,
            sensitive_rule=sensitive_rule,
        )
    elif staff is not None:
        office = session.get(Office, staff.office_id)
    elif staff_only:
        return BotReply(ok=False, reply=for_members.staff_only(name))
    else:
        office = command_office(session, command_in)
        if office is None:  # nobody the ledger knows: nothing is done
            return BotReply(ok=False, reply=for_members.PRIVATE_COMMAND_UNKNOWN)
    assert office is not None
    home = session.get(Office, staff.office_id) if staff is not None else None
    if staff_only:
        if staff is None:
            return BotReply(ok=False, reply=for_members.staff_only(name))
        if home is None or not office.path.startswith(home.path):
            return BotReply(ok=False, reply=for_staff.NOT_IN_OFFICE_SCOPE)
    handler = HANDLERS.get(name)
    if handler is None:
        return BotReply(ok=False, reply=for_members.command_error(for_members.COMMAND_UNAVAILABLE))
    ctx = CommandContext(
        session=session,
        cmd=command_in,
        office=office,
        staff=staff,
        home=home,
        privacy_notice=privacy_notice,
        sensitive_rule=sensitive_rule,
        quiet_hours=quiet_hours,
    )
    try:
        with session.begin_nested():
            return BotReply(reply=handler(ctx))
    except Refusal as refusal:
        return BotReply(ok=False, reply=refusal.reply)
    except DomainError as exc:
        # Invalid transitions, inactive resources …: the message is written for people.
        logger.info("command %s refused: %s", name, exc.code)
        return BotReply(ok=False, reply=exc.message)


# ---- members' commands (staff may use them too) --------------------------------------------


def _query(ctx: CommandContext) -> str:
    wish = ctx.own_wish()
    # A sensitive wish's category is said to no group, and to no staff member who may not read
    # it (api/domain/visibility.py); nor are the resources that would help it.
    hidden = wish.sensitive and (
        ctx.cmd.room_id is not None
        or (ctx.staff is not None and staff_view(ctx.staff.id, wish) != "full")
    )
    category = None if hidden else Category(wish.category)
    status = for_members.wish_status(wish.seq, category, WishStatus(wish.status))
    more = "" if hidden else suggestions_for_query(ctx, wish)  # staff, while not yet matched
    if ctx.staff is not None:  # staff see the member's repeats merged into it (no text)
        repeats = repeats_of(ctx.session, wish)
        if repeats.times:
            status += "\n" + for_staff.repeated_elsewhere(wish.seq, repeats.times, repeats.groups)
    return f"{status}\n{more}" if more else status


def _my_wishes(ctx: CommandContext) -> str:
    wishes = ctx.session.exec(
        select(Wish)
        .where(Wish.submitter_wechat_id == ctx.cmd.talker_id, Wish.office_id == ctx.office.id)
        .order_by(col(Wish.created_at).desc())
        .limit(LIST_LIMIT)
    ).all()
    in_group = ctx.cmd.room_id is not None  # a sensitive wish's category stays out of a group
    lines = [
        (w.seq, None if w.sensitive and in_group else Category(w.category), WishStatus(w.status))
        for w in wishes
    ]
    return for_members.my_wishes(lines)


def _supplement(ctx: CommandContext) -> str:
    wish = ctx.own_wish()
    supplement_wish(
        session=ctx.session, wish=wish, text=str(ctx.args.get("text", "")), actor=ctx.actor
    )
    return for_members.supplemented(wish.seq)


def _withdraw(ctx: CommandContext) -> str:
    wish = ctx.own_wish()
    transition_wish(
        session=ctx.session,
        wish=wish,
        action=Action.close,
        actor=ctx.actor,
        close_reason=CloseReason.withdrawn,
    )
    return for_members.withdrawn(wish.seq)


def _resources(ctx: CommandContext) -> str:
    """点单 menu: the active resources serving this group's office (the library's one rule)."""
    keyword = str(ctx.args.get("keyword") or "").strip()
    rows = ctx.session.exec(
        select(Resource)
        .where(col(Resource.active).is_(True), serving_clause(ctx.office.path))
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
    return for_members.resource_list(items, keyword)


def _help(ctx: CommandContext) -> str:
    return for_staff.STAFF_HELP if ctx.staff is not None else for_members.MEMBER_HELP


MEMBER_HANDLERS: dict[str, Handler] = {
    "查询": _query,
    "我的心愿": _my_wishes,
    "补充": _supplement,
    "撤回": _withdraw,
    "资源": _resources,
    "帮助": _help,
}
# Every command the chat service runs, by the name nlp.commands gives it.
HANDLERS: dict[str, Handler] = {**MEMBER_HANDLERS, **STAFF_HANDLERS}
