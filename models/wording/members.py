"""The one home of every Chinese sentence a member reads in WeChat.

Replies to her wishes and commands (rendered by the API's chat service), the replies the bot
decides alone (the grey-zone question, "the number will follow", errors), the 圆梦 announcement
and the monthly 圆梦榜 posted to member groups. Simple, polite Simplified Chinese.

Nothing here may echo a member's personal data (names, WeChat ids, phone numbers, wish text):
callers pass masked text only. A wish is named by its number and category ("#42（家庭教育）").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.enums import Category, WishStatus

# ---- shared pieces (staff messages use them too) ----------------------------------------------


def wish_ref(seq: int, category: str) -> str:
    """How a message names a wish without saying whose it is: "#42（家庭教育）"."""
    return f"#{seq}（{Category(category).label}）"


def numbered(lines: Sequence[str], limit: int) -> list[str]:
    """At most `limit` numbered lines; the rest are counted, not dropped silently."""
    shown = [f"{i}. {text}" for i, text in enumerate(lines[:limit], start=1)]
    if len(lines) > limit:
        shown.append(f"……另有 {len(lines) - limit} 条，请在心愿台账中查看")
    return shown


# ---- wishes -----------------------------------------------------------------------------------


def wish_received(seq: int, category: Category, *, masked_contact: str | None = None) -> str:
    text = f"已收到您的心愿 #{seq}（{Category(category).label}），我们会尽快联系您"
    if masked_contact:
        text += f"。您留的号码（{masked_contact}）已记录，群里请注意保护个人信息"
    return text


def already_logged(seq: int) -> str:
    """The same member posted her wish again where it was already acknowledged: no new number."""
    return f"您的心愿 #{seq} 已经登记了，正在办理中，请您耐心等待"


def resource_wish_received(seq: int, resource_name: str) -> str:
    return f"已收到您的点单 #{seq}（{resource_name}），工作人员会尽快和您对接"


def wishes_received(seqs: Sequence[int]) -> str:
    """One acknowledgement for several members at once, sent when the send rate would make
    each wait. WeChat writes the mentions first, in the same order as the numbers."""
    numbers = "、".join(f"#{seq}" for seq in seqs)
    return f"已收到各位的心愿，编号依次是 {numbers}，我们会尽快联系"


WISH_HELD = "已收到您的心愿，系统正忙，编号稍后告诉您"
COMMAND_HELD = "收到，系统正忙，稍后为您处理"
GREY_QUESTION = "这是一条心愿吗？回复「是」登记"
GENERIC_ERROR = "抱歉，刚才没有处理成功，请稍后再试"
COMMAND_ALREADY_TAKEN = "这条指令已经收到，正在处理，请稍候"


def command_error(message: str) -> str:
    """A malformed command: `message` comes from nlp.CommandError and is written for people."""
    return f"{message}。发送「帮助」查看用法"


# ---- status and next steps --------------------------------------------------------------------

NEXT_STEP: dict[WishStatus, str] = {
    WishStatus.new: "等待工作人员认领",
    WishStatus.claimed: "工作人员正在为您寻找合适的资源",
    WishStatus.matched: "已对接资源，正在安排服务",
    WishStatus.in_service: "服务正在进行中",
    WishStatus.fulfilled: "心愿已经实现，欢迎反馈您的感受",
    WishStatus.closed: "心愿已关闭，如有需要可以重新发布",
}


def wish_status(seq: int, category: Category, status: WishStatus) -> str:
    return (
        f"心愿 #{seq}（{Category(category).label}）：{WishStatus(status).label}。"
        f"下一步：{NEXT_STEP[WishStatus(status)]}"
    )


def my_wishes(lines: Sequence[tuple[int, Category, WishStatus]]) -> str:
    if not lines:
        return "您还没有登记过心愿。在群里说出您的需要，或发送「心愿 内容」即可登记"
    body = "\n".join(
        f"#{seq} {Category(cat).label}：{WishStatus(st).label}" for seq, cat, st in lines
    )
    return f"您的心愿：\n{body}\n发送「查询 编号」看详情"


def not_your_wish(seq: int) -> str:
    return f"没有找到您的心愿 #{seq}，请核对编号"


def wish_not_found(seq: int) -> str:
    return f"没有找到心愿 #{seq}，请核对编号"


def supplemented(seq: int) -> str:
    return f"已为心愿 #{seq} 补充说明，工作人员会看到"


def withdrawn(seq: int) -> str:
    return f"心愿 #{seq} 已撤回。有新的需要随时告诉我们"


# ---- resource library (点单) ------------------------------------------------------------------


def resource_list(items: Sequence[tuple[int, str, str]], keyword: str = "") -> str:
    if not items:
        what = f"和「{keyword}」相关的" if keyword else ""
        return f"暂时没有{what}服务资源，您可以直接说出您的心愿"
    body = "\n".join(f"资源{rid} {name}（{provider}）" for rid, name, provider in items)
    return f"可以预约的服务：\n{body}\n回复「我要 资源编号」点单"


def resource_not_found(resource_id: int) -> str:
    return f"没有找到资源{resource_id}，发送「服务」查看可以预约的服务"


# ---- where a command may be used --------------------------------------------------------------


def staff_only(command: str) -> str:
    """A member tried a staff command."""
    return f"抱歉，「{command}」是工作人员指令，您暂时没有权限。有需要请直接在群里留言"


GROUP_WITHOUT_OFFICE = "本群还没有关联妇联，请联系管理员"
PRIVATE_MEMBERS = "请在群里发送这条指令"

MEMBER_HELP = (
    "心愿池使用说明：\n"
    "· 直接在群里说出您的需要，或发送「心愿 内容」\n"
    "· 查询 编号 / 我的心愿：看进度\n"
    "· 补充 编号 内容 / 撤回 编号\n"
    "· 服务 或 资源 关键词：看可以预约的服务；我要 资源编号：点单"
)

# ---- 圆梦: the announcement in the wish's group and the monthly 圆梦榜 ---------------------------

SUMMARY_LIMIT = 60


def fulfilment_announcement(
    *, seq: int, category: str, summary: str, beneficiaries: int, providers: Sequence[str]
) -> str:
    """The 圆梦 message for the wish's group. `summary` must already be masked."""
    parts = [f"🎉 圆梦啦！心愿 #{seq}（{Category(category).label}）已经实现。"]
    summary = summary.strip()
    if summary:
        if len(summary) > SUMMARY_LIMIT:
            summary = summary[:SUMMARY_LIMIT] + "…"
        parts.append(f"服务内容：{summary}。")
    if beneficiaries:
        parts.append(f"受益 {beneficiaries} 人。")
    if providers:
        parts.append(f"感谢{'、'.join(providers)}的支持！")
    parts.append("有需要请随时在群里说出您的心愿。")
    return "".join(parts)


