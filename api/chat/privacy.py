"""The members' personal-data commands: 我的信息, 删除我的信息 and 确认删除 (PIPL 个人信息权利).

They are answered in a private chat only (a command with no room): in a group the bot asks her,
politely and without a word of her data, to write privately; 确认删除 in a group is not even
answered. 删除我的信息 only asks; the erasure happens when the same person answers 确认删除
within ERASE_CONFIRM_MINUTES, found through the command log (bot_command.talker_wechat_id), so
no other state is kept and a restart of either process loses nothing. Each run is audited.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import Session, col, func, select

from api.chat.context import find_group
from api.chat.schemas import BotCommandIn, BotReply
from api.domain.audit import MEMBER, record_audit, subject_ref
from api.domain.errors import DomainError
from api.domain.privacy import (
    ERASE_CONFIRM_MINUTES,
    Person,
    collect_personal_data,
    data_counts,
    erase_person,
    person_wishes,
)
from models import BotCommand, TriageItem
from models.clock import utcnow
from models.enums import AuditAction, Category, WishStatus
from models.triage import TriageStatus
from models.wording import members as for_members

logger = logging.getLogger(__name__)

MY_DATA = "我的信息"
ERASE = "删除我的信息"
CONFIRM_ERASE = "确认删除"
PRIVACY_COMMANDS = frozenset({MY_DATA, ERASE, CONFIRM_ERASE})
SHOWN_WISHES = 10
EXCERPT_CHARS = 20
SELF = "成员本人"


def run_privacy_command(
    *, session: Session, command_in: BotCommandIn, retention_months: int
) -> BotReply:
    name = command_in.command.name
    if command_in.room_id is not None:
        group = find_group(session, command_in.room_id)
        if group is None or not group.enabled or name == CONFIRM_ERASE:
            return BotReply(ok=False, ignored=True)  # silence: nothing to say in public
        ask = (
            for_members.PRIVACY_ASK_PRIVATELY
            if name == MY_DATA
            else for_members.ERASE_ASK_PRIVATELY
        )
        return BotReply(ok=False, reply=ask)
    person = Person(wechat_id=command_in.talker_id)
    try:
        with session.begin_nested():
            if name == MY_DATA:
                return _my_data(session, command_in, person, retention_months)
            if name == ERASE:
                return _ask_erase(session, command_in, person)
            return _confirm_erase(session, command_in, person)
    except DomainError as exc:
        logger.info("privacy command %s refused: %s", name, exc.code)
        return BotReply(ok=False, reply=exc.message)


def _excerpt(text: str) -> str:
    from nlp import mask

    words = " ".join(mask(text).split())
    return words if len(words) <= EXCERPT_CHARS else words[: EXCERPT_CHARS - 1] + "…"


def _my_data(
    session: Session, command_in: BotCommandIn, person: Person, retention_months: int
) -> BotReply:
    document = collect_personal_data(session=session, person=person)
    counts = data_counts(document)
    record_audit(
        session=session,
        action=AuditAction.self_view,
        actor_kind=MEMBER,
        actor=SELF,
        subject=subject_ref(person.wechat_id),
        counts=counts,
    )
    wishes = person_wishes(session=session, person=person)
    commands = counts["commands"] - 1  # this 我的信息 itself is logged already
    pending = session.exec(
        select(func.count())
        .select_from(TriageItem)
        .where(person.triage_clause(), col(TriageItem.status) == TriageStatus.pending)
    ).one()
    if not wishes and not pending and commands <= 0:
        return BotReply(reply=for_members.NOTHING_KEPT)
    newest = sorted(wishes, key=lambda w: w.created_at, reverse=True)
    lines = [
        (w.seq, Category(w.category), WishStatus(w.status), _excerpt(w.text))
        for w in newest[:SHOWN_WISHES]
    ]
    reply = for_members.my_data(
        wishes=lines,
        more=max(0, len(wishes) - SHOWN_WISHES),
        pending_triage=int(pending),
        commands=max(0, commands),
        retention_months=retention_months,
    )
    return BotReply(reply=reply)


def _ask_erase(session: Session, command_in: BotCommandIn, person: Person) -> BotReply:
    document = collect_personal_data(session=session, person=person)
    counts = data_counts(document)
    kept = counts["wishes"] + counts["triage_items"] + counts["messages"]
    if not kept and all(c["command"] in PRIVACY_COMMANDS for c in document["commands"]):
        # Nothing but her earlier 我的信息 requests: forget those at once, nothing to confirm.
        erase_person(session=session, person=person, keep_message_id=command_in.message_id)
        return BotReply(ok=False, reply=for_members.NOTHING_KEPT)
    question = for_members.erase_question(wishes=counts["wishes"], minutes=ERASE_CONFIRM_MINUTES)
    return BotReply(reply=question)  # ok: 确认删除 looks for exactly this


def _confirm_erase(session: Session, command_in: BotCommandIn, person: Person) -> BotReply:
    since = utcnow() - timedelta(minutes=ERASE_CONFIRM_MINUTES)
    asked = session.exec(
        select(BotCommand).where(
            col(BotCommand.talker_wechat_id) == person.wechat_id,
            col(BotCommand.name) == ERASE,
            col(BotCommand.created_at) >= since,
            col(BotCommand.message_id) != command_in.message_id,
        )
    ).all()
    if not any(row.reply and row.reply.get("ok") for row in asked):
        return BotReply(ok=False, reply=for_members.ERASE_NOT_ASKED)
    counts = erase_person(session=session, person=person, keep_message_id=command_in.message_id)
    record_audit(
        session=session,
        action=AuditAction.self_erase,
        actor_kind=MEMBER,
        actor=SELF,
        subject=subject_ref(person.wechat_id),
        counts=counts,
    )
    return BotReply(reply=for_members.erased(counts.get("wishes", 0)))
