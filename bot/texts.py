"""Every Chinese sentence the bot says in WeChat, in one place.

The bot renders the replies it decides alone (grey-zone question, "number will follow", errors);
the API renders the replies to wishes and commands with the same functions (api/services/bot.py),
so wording stays consistent and reviewable here. Nothing in this module may echo a member's
personal data: callers pass masked text only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from models.enums import Category, WishStatus

# ---- wishes -----------------------------------------------------------------------------------


def wish_received(seq: int, category: Category, *, masked_contact: str | None = None) -> str:
    text = f"已收到您的心愿 #{seq}（{Category(category).label}），我们会尽快联系您"
    if masked_contact:
        text += f"。您留的号码（{masked_contact}）已记录，群里请注意保护个人信息"
    return text


def resource_wish_received(seq: int, resource_name: str) -> str:
    return f"已收到您的点单 #{seq}（{resource_name}），工作人员会尽快和您对接"


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


# ---- staff ------------------------------------------------------------------------------------


def staff_only(command: str) -> str:
    return f"抱歉，「{command}」是工作人员指令，您暂时没有权限。有需要请直接在群里留言"


NOT_IN_OFFICE_SCOPE = "这个群不在您负责的范围内，无法操作"
GROUP_WITHOUT_OFFICE = "本群还没有关联妇联，请联系管理员"
PRIVATE_MEMBERS = "请在群里发送这条指令"


def claimed(seq: int, staff_name: str) -> str:
    return f"心愿 #{seq} 已由{staff_name}认领"


def matched(seq: int, resources: Iterable[str]) -> str:
    return f"心愿 #{seq} 已对接：{'、'.join(resources)}"


def started(seq: int) -> str:
    return f"心愿 #{seq} 开始服务"


def fulfilled(seq: int, beneficiaries: int, value_yuan: float) -> str:
    extra = []
    if beneficiaries:
        extra.append(f"受益 {beneficiaries} 人")
    if value_yuan:
        extra.append(f"价值 {value_yuan:g} 元")
    tail = f"（{'，'.join(extra)}）" if extra else ""
    return f"心愿 #{seq} 已圆梦{tail}，已记入暖心满溢录，群里会发布圆梦消息"


def closed(seq: int, reason_label: str) -> str:
    return f"心愿 #{seq} 已关闭（{reason_label}）"


def recategorised(seq: int, old: Category, new: Category) -> str:
    return (
        f"心愿 #{seq} 类别已从「{Category(old).label}」改为「{Category(new).label}」，"
        "识别规则会参考这次更正"
    )


def not_a_wish(seq: int) -> str:
    return f"已把 #{seq} 标记为不是心愿并关闭，识别规则会参考这次更正"


def todo(lines: Sequence[tuple[int, Category, WishStatus, int]], unclaimed: int) -> str:
    if lines:
        body = "\n".join(
            f"#{seq} {Category(cat).label} {WishStatus(st).label}（{days} 天）"
            for seq, cat, st, days in lines
        )
        text = f"您的待办（最早的在前）：\n{body}"
    else:
        text = "您手上没有未完成的心愿"
    if unclaimed:
        text += f"\n另有 {unclaimed} 条心愿等待认领"
    return text


def ledger(today: tuple[int, int], month: tuple[int, int], open_count: int) -> str:
    return (
        f"今日：新登记 {today[0]} 条，圆梦 {today[1]} 条\n"
        f"本月：新登记 {month[0]} 条，圆梦 {month[1]} 条\n"
        f"在办：{open_count} 条"
    )


MEMBER_HELP = (
    "心愿池使用说明：\n"
    "· 直接在群里说出您的需要，或发送「心愿 内容」\n"
    "· 查询 编号 / 我的心愿：看进度\n"
    "· 补充 编号 内容 / 撤回 编号\n"
    "· 服务 或 资源 关键词：看可以预约的服务；我要 资源编号：点单"
)

STAFF_HELP = (
    MEMBER_HELP + "\n工作人员指令：\n"
    "· 认领 编号 / 匹配 编号 资源编号 / 开始 编号\n"
    "· 完成 编号 受益30人 价值5000元 说明…\n"
    "· 关闭 编号 原因 / 改类 编号 类别 / 不是心愿 编号\n"
    "· 待办 / 台账"
)
