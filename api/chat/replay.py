"""Replaying a dead letter: the stored spool payload runs through the chat service again, and
the reply is queued in the outbox to the member (her group, mentioning her, or her private
chat), as the bot would have said it. The bot is not involved: it gave the message up."""

from __future__ import annotations

import logging

from pydantic import ValidationError
from sqlmodel import Session

from api.chat.dispatch import ChatRules, take_command, take_triage, take_wish
from api.chat.schemas import BotCommandIn, BotReply, BotWishIn
from api.domain.dead_letters import mark_replayed
from api.domain.errors import Conflict, DomainError, InvalidInput
from api.domain.outbox import enqueue_message
from models import DeadLetter
from models.enums import OutboxTarget
from models.outbox import OutboxCreate
from models.wording import staff as for_staff

logger = logging.getLogger(__name__)

KINDS = ("wish", "triage", "command")


def replay_dead_letter(*, session: Session, letter: DeadLetter, rules: ChatRules) -> DeadLetter:
    """Runs the letter again; its reply (if any) is queued for the bot to deliver."""
    payload = letter.payload or {}
    if letter.kind not in KINDS:
        raise InvalidInput(for_staff.REPLAY_BAD_PAYLOAD)
    try:
        with session.begin_nested():  # a failure undoes only the replay, not the caller's tx
            reply = _run(session, letter.kind, payload, rules)
    except ValidationError:
        raise InvalidInput(for_staff.REPLAY_BAD_PAYLOAD) from None
    except DomainError as exc:
        reply = BotReply(ok=False, reply=exc.message)
    except Exception:
        logger.exception("replay of dead letter %s failed again", letter.id)
        raise Conflict(for_staff.REPLAY_FAILED) from None
    if reply.reply and not reply.ignored and letter.talker_id:
        target = OutboxTarget.room if letter.room_id else OutboxTarget.contact
        enqueue_message(
            session=session,
            message_in=OutboxCreate(
                target_kind=target,
                target_id=letter.room_id or letter.talker_id,
                text=reply.reply,
                mention_ids=[letter.talker_id] if letter.room_id else [],
                urgent=True,  # the member has waited already
                kind="reply",
                dedupe_key=f"dead-letter:{letter.id}:{letter.replay_count + 1}",
            ),
        )
    return mark_replayed(session=session, letter=letter, reply=reply.reply)


def _run(session: Session, kind: str, payload: dict[str, object], rules: ChatRules) -> BotReply:
    """The same door the message would have taken (api/chat/dispatch.py)."""
    if kind == "wish":
        return take_wish(session=session, wish_in=BotWishIn.model_validate(payload), rules=rules)
    if kind == "triage":
        return take_triage(
            session=session, triage_in=BotWishIn.model_validate(payload), rules=rules
        )
    return take_command(
        session=session, command_in=BotCommandIn.model_validate(payload), rules=rules
    )
