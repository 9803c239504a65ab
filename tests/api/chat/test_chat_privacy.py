"""我的信息 / 删除我的信息 / 确认删除: private only, confirmed in time, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from api.chat.privacy import PRIVACY_COMMANDS
from api.domain.privacy import ERASE_CONFIRM_MINUTES
from models import BotCommand, Wish
from models.audit import AuditEntry
from models.clock import utcnow
from models.enums import AuditAction
from models.wording import members as for_members
from models.wording.staff import ERASED_TEXT
from nlp.commands import COMMAND_TYPES, parse_command
from tests.api.apitools import Tree
from tests.api.chat.chat_tools import MEMBER, command, wish

PHONE = "13912345678"
TEXT = f"想请律师咨询劳动合同，电话{PHONE}"


def _audit(session: Session) -> list[AuditEntry]:
    session.expire_all()
    rows = list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all())
    session.expunge_all()  # keep what was read: a lazy refresh would hold SQLite's write lock
    session.rollback()
    return rows


def _her_wishes(session: Session) -> list[Wish]:
    session.expire_all()
    rows = list(session.exec(select(Wish).order_by(col(Wish.id))).all())
    session.expunge_all()
    session.rollback()
    return rows


def test_the_words_are_commands_and_the_parser_knows_them() -> None:
    assert set(PRIVACY_COMMANDS) <= set(COMMAND_TYPES)
    assert not any(COMMAND_TYPES[name].staff_only for name in PRIVACY_COMMANDS)
    for text, name in (
        ("我的信息", "我的信息"),
        ("删除我的信息", "删除我的信息"),
        ("确认删除", "确认删除"),
    ):
        parsed = parse_command(text)
        assert parsed is not None and parsed.name == name
    # Chatter that merely starts with the words is not a command.
    assert parse_command("我的信息发你了") is None
    assert parse_command("确认删除这个文件吗") is None


def test_in_a_group_my_data_reveals_nothing_and_asks_for_a_private_chat(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    logged = wish(client, bot, "w1", TEXT, category="legal")
    reply = command(client, bot, "c1", "我的信息", talker=MEMBER)
    assert reply["reply"] == for_members.PRIVACY_ASK_PRIVATELY
    assert f"#{logged['seq']}" not in reply["reply"] and "律师" not in reply["reply"]
    erase = command(client, bot, "c2", "删除我的信息", talker=MEMBER)
    assert erase["reply"] == for_members.ERASE_ASK_PRIVATELY and not erase["ok"]
    confirm = command(client, bot, "c3", "确认删除", talker=MEMBER)
    assert confirm["ignored"] and confirm["reply"] == ""
    assert _audit(session) == []
    assert _her_wishes(session)[0].text == TEXT


def test_privately_my_data_lists_what_is_kept_masked_and_for_how_long(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    first = wish(client, bot, "w1", TEXT, category="legal")
    second = wish(client, bot, "w2", "孩子暑假想参加夏令营", category="family")
    reply = command(client, bot, "c1", "我的信息", talker=MEMBER, room=None)
    assert reply["ok"]
    text = reply["reply"]
    assert f"#{first['seq']}" in text and f"#{second['seq']}" in text
    assert "法律维权" in text and "已登记" in text
    assert PHONE not in text and "想请律师" in text  # an excerpt, masked
    assert "24 个月" in text
    [entry] = _audit(session)
    assert entry.action == AuditAction.self_view and entry.actor_kind == "member"
    assert entry.counts["wishes"] == 2 and MEMBER not in entry.subject


def test_my_data_for_someone_unknown_says_nothing_is_kept(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    reply = command(client, bot, "c1", "我的信息", talker="wx_new", room=None)
    assert reply["reply"] == for_members.NOTHING_KEPT
    erase = command(client, bot, "c2", "删除我的信息", talker="wx_new", room=None)
    assert erase["reply"] == for_members.NOTHING_KEPT and not erase["ok"]
    session.expire_all()
    logged = session.exec(select(BotCommand).where(col(BotCommand.talker_wechat_id) == "wx_new"))
    assert list(logged.all()) == []  # even her 我的信息 is forgotten
    session.rollback()


def test_erase_privately_needs_the_confirmation_and_then_leaves_no_identity(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    logged = wish(client, bot, "w1", TEXT, category="legal")
    command(client, bot, "c0", "查询", talker=MEMBER, seq=logged["seq"])
    not_asked = command(client, bot, "c1", "确认删除", talker=MEMBER, room=None)
    assert not_asked["reply"] == for_members.ERASE_NOT_ASKED
    assert _her_wishes(session)[0].submitter_wechat_id == MEMBER

    asked = command(client, bot, "c2", "删除我的信息", talker=MEMBER, room=None)
    assert (
        asked["ok"]
        and "确认删除" in asked["reply"]
        and f"{ERASE_CONFIRM_MINUTES} 分钟" in asked["reply"]
    )
    assert _her_wishes(session)[0].text == TEXT  # asking erases nothing yet

    # Someone else's 确认删除 does not act on her request.
    other = command(client, bot, "c3", "确认删除", talker="wx_other", room=None)
    assert other["reply"] == for_members.ERASE_NOT_ASKED

    done = command(client, bot, "c4", "确认删除", talker=MEMBER, room=None)
    assert done["ok"] and done["reply"] == for_members.erased(1)
    [erased] = _her_wishes(session)
    assert (erased.text, erased.submitter_wechat_id, erased.submitter_name) == (
        ERASED_TEXT,
        None,
        None,
    )
    assert erased.category == "legal" and erased.seq == logged["seq"]
    session.expire_all()
    left = session.exec(select(BotCommand).order_by(col(BotCommand.message_id))).all()
    assert [(r.message_id, r.talker_wechat_id) for r in left if r.message_id != "c3"] == [
        ("c4", None)
    ]
    session.rollback()
    assert [e.action for e in _audit(session)] == [AuditAction.self_erase]

    # A replay of the confirmation gets the same answer and changes nothing.
    again = command(client, bot, "c4", "确认删除", talker=MEMBER, room=None)
    assert again == done
    assert len(_audit(session)) == 1


def test_a_confirmation_too_late_erases_nothing(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    wish(client, bot, "w1", TEXT, category="legal")
    command(client, bot, "c1", "删除我的信息", talker=MEMBER, room=None)
    late = utcnow() - timedelta(minutes=ERASE_CONFIRM_MINUTES + 1)
    session.execute(
        sa.update(BotCommand).where(col(BotCommand.message_id) == "c1").values(created_at=late)
    )
    session.commit()
    reply = command(client, bot, "c2", "确认删除", talker=MEMBER, room=None)
    assert reply["reply"] == for_members.ERASE_NOT_ASKED
    assert _her_wishes(session)[0].text == TEXT
    session.expire_all()
    assert session.exec(select(func.count()).select_from(AuditEntry)).one() == 0
    session.rollback()


@pytest.mark.parametrize("name", sorted(PRIVACY_COMMANDS))
def test_a_disabled_group_hears_nothing(
    client: TestClient, bot: dict[str, str], tree: Tree, name: str
) -> None:
    reply = command(client, bot, f"x-{name}", name, talker=MEMBER, room="xq@chatroom")
    assert reply["ignored"] and reply["reply"] == ""
