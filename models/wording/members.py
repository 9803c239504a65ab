"""The one home of every Chinese sentence a member reads in WeChat.

Replies to her wishes and commands (rendered by the API's chat service), the replies the bot
decides alone (the grey-zone question, "the number will follow", errors), the 圆梦 announcement
and the monthly 圆梦榜 posted to member groups. Simple, polite Simplified Chinese.

Nothing here may echo a member's personal data (names, WeChat ids, phone numbers, wish text):
callers pass masked text only. What a whole group reads names a wish by its number only
("#42"): the acknowledgement, the 圆梦 post (neutral unless staff wrote a public summary) and
the 圆梦榜. A sensitive wish (家暴、离婚、债务 …) is not named in a group at all: she hears
SENSITIVE_RECEIVED, and it is in no 圆梦 post or 圆梦榜.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.enums import Category, WishStatus

# ---- shared pieces (staff messages use them too) ----------------------------------------------


def wish_ref(seq: int, category: str, *, sensitive: bool = False) -> str:
    """How a staff message names a wish without saying whose it is: "#42（家庭教育）"; a
    sensitive wish by its number only, "#42" (its category says too much in a staff group)."""
    return f"#{seq}" if sensitive else f"#{seq}（{Category(category).label}）"


def numbered(lines: Sequence[str], limit: int, total: int | None = None) -> list[str]:
    """At most `limit` numbered lines; the rest are counted, not dropped silently. `total`:
    how many there are when only the shown ones were formatted (default: len(lines))."""
    shown = [f"{i}. {text}" for i, text in enumerate(lines[:limit], start=1)]
    total = len(lines) if total is None else total
    if total > limit:
        shown.append(f"……另有 {total - limit} 条，请在心愿台账中查看")
    return shown


# ---- wishes -----------------------------------------------------------------------------------


def wish_received(seq: int, *, masked_contact: str | None = None) -> str:
    """The group's acknowledgement of a wish: its number, nothing of what she asked for."""
    text = f"已收到您的心愿 #{seq}，我们会尽快联系您"
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


def wish_status(seq: int, category: Category | None, status: WishStatus) -> str:
    """查询's answer; ``category`` None (a sensitive wish): the number only."""
    ref = f"#{seq}（{Category(category).label}）" if category is not None else f"#{seq}"
    return f"心愿 {ref}：{WishStatus(status).label}。下一步：{NEXT_STEP[WishStatus(status)]}"