@dataclass(frozen=True)
class MonthlyEntry:
    ref: str
    providers: tuple[str, ...]
    beneficiaries: int


def monthly_text(
    *,
    office_name: str,
    year: int,
    month: int,
    entries: Sequence[MonthlyEntry],
    beneficiaries: int,
    limit: int,
) -> str:
    head = f"【{year}年{month}月圆梦榜】{office_name}"
    if not entries:
        return "\n".join([head, "本月暂无圆梦的心愿。有需要请随时在群里说，我们都会认真对待！"])
    body = []
    for entry in entries:
        thanks = f"，感谢{'、'.join(entry.providers)}" if entry.providers else ""
        people = f"，惠及 {entry.beneficiaries} 人" if entry.beneficiaries else ""
        body.append(f"{entry.ref}已圆梦{people}{thanks}")
    providers = sorted({p for entry in entries for p in entry.providers})
    lines = [head, f"本月共圆梦 {len(entries)} 个心愿，惠及 {beneficiaries} 人："]
    lines += numbered(body, limit)
    if providers:
        lines.append(f"衷心感谢{'、'.join(providers)}的爱心支持！")
    lines.append("有求即答，有事尽帮。新的心愿欢迎随时在群里提出！")
    return "\n".join(lines)


COMMAND_UNAVAILABLE = "这条指令现在不能用"
MISSING_WISH_NUMBER = "请写上心愿编号，例如「查询 42」"


def wish_received_for(name: str, seq: int, category: Category) -> str:
    """Staff logged a member's wish for her (a missed message): addressed by name in the group."""
    return f"@{name} " + wish_received(seq, category) if name else wish_received(seq, category)


# ---- Reliability: a message the system could not handle after several tries (dead letter) ----
DEAD_LETTER = "抱歉，这条消息暂时处理不了，工作人员会看到并尽快处理"
