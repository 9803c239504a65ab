"""models.wording: one pure module per audience, and no second home for any sentence."""

from __future__ import annotations

import subprocess
import sys

import pytest

from models.enums import Category
from models.wording import members, staff

# Every name bot/texts.py had before the move, and the audience module that is now its one home.
OLD_BOT_TEXTS = {
    "wish_received": members,
    "resource_wish_received": members,
    "WISH_HELD": members,
    "COMMAND_HELD": members,
    "GREY_QUESTION": members,
    "GENERIC_ERROR": members,
    "COMMAND_ALREADY_TAKEN": members,
    "command_error": members,
    "NEXT_STEP": members,
    "wish_status": members,
    "my_wishes": members,
    "not_your_wish": members,
    "wish_not_found": members,
    "supplemented": members,
    "withdrawn": members,
    "resource_list": members,
    "resource_not_found": members,
    "staff_only": members,
    "GROUP_WITHOUT_OFFICE": members,
    "MEMBER_HELP": members,
    "NOT_IN_OFFICE_SCOPE": staff,
    "claimed": staff,
    "matched": staff,
    "started": staff,
    "fulfilled": staff,
    "closed": staff,
    "recategorised": staff,
    "not_a_wish": staff,
    "todo": staff,
    "ledger": staff,
    "STAFF_HELP": staff,
}


@pytest.mark.parametrize(("name", "home"), sorted(OLD_BOT_TEXTS.items()))
def test_every_old_bot_text_has_exactly_one_home(name: str, home: object) -> None:
    assert hasattr(home, name)
    other = staff if home is members else members
    assert name not in vars(other) or getattr(other, name) is getattr(home, name)


def test_wording_is_pure() -> None:
    # The bot process and the recogniser side import it: no database, no API, no bot.
    code = (
        "import sys, models.wording.members, models.wording.staff\n"
        "bad = [m for m in ('sqlmodel', 'sqlalchemy', 'api', 'bot', 'nlp', 'httpx') "
        "if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == ""


@pytest.mark.parametrize(
    ("summary", "shown"),
    [
        ("律师一对一咨询", "服务内容：律师一对一咨询。"),
        ("长" * (members.SUMMARY_LIMIT + 5), "长" * members.SUMMARY_LIMIT + "…"),
    ],
)
def test_the_fulfilment_announcement_with_a_public_summary(summary: str, shown: str) -> None:
    text = members.fulfilment_announcement(
        seq=42, public_summary=summary, beneficiaries=30, providers=["区少年宫"]
    )
    assert text.startswith("🎉 圆梦啦！心愿 #42 已经实现。")
    assert shown in text and "受益 30 人。" in text and "感谢区少年宫的支持！" in text
    assert "家庭教育" not in text


@pytest.mark.parametrize("summary", [None, "", "  "])
def test_the_fulfilment_announcement_is_neutral_without_a_public_summary(
    summary: str | None,
) -> None:
    text = members.fulfilment_announcement(
        seq=42, public_summary=summary, beneficiaries=30, providers=["区律师事务所"]
    )
    assert text.startswith("🎉 圆梦啦！心愿 #42 已经实现")
    # Neither what it was nor who helped (a lawyer's office says what it was about).
    assert "服务内容" not in text and "律师" not in text and "受益" not in text


def test_staff_help_starts_with_what_members_read() -> None:
    assert staff.STAFF_HELP.startswith(members.MEMBER_HELP)
    assert "工作人员指令" not in members.MEMBER_HELP


def test_reminder_names_the_wish_by_number_and_category_only() -> None:
    from datetime import timedelta

    line = staff.Line(ref=members.wish_ref(7, "legal"), rule="unclaimed", waited=timedelta(hours=5))
    text = staff.reminder_text(staff_name="陈经办", lines=[line], limit=20)
    assert "#7（法律维权），已等待5 小时，尚未认领" in text


def test_the_acknowledgement_says_the_number_only() -> None:
    text = members.wish_received(7)
    assert "#7" in text
    assert not any(category.label in text for category in Category)


def test_the_sensitive_acknowledgement_says_nothing_of_the_wish() -> None:
    text = members.SENSITIVE_RECEIVED
    assert "已收到" in text and "私下联系" in text and "私聊" in text
    assert "#" not in text and not any(category.label in text for category in Category)


def test_a_sensitive_wish_is_named_by_number_only_in_staff_messages() -> None:
    assert members.wish_ref(7, "marriage", sensitive=True) == "#7"
    assert members.wish_ref(7, "marriage") == "#7（婚姻家庭）"