def my_wishes(lines: Sequence[tuple[int, Category | None, WishStatus]]) -> str:
    """我的心愿; a category None (a sensitive wish) is left out of the line."""
    if not lines:
        return "您还没有登记过心愿。在群里说出您的需要，或发送「心愿 内容」即可登记"
    body = "\n".join(
        f"#{seq} {Category(cat).label}：{WishStatus(st).label}"
        if cat is not None
        else f"#{seq}：{WishStatus(st).label}"
        for seq, cat, st in lines
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

MEMBER_HELP = (
    "心愿池使用说明：\n"
    "· 直接在群里说出您的需要，或发送「心愿 内容」\n"
    "· 查询 编号 / 我的心愿：看进度\n"
    "· 补充 编号 内容 / 撤回 编号\n"
    "· 服务 或 资源 关键词：看可以预约的服务；我要 资源编号：点单\n"
    "· 私信我「我的信息」「删除我的信息」：查看或删除我们保存的您的个人信息"
)

# ---- 圆梦: the announcement in the wish's group and the monthly 圆梦榜 ---------------------------

SUMMARY_LIMIT = 60


def fulfilment_announcement(
    *, seq: int, public_summary: str | None, beneficiaries: int, providers: Sequence[str]
) -> str:
    """The 圆梦 message for the wish's group (never for a sensitive wish).

    Neutral by default: the number, no category, no content, no provider (a lawyer's office
    says what it was about). Only when staff wrote a public summary (完成 12 公开：…) does it
    say what was done, for how many, and thank the providers. The summary must be masked."""
    summary = (public_summary or "").strip().rstrip("。.")
    if not summary:
        return f"🎉 圆梦啦！心愿 #{seq} 已经实现，感谢各方的支持。有需要请随时在群里说出您的心愿。"
    if len(summary) > SUMMARY_LIMIT:
        summary = summary[:SUMMARY_LIMIT] + "…"
    parts = [f"🎉 圆梦啦！心愿 #{seq} 已经实现。", f"服务内容：{summary}。"]
    if beneficiaries:
        parts.append(f"受益 {beneficiaries} 人。")
    if providers:
        parts.append(f"感谢{'、'.join(providers)}的支持！")
    parts.append("有需要请随时在群里说出您的心愿。")
    return "".join(parts)


@dataclass(frozen=True)
class MonthlyEntry:
    """One fulfilled (not sensitive) wish on the 圆梦榜. ``ref`` names it by number ("#12",
    another office's "XX社区#12"); what it was, for how many and by whom is said only when
    staff wrote a public summary."""

    ref: str
    providers: tuple[str, ...]
    beneficiaries: int
    public_summary: str = ""


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
        summary = entry.public_summary.strip().rstrip("。.")
        if not summary:
            body.append(f"{entry.ref}已圆梦")
            continue
        if len(summary) > SUMMARY_LIMIT:
            summary = summary[:SUMMARY_LIMIT] + "…"
        thanks = f"，感谢{'、'.join(entry.providers)}" if entry.providers else ""
        people = f"，惠及 {entry.beneficiaries} 人" if entry.beneficiaries else ""
        body.append(f"{entry.ref}已圆梦：{summary}{people}{thanks}")
    # Only the providers of wishes said in public: one thanked beside a bare number says what
    # that wish was about.
    providers = sorted({p for e in entries if e.public_summary.strip() for p in e.providers})
    lines = [head, f"本月共圆梦 {len(entries)} 个心愿，惠及 {beneficiaries} 人："]
    lines += numbered(body, limit)
    if providers:
        lines.append(f"衷心感谢{'、'.join(providers)}的爱心支持！")
    lines.append("有求即答，有事尽帮。新的心愿欢迎随时在群里提出！")
    return "\n".join(lines)


COMMAND_UNAVAILABLE = "这条指令现在不能用"
MISSING_WISH_NUMBER = "请写上心愿编号，例如「查询 42」"


def wish_received_for(name: str, seq: int) -> str:
    """Staff logged a member's wish for her (a missed message): addressed by name in the group."""
    return f"@{name} " + wish_received(seq) if name else wish_received(seq)


# ---- Personal-data rights (个人信息权利): 我的信息 / 删除我的信息 / 确认删除 ----------

PRIVACY_ASK_PRIVATELY = "为了保护您的隐私，请私信我发送「我的信息」，我会单独告诉您保存了哪些信息。"
ERASE_ASK_PRIVATELY = "为了保护您的隐私，删除个人信息请私信我发送「删除我的信息」。"
NOTHING_KEPT = "我们没有保存您的个人信息。"
ERASE_NOT_ASKED = "请先私信我发送「删除我的信息」，再按提示回复「确认删除」。"


def my_data(
    *,
    wishes: Sequence[tuple[int, Category, WishStatus, str]],
    more: int,
    pending_triage: int,
    commands: int,
    retention_months: int,
) -> str:
    """The private answer to 我的信息: what is kept, briefly (excerpts come masked)."""
    lines = ["我们为您保存了这些信息："]
    if wishes:
        lines.append(f"心愿 {len(wishes) + more} 条（内容、微信昵称和微信号）：")
        for seq, category, status, excerpt in wishes:
            lines.append(f"#{seq} {Category(category).label} {WishStatus(status).label}：{excerpt}")
        if more:
            lines.append(f"另有 {more} 条")
    if pending_triage:
        lines.append(f"待工作人员确认的消息 {pending_triage} 条（确认或到期后原话即删除）")
    if commands:
        lines.append(f"您发给我的指令记录 {commands} 条（只记指令名称和时间）")
    lines.append(
        f"保存多久：心愿圆梦或关闭满 {retention_months} 个月后，内容、昵称和微信号自动删除，"
        "只留下不含个人信息的统计。"
    )
    lines.append("想全部删除，请发送「删除我的信息」。")
    return "\n".join(lines)


def erase_question(*, wishes: int, minutes: int) -> str:
    what = f"您的 {wishes} 条心愿的内容、昵称和微信号" if wishes else "您的个人信息"
    return (
        f"将删除{what}，以及相关的消息和指令记录。心愿只保留类别和状态用于统计，删除后无法恢复。"
        f"确认删除请在 {minutes} 分钟内回复「确认删除」。"
    )


def erased(wishes: int) -> str:
    what = f"{wishes} 条心愿的内容、昵称和微信号已清除，" if wishes else ""
    return f"已删除您的个人信息：{what}只保留不含个人信息的统计。感谢您的信任！"


# ---- the private channel: wishes and commands sent to the bot privately -------------------------

PRIVACY_NOTICE = (
    "【个人信息说明】您的心愿已经登记。我们只保存心愿内容、您的微信昵称和办理进度，"
    "只有负责的妇联工作人员能看到，群里不会公开您的个人信息。"
    "不需要了可以发送「撤回 编号」；想看我们保存了什么，请私信我「我的信息」；"
    "想全部删除，请私信我「删除我的信息」。"
)
PRIVATE_HINT = (
    "您好，我是心愿池。有什么需要，直接私信告诉我就可以，"
    "例如「想给孩子报个暑期托管班」，我会转给妇联工作人员，只有他们能看到。发送「帮助」查看更多用法"
)
PRIVATE_UNKNOWN_MEMBER = (
    "您好，我们暂时还不知道您在哪个妇联的群里。您的话已经转给工作人员，他们会尽快联系您。"
    "下次也可以先在您所在的心愿群里说一声，或告诉我您的单位、社区名称"
)
PRIVATE_COMMAND_UNKNOWN = (
    "您好，我们暂时还不知道您在哪个妇联的群里，这条指令先不能办理。"
    "请在您所在的心愿群里发送，或直接私信告诉我您的需要"
)
PRIVATE_NO_CHOICE = "现在没有等您选择的心愿。有什么需要，直接私信告诉我就可以"


def private_choose_office(office_names: Sequence[str]) -> str:
    """A member of several offices' groups wrote a wish privately: which office is it for?"""
    lines = [f"{i}. {name}" for i, name in enumerate(office_names, start=1)]
    numbers = " 或 ".join(str(i) for i in range(1, len(office_names) + 1))
    return "您在几个妇联的群里，这条心愿交给哪一个？\n" + "\n".join(lines) + f"\n请回复 {numbers}"


def private_choice_out_of_range(count: int) -> str:
    numbers = " 或 ".join(str(i) for i in range(1, count + 1))
    return f"请回复 {numbers} 选择妇联"


def private_wish_accepted(seq: int, *, sensitive: bool) -> str:
    """Staff logged what she wrote privately (a triage item): told privately, with her number."""
    if sensitive:
        return (
            f"您私信说的情况已经登记（编号 #{seq}），只有负责的工作人员能看到，工作人员会私下联系您"
        )
    return f"已收到您的心愿 #{seq}，我们会尽快联系您"


def private_wish_received(seq: int, category: Category, office_name: str) -> str:
    """A private wish logged for an office: the answer goes to her privately."""
    ref = f"#{seq}（{Category(category).label}）"
    return f"已收到您的心愿 {ref}，已交给{office_name}，我们会尽快联系您"


# ---- sensitive wishes (家暴、离婚、债务 …: api/domain/visibility.py) ----------------------

# The group hears that she was heard, nothing more (no number, no category, no content), and
# she is invited to go on where nobody else reads.
SENSITIVE_RECEIVED = (
    "已收到，工作人员会私下联系您。您也可以直接私聊我，把情况慢慢说，群里的人都看不到"
)


def public_ref(seq: int) -> str:
    """How the 圆梦榜 names a fulfilled wish: its number only."""
    return f"#{seq}"


# ---- Reliability: a message the system could not handle after several tries (dead letter) ----
DEAD_LETTER = "抱歉，这条消息暂时处理不了，工作人员会看到并尽快处理"
