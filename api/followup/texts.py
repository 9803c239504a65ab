"""The Chinese texts of reminders, escalations, digests and the monthly 圆梦榜.

Members' personal data never appears here: no submitter names or WeChat ids, no phone numbers and
no wish text. A wish is referred to by its number and category ("#42（家庭教育）"), which staff can
look up in the ledger. Staff names (who had a wish) are work data and may appear in staff messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from models.enums import Category


def wish_ref(seq: int, category: str) -> str:
    return f"#{seq}（{Category(category).label}）"


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


def _listing(lines: Sequence[str], limit: int) -> list[str]:
    shown = [f"{i}. {text}" for i, text in enumerate(lines[:limit], start=1)]
    if len(lines) > limit:
        shown.append(f"……另有 {len(lines) - limit} 条，请在心愿台账中查看")
    return shown


def reminder_text(*, staff_name: str, lines: Sequence[Line], limit: int) -> str:
    body = [f"{line.ref}，已等待{waited(line.waited)}，{line.reason()}" for line in lines]
    return "\n".join(
        [
            f"【心愿提醒】{staff_name}您好，以下 {len(lines)} 个心愿需要您跟进：",
            *_listing(body, limit),
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
            *_listing(body, limit),
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
    lines += _listing(body, limit)
    if providers:
        lines.append(f"衷心感谢{'、'.join(providers)}的爱心支持！")
    lines.append("有求即答，有事尽帮。新的心愿欢迎随时在群里提出！")
    return "\n".join(lines)
