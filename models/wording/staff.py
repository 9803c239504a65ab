"""The one home of every Chinese sentence staff read: in WeChat and in the admin API's refusals.

Replies to staff commands and the staff help, scope and workflow refusals, and the follow-up
engine's reminders, escalations and daily digest. Simple, polite Simplified Chinese.

Nothing here may echo a member's personal data: no submitter names or WeChat ids, no phone
numbers, no wish text; callers pass masked text only. A wish is named by its number and category
("#42（家庭教育）"), which staff can look up in the ledger. Staff names (who holds a wish) are
work data and may appear.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from models.enums import Action, Category, WishStatus
from models.wording.members import MEMBER_HELP, numbered

# ---- refusals ---------------------------------------------------------------------------------

NOT_IN_OFFICE_SCOPE = "这个群不在您负责的范围内，无法操作"


def transition_refused(action: Action, status: WishStatus, allowed: Sequence[Action]) -> str:
    """Why a workflow step is refused, and what can be done instead."""
    can = "、".join(Action(a).label for a in allowed) or "无（已是最终状态）"
    return (
        f"心愿当前状态为「{WishStatus(status).label}」，不能{Action(action).label}。"
        f"当前可以进行的操作：{can}"
    )


# ---- replies to staff commands ----------------------------------------------------------------


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


# The command words (认领, 匹配, 完成 …) are what nlp/commands.py parses, not labels.
STAFF_HELP = (
    MEMBER_HELP + "\n工作人员指令：\n"
    "· 认领 编号 / 匹配 编号 资源编号 / 开始 编号\n"
    "· 完成 编号 受益30人 价值5000元 说明…\n"
    "· 关闭 编号 原因 / 改类 编号 类别 / 不是心愿 编号\n"
    "· 待办 / 台账"
)

# ---- follow-up: reminders, escalations, the daily digest --------------------------------------


def waited(delta: timedelta) -> str:
    """A duration the way people say it: "3 天 2 小时", "5 小时", "20 分钟"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时"
    return f"{mins} 分钟"


def month_day(day: date) -> str:
    return f"{day.month}月{day.day}日"


REASONS = {
    "unclaimed": "尚未认领",
    "unmatched": "已认领，尚未对接资源",
    "overdue_plan": "计划日期{planned}已过，尚未完成",
    "unfulfilled": "已对接资源，迟迟没有完成（未定计划日期）",
    "offer": "爱心提供尚未转为资源",
}


def reason(rule: str, planned: date | None = None) -> str:
    """Why a wish is overdue, in words ("计划日期3月3日已过，尚未完成")."""
    return REASONS[rule].format(planned=month_day(planned) if planned else "")


@dataclass(frozen=True)
class Line:
    """One wish in a reminder or escalation message."""

    ref: str
    rule: str
    waited: timedelta
    planned: date | None = None
    office_name: str = ""
    holder: str = ""
    level: int = 0

    def reason(self) -> str:
        return reason(self.rule, self.planned)


def reminder_text(*, staff_name: str, lines: Sequence[Line], limit: int) -> str:
    body = [f"{line.ref}，已等待{waited(line.waited)}，{line.reason()}" for line in lines]
    return "\n".join(
        [
            f"【心愿提醒】{staff_name}您好，以下 {len(lines)} 个心愿需要您跟进：",
            *numbered(body, limit),
            "有求即答，有事尽帮。处理后请在台账中更新状态，谢谢！",
        ]
    )


def escalation_text(*, office_name: str, lines: Sequence[Line], limit: int) -> str:
    body = [
        f"{line.office_name}{line.ref}，已等待{waited(line.waited)}，{line.reason()}，"
        f"经办：{line.holder or '无人认领'}（第 {line.level} 级督办）"
        for line in lines
    ]
    return "\n".join(
        [
            f"【心愿督办】{office_name}：下级妇联有 {len(lines)} 个心愿"
            "长时间没有进展，请协助推动：",
            *numbered(body, limit),
            "请联系经办同志了解情况，必要时协调资源，谢谢！",
        ]
    )


@dataclass(frozen=True)
class DigestStats:
    new: int
    overdue: int
    fulfilled: int
    open: int
    first_response: timedelta | None
    first_response_count: int


def digest_text(*, office_name: str, day: date, stats: DigestStats) -> str:
    if stats.first_response is None:
        response = "首次响应：本期没有新认领的心愿"
    else:
        response = (
            f"首次响应：平均 {waited(stats.first_response)}（{stats.first_response_count} 个心愿）"
        )
    return "\n".join(
        [
            f"【每日简报】{office_name} {month_day(day)}",
            f"新增心愿：{stats.new} 个",
            f"已圆梦：{stats.fulfilled} 个",
            f"超时待跟进：{stats.overdue} 个",
            f"在办心愿：{stats.open} 个",
            response,
            (
                "超时心愿已分别提醒经办同志，辛苦大家！"
                if stats.overdue
                else "没有超时心愿，继续保持！"
            ),
        ]
    )


def category_unchanged(seq: int, category: Category) -> str:
    return f"心愿 #{seq} 的类别本来就是「{Category(category).label}」，没有变化"
