"""The chat service's three entry points (a wish, an uncertain message, a command) with the
office's settings applied once: the bot's routes (api/http/routes/bot.py) and a dead letter's
replay (api/chat/replay.py) go through the same doors, so a replay is handled exactly as the
message would have been (a private wish privately, the configured sensitive words, …)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from api.chat.commands import run_command_once
from api.chat.intake import submit_wish
from api.chat.private import submit_private_wish
from api.chat.schemas import BotCommandIn, BotReply, BotWishIn
from api.chat.triage import submit_triage
from api.domain.visibility import SensitiveRule, rule_of
from api.settings import ApiSettings


@dataclass(frozen=True)
class ChatRules:
    """The settings the chat service reads, built once per process from ApiSettings."""

    settings: ApiSettings
    sensitive_rule: SensitiveRule

    @classmethod
    def of(cls, settings: ApiSettings) -> ChatRules:
        return cls(settings=settings, sensitive_rule=rule_of(settings))


def take_wish(*, session: Session, wish_in: BotWishIn, rules: ChatRules) -> BotReply:
    """A wish from a group, or sent to the bot privately (answered privately)."""
    s = rules.settings
    if wish_in.room_id is None:
        return submit_private_wish(
            session=session,
            wish_in=wish_in,
            urgent_words=s.urgent_words,
            lifetime_hours=s.triage_lifetime_hours,
            privacy_notice=s.privacy_notice,
            sensitive_rule=rules.sensitive_rule,
        )
    return submit_wish(
        session=session,
        wish_in=wish_in,
        urgent_words=s.urgent_words,
        duplicate_window_days=s.duplicate_window_days,
        privacy_notice=s.privacy_notice,
        sensitive_rule=rules.sensitive_rule,
    )


def take_triage(*, session: Session, triage_in: BotWishIn, rules: ChatRules) -> BotReply:
    s = rules.settings
    return submit_triage(
        session=session,
        triage_in=triage_in,
        urgent_words=s.urgent_words,
        lifetime_hours=s.triage_lifetime_hours,
    )


def take_command(*, session: Session, command_in: BotCommandIn, rules: ChatRules) -> BotReply:
    s = rules.settings
    return run_command_once(
        session=session,
        command_in=command_in,
        retention_months=s.retention_months,
        urgent_words=s.urgent_words,
        privacy_notice=s.privacy_notice,
        sensitive_rule=rules.sensitive_rule,
        quiet_hours=s.quiet_hours,
    )
