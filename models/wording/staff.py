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
from datetime import date, datetime, timedelta

from models.clock import to_local
from models.enums import Action, Category, RowAction, WishStatus
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
    return f"心愿 #{seq} 已圆梦{tail}，已记入暖心满溢录"


def closed(seq: int, reason_label: str) -> str:
    return f"心愿 #{seq} 已关闭（{reason_label}）"


def recategorised(seq: int, old: Category, new: Category) -> str:
    return (
        f"心愿 #{seq} 类别已从「{Category(old).label}」改为「{Category(new).label}」，"
        "识别规则会参考这次更正"
    )


def not_a_wish(seq: int) -> str:
    return f"已把 #{seq} 标记为不是心愿并关闭，识别规则会参考这次更正"


def todo(lines: Sequence[tuple[int, Category | None, WishStatus, int]], unclaimed: int) -> str:
    """待办; a category None (a sensitive wish, asked in a group) is left out of its line."""
    if lines:
        body = "\n".join(
            f"#{seq} {Category(cat).label + ' ' if cat is not None else ''}"
            f"{WishStatus(st).label}（{days} 天）"
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
    "· 完成 编号 受益30人 价值5000元 说明… 公开：群里可以看到的说明\n"
    "· 关闭 编号 原因 / 改类 编号 类别 / 不是心愿 编号\n"
    "· 推荐 编号：看推荐的资源 / 转资源 编号：把爱心提供转为资源草稿\n"
    "· 登记 T编号 / 忽略 T编号：处理拿不准的消息\n"
    "· 登记 @成员 内容，或引用她的消息回复「登记」：补登漏掉的心愿\n"
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
    # Only the lines shown are formatted: a run may hand one person thousands.
    body = [f"{line.ref}，已等待{waited(line.waited)}，{line.reason()}" for line in lines[:limit]]
    return "\n".join(
        [
            f"【心愿提醒】{staff_name}您好，以下 {len(lines)} 个心愿需要您跟进：",
            *numbered(body, limit, len(lines)),
            "有求即答，有事尽帮。处理后请在台账中更新状态，谢谢！",
        ]
    )


def escalation_text(*, office_name: str, lines: Sequence[Line], limit: int) -> str:
    body = [
        f"{line.office_name}{line.ref}，已等待{waited(line.waited)}，{line.reason()}，"
        f"经办：{line.holder or '无人认领'}（第 {line.level} 级督办）"
        for line in lines[:limit]
    ]
    return "\n".join(
        [
            f"【心愿督办】{office_name}：下级妇联有 {len(lines)} 个心愿"
            "长时间没有进展，请协助推动：",
            *numbered(body, limit, len(lines)),
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


# ---- what 完成 recorded, suggestions (推荐), offers turned into resources (转资源) ------------


def fulfilment_recorded(beneficiaries: int, value_yuan: float, summary: bool = False) -> str:
    """Echoes what 完成 wrote into the fulfilment record, so a misread number is seen at once."""
    parts = [f"受益 {beneficiaries} 人" if beneficiaries else "受益人数未填"]
    parts.append(f"价值 {value_yuan:g} 元" if value_yuan else "价值未填")
    if summary:
        parts.append("说明已记下")
    return f"记录：{'，'.join(parts)}"


def fulfilled_with_record(seq: int, beneficiaries: int, value_yuan: float, summary: bool) -> str:
    return (
        f"{fulfilled(seq, beneficiaries, value_yuan)}\n"
        f"{fulfilment_recorded(beneficiaries, value_yuan, summary)}"
    )


def suggestion_reason(code: str) -> str:
    """A reason code of api/domain/suggestions in simple words ("keywords:工资" → 关键词：工资)."""
    kind, _, detail = code.partition(":")
    if kind == "category":
        return "类别相符"
    if kind == "keywords":
        return f"关键词：{'、'.join(w for w in detail.split(',') if w)}"
    if kind == "history":
        return f"曾帮助同类心愿 {detail} 次"
    if kind == "capacity":
        return "名额已满"
    return ""


@dataclass(frozen=True)
class SuggestedResource:
    resource_id: int
    name: str
    provider: str
    reasons: tuple[str, ...]


def suggestion_lines(items: Sequence[SuggestedResource]) -> list[str]:
    """One line per resource: "资源7 法律援助（市律协）— 类别相符、关键词：工资"."""
    lines = []
    for item in items:
        why = "、".join(r for r in (suggestion_reason(c) for c in item.reasons) if r)
        provider = f"（{item.provider}）" if item.provider else ""
        lines.append(f"资源{item.resource_id} {item.name}{provider}" + (f"— {why}" if why else ""))
    return lines


def suggestions(seq: int, items: Sequence[SuggestedResource]) -> str:
    if not items:
        return f"暂时没有适合心愿 #{seq} 的资源，可以在资源库里添加后再试"
    return "\n".join(
        [
            f"心愿 #{seq} 推荐资源：",
            *suggestion_lines(items),
            f"对接请发：匹配 {seq} 资源{items[0].resource_id}",
        ]
    )


def suggestions_below_status(seq: int, items: Sequence[SuggestedResource]) -> str:
    """Under the status of a wish not yet matched (staff's 查询): the same lines, briefly."""
    if not items:
        return ""
    return "\n".join(["可对接的资源：", *suggestion_lines(items), f"对接请发：匹配 {seq} 资源编号"])


def repeated_elsewhere(seq: int, times: int, groups: int) -> str:
    """Under staff's 查询: the member posted this wish again (merged into it, not a new wish)."""
    if times <= 0:
        return ""
    return f"心愿 #{seq} 另在 {groups} 个群重复提出 {times} 次（已合并，不另编号）"


def not_an_offer(seq: int) -> str:
    return f"心愿 #{seq} 不是爱心提供（公益参与），不能转为资源"


def resource_drafted(seq: int, resource_id: int, name: str, created: bool) -> str:
    if not created:
        return (
            f"心愿 #{seq} 已经转过资源：资源{resource_id}「{name}」（草稿），"
            "请管理员在资源库里完善后启用"
        )
    return (
        f"已把心愿 #{seq} 转为资源草稿：资源{resource_id}「{name}」，"
        "请管理员在资源库里完善联系方式后启用"
    )


# A resource made from an offer is named by its category and keywords, provided by the
# organisation named in the wish or else by the member.
MEMBER_PROVIDER = "成员提供"


def draft_resource_name(seq: int, category: Category, keywords: Sequence[str]) -> str:
    words = "、".join(k for k in keywords[:3] if k)
    return (
        f"{Category(category).label}：{words}（心愿 #{seq}）"
        if words
        else (f"{Category(category).label}（心愿 #{seq}）")
    )


def lead_recorded(seq: int, organisation_name: str) -> str:
    return f"已把心愿 #{seq} 记为「{organisation_name}」的建会线索，请联系对接"


# ---- alerts to the responsible staff (有求即答): private, masked, with what to reply ---------


def new_wish_alert(
    *,
    seq: int,
    category: Category,
    text: str,
    group_topic: str,
    talker: str,
    suggestions: Sequence[SuggestedResource],
) -> str:
    """A new wish, privately to the staff responsible: ``text`` and ``talker`` come masked."""
    where = "（" + " ".join(x for x in (group_topic, f"@{talker}" if talker else "") if x) + "）"
    lines = [
        f"新心愿 #{seq}（{Category(category).label}）：{text}{where if where != '（）' else ''}"
    ]
    if suggestions:
        lines += ["可对接的资源：", *suggestion_lines(suggestions)]
    lines.append(f"回复「认领 {seq}」认领，「推荐 {seq}」看更多资源")
    return "\n".join(lines)


def triage_alert(*, label: str, text: str, group_topic: str, talker: str) -> str:
    """An uncertain message, privately to staff: nothing was said in the group."""
    where = " ".join(x for x in (group_topic, f"@{talker}" if talker else "") if x)
    return (
        f"可能的心愿 {label}：{text}"
        + (f"（{where}）" if where else "")
        + f"\n回复「登记 {label}」或「忽略 {label}」"
    )


def triage_accepted(label: str, seq: int, told_member: bool) -> str:
    tail = "，已在群里回复成员编号" if told_member else ""
    return f"已把 {label} 登记为心愿 #{seq}{tail}"


def triage_ignored(label: str) -> str:
    return f"已忽略 {label}，原话已删除，识别规则会参考这次更正"


def registered_for_member(seq: int, member_name: str) -> str:
    who = f"为{member_name}" if member_name else ""
    return f"已{who}登记心愿 #{seq}，识别规则会参考这次漏识别"


def organisation_proposed(name: str) -> str:
    return f"心愿提到的「{name}」还不在三新组织名册里，可以在管理页面添加"


TRIAGE_AMBIGUOUS = "有多个群都有这个编号的待确认消息，请在对应的群里回复"


# ---- Personal-data rights (个人信息权利): erasure and retention ----------------------------------

# What an erased or expired wish says instead of the member's words (the ledger keeps its number,
# category, status and dates for the statistics; name and WeChat id are gone).
ERASED_TEXT = "（已删除）"

# ---- sensitive wishes and public texts (api/domain/visibility.py, api/domain/announcements.py)


def announcement_note(public: bool, sensitive: bool, held_until: datetime | None = None) -> str:
    """What 完成 tells staff about the group's 圆梦 post (``held_until``: it waits for the end
    of the quiet hours, office.quiet_hours)."""
    if sensitive:
        return "这是敏感心愿：群里不发圆梦消息，请私下告诉她"
    if public:
        note = "群里会发布圆梦消息，写上您的公开说明"
    else:
        note = "群里会发布圆梦消息（只说心愿已实现；要写服务内容，请在指令后加「公开：…」）"
    if held_until is not None:
        note += f"\n{quiet_hours_hold(held_until)}"
    return note


def sensitive_wish_alert(seq: int) -> str:
    """A new sensitive wish alerted to a staff group (nobody responsible was found): no content."""
    return f"新心愿 #{seq}（敏感，内容不在群里显示）：请负责的工作人员在心愿台账查看，并私下联系她"


# The export's cell for a sensitive wish's text, for a caller who may not read it.
EXPORT_RESTRICTED = "（敏感心愿：内容只有管理员和负责人可以查看）"

# --- Real WeChat account: alerts after a logout or a silent gateway (bot/app.py) -------------
ACCOUNT_ALERT_KINDS = {
    "logout": "微信号被退出登录",
    "heartbeat_missing": "网关一段时间没有响应",
}


def account_back_online(kinds: list[str]) -> str:
    """To the alert contacts once the bot's account is logged in again."""
    what = "、".join(dict.fromkeys(ACCOUNT_ALERT_KINDS.get(k, k) for k in kinds))
    return f"心愿池机器人已重新登录。刚才{what}，这段时间群里的消息可能没有及时回复，请留意。"


# ---- Statistics and imports (api/domain/statistics.py, api/domain/imports.py) ----------------

STATS_NO_ORGANISATION = "未关联组织"

IMPORT_EMPTY = "文件是空的，请检查后重新上传"
IMPORT_BAD_ENCODING = "无法识别文件的编码，请在 Excel 中另存为 .xlsx 或“CSV UTF-8”后再上传"
IMPORT_BAD_XLSX = "无法打开这个 Excel 文件，请确认它是 .xlsx 格式且没有损坏"
IMPORT_OLD_XLS = "暂不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再上传"
IMPORT_BAD_CSV = "CSV 文件格式有误（引号不成对或单元格太长），请检查后再上传"
IMPORT_BLANK = "不能为空"
IMPORT_BAD_VALUE = "格式不对"
IMPORT_NO_OFFICE = "请填写所属妇联，或在导入时指定默认妇联"
IMPORT_CONFLICT = "导入失败：数据与现有记录冲突（可能有人同时修改了名册），请重新预览后再导入"


def import_too_many_rows(limit: int) -> str:
    return f"一次最多导入 {limit} 行，请把文件拆成几份再导入"


def import_no_header(expected: list[str]) -> str:
    return "没有找到表头：前几行里应有列名，例如 " + "、".join(expected[:6])


def import_missing_columns(missing: list[str], expected: list[str]) -> str:
    return f"缺少必需的列：{'、'.join(missing)}。可以用的列名：{'、'.join(expected)}"


def import_bad_yes_no(label: str, text: str) -> str:
    return f"{label}：「{text[:20]}」请填“是”或“否”"


def import_bad_number(label: str, text: str) -> str:
    return f"{label}：「{text[:20]}」不是人数或数量，请填整数"


def import_bad_date(label: str, text: str) -> str:
    return f"{label}：「{text[:20]}」不是日期，请写成 2026-09-01"


def import_bad_choice(label: str, text: str, choices: list[str]) -> str:
    return f"{label}：「{text[:20]}」不认识，可以填：{'、'.join(choices)}"


def import_unknown_office(text: str) -> str:
    return f"所属妇联：没有找到「{text[:30]}」，请填妇联全称或简码"


def import_ambiguous_office(text: str) -> str:
    return f"所属妇联：有多个妇联叫「{text[:30]}」，请填简码"


def import_unknown_staff(text: str) -> str:
    return f"联系人：工作人员名单里没有「{text[:20]}」，请先导入工作人员或填微信号"


def import_ambiguous_staff(text: str) -> str:
    return f"联系人：有多位工作人员叫「{text[:20]}」，请填微信号"


def import_too_long(limit: object) -> str:
    return f"太长（最多 {limit} 个字）"


def import_too_small(limit: object) -> str:
    return f"不能小于 {limit}"


def import_too_large(limit: object) -> str:
    return f"不能大于 {limit}"


def import_same_as_row(row: int) -> str:
    return f"与第 {row} 行完全相同，已跳过"


def import_conflicts_with_row(row: int) -> str:
    return f"与第 {row} 行是同一条记录但内容不同，请合并成一行"


def import_refused_rows(count: int) -> str:
    return f"有 {count} 行不能导入，整个文件都没有导入；请按预览里的原因改好后再导入"


def import_too_big(limit_bytes: int) -> str:
    return f"文件太大：最多 {max(limit_bytes // (1024 * 1024), 1)} MB，请拆成几份再导入"


# `wishpool import` (api/cli/imports.py): what each row does, in the one vocabulary's words.


def _action_label(action: str) -> str:
    return RowAction(action).label if action in RowAction.__members__ else action


def import_row_line(row: int, action: str, key: str, reasons: list[str]) -> str:
    why = f"：{'；'.join(reasons)}" if reasons else ""
    return f"第 {row} 行 {_action_label(action)} {key}{why}"


def import_summary(applied: bool, counts: dict[str, int], ignored: list[str]) -> str:
    parts = "，".join(f"{_action_label(k)} {n}" for k, n in counts.items() if n)
    head = "已导入" if applied else "预览（未写入，加 --apply 导入）"
    text = f"{head}：{parts or '没有数据行'}"
    if ignored:
        text += f"\n未使用的列（不保存）：{'、'.join(ignored)}"
    return text


IMPORT_PROGRESS = "核对"

# ---- Reliability: replaying a dead letter (a message the system could not handle) ----
REPLAY_FAILED = "重新处理仍然没有成功，请稍后再试或联系技术支持"
REPLAY_BAD_PAYLOAD = "这条消息的内容不完整，无法重新处理"
LEDGER_READ_ONLY = "账本暂时只读，无法保存修改；查看不受影响，请稍后再试或联系技术支持"

# ---- First run and quiet hours (the 圆梦 post held until the morning) -------------------------


def quiet_hours_hold(until: datetime) -> str:
    """A 圆梦 post (or any non-urgent group message) waits for the quiet hours to end."""
    return f"圆梦消息将在 {to_local(until):%H:%M} 发出（免打扰时段）"


# ---- Follow-up never stops silently; the calendar the admin keeps (api/followup) --------------


def unassigned_text(*, office_name: str, lines: Sequence[Line], limit: int) -> str:
    """Wishes nobody is responsible for (no assignee, liaison, 片区 or on-duty person):
    to the office's staff group, or the nearest office above with someone."""
    body = [
        f"{line.office_name}{line.ref}，已等待{waited(line.waited)}，{line.reason()}"
        for line in lines[:limit]
    ]
    return "\n".join(
        [
            f"【心愿提醒】{office_name}：有 {len(lines)} 个心愿没有负责的同志"
            "（没有经办人、分片联系人或值班人），请安排人跟进：",
            *numbered(body, limit, len(lines)),
            "也请在管理页面为相关妇联设置值班人，谢谢！",
        ]
    )


def admin_unreachable_text(*, lines: Sequence[Line], limit: int) -> str:
    """To the administrators: wishes whose office and every office above have nobody."""
    body = [
        f"{line.office_name}{line.ref}，已等待{waited(line.waited)}，{line.reason()}"
        for line in lines[:limit]
    ]
    return "\n".join(
        [
            f"【请管理员处理】有 {len(lines)} 个心愿找不到可以提醒或督办的人"
            "（本级和上级妇联都没有在岗工作人员或工作群）：",
            *numbered(body, limit, len(lines)),
            "请在管理页面为这些妇联添加工作人员或设置值班人，谢谢！",
        ]
    )


def admin_empty_offices_text(office_names: Sequence[str]) -> str:
    """To the administrators, at most once a day: offices with nobody at all."""
    return (
        f"【请管理员处理】这些妇联没有在岗工作人员，也没有工作群，提醒和督办无法送达："
        f"{'、'.join(office_names)}。请在管理页面添加工作人员或工作群，谢谢！"
    )


def skipped_levels_note(office_names: Sequence[str]) -> str:
    """In an escalation's timeline note: the empty levels it went past."""
    return f"，{'、'.join(office_names)}没有人，已跳过" if office_names else ""


def calendar_missing_text(year: int) -> str:
    """To the administrators, from December: next year's 调休 not entered yet."""
    return (
        f"【请管理员处理】{year} 年的放假和调休上班安排还没有录入。没有录入时，提醒、每日简报和"
        f"圆梦榜会按星期一到五算工作日，调休的周末不会发，节日里可能会发。请在管理页面"
        f"「节假日」里录入 {year} 年的安排（国务院办公厅发布的通知），谢谢！"
    )
