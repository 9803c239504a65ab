"""The one vocabulary of the ledger: every fixed code and the Chinese label people read for it.

A label is defined here and nowhere else. The admin page fetches them (GET /api/v1/labels), the
Excel export and the chat wording use ``.label``; so a federation office sees the same word for
the same thing everywhere (对接资源, 圆梦, 提供 …). Codes are stored and never change; labels may.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Labelled(StrEnum):
    """A code with the Chinese label members and staff read for it."""

    @property
    def label(self) -> str:
        return _LABELS[type(self)][self]


class Category(Labelled):
    legal = "legal"
    career = "career"
    family = "family"
    culture = "culture"
    health = "health"
    marriage = "marriage"
    care = "care"
    volunteer = "volunteer"
    organization = "organization"
    other = "other"

    @classmethod
    def from_label(cls, text: str) -> Category | None:
        """Accepts a code (``health``), a full label (``身心健康``) or a short one (``健康``)."""
        text = text.strip()
        if text in cls.__members__:
            return cls(text)
        for cat, label in CATEGORY_LABELS.items():
            if text == label or text in CATEGORY_SHORT[cat]:
                return cat
        return None


CATEGORY_LABELS: dict[Category, str] = {
    Category.legal: "法律维权",
    Category.career: "职业发展",
    Category.family: "家庭教育",
    Category.culture: "文体活动",
    Category.health: "身心健康",
    Category.marriage: "婚姻家庭",
    Category.care: "关爱帮扶",
    Category.volunteer: "公益参与",
    Category.organization: "组织建设",
    Category.other: "其他",
}

CATEGORY_SHORT: dict[Category, tuple[str, ...]] = {
    Category.legal: ("法律", "维权"),
    Category.career: ("职业", "就业", "创业"),
    Category.family: ("家庭教育", "亲子", "教育"),
    Category.culture: ("文体", "文化", "体育"),
    Category.health: ("健康", "心理"),
    Category.marriage: ("婚姻", "婚恋"),
    Category.care: ("关爱", "帮扶", "困难"),
    Category.volunteer: ("公益", "志愿"),
    Category.organization: ("组织", "建会"),
    Category.other: ("其它",),
}


class WishKind(Labelled):
    need = "need"
    offer = "offer"


# "提供", not "供给": an office says a company 提供 a service; 供给 is economists' language.
KIND_LABELS: dict[WishKind, str] = {WishKind.need: "需求", WishKind.offer: "提供"}


class WishStatus(Labelled):
    new = "new"
    claimed = "claimed"
    matched = "matched"
    in_service = "in_service"
    fulfilled = "fulfilled"
    closed = "closed"


STATUS_LABELS: dict[WishStatus, str] = {
    WishStatus.new: "已登记",
    WishStatus.claimed: "已认领",
    WishStatus.matched: "已对接",
    WishStatus.in_service: "服务中",
    WishStatus.fulfilled: "已圆梦",
    WishStatus.closed: "已关闭",
}

OPEN_STATUSES = (WishStatus.new, WishStatus.claimed, WishStatus.matched, WishStatus.in_service)


class Action(Labelled):
    """What staff do to a wish; api/domain/workflow.py says from which status to which."""

    claim = "claim"
    match = "match"
    start = "start"
    fulfil = "fulfil"
    close = "close"
    reopen = "reopen"


# The words of the closed loop (资源匹配 → 服务落地 → 圆梦) as offices say them: a wish is
# 对接 to a resource (the status is 已对接) and its fulfilment is 圆梦 (the status is 已圆梦).
ACTION_LABELS: dict[Action, str] = {
    Action.claim: "认领",
    Action.match: "对接资源",
    Action.start: "开始服务",
    Action.fulfil: "圆梦",
    Action.close: "关闭",
    Action.reopen: "重新打开",
}


class CloseReason(Labelled):
    duplicate = "duplicate"
    withdrawn = "withdrawn"
    invalid = "invalid"
    cannot_help = "cannot_help"

    @classmethod
    def from_label(cls, text: str) -> CloseReason | None:
        text = text.strip()
        if text in cls.__members__:
            return cls(text)
        for reason, label in CLOSE_REASON_LABELS.items():
            if text.startswith(label[:2]) or text == label:
                return reason
        return None


CLOSE_REASON_LABELS: dict[CloseReason, str] = {
    CloseReason.duplicate: "重复",
    CloseReason.withdrawn: "撤回",
    CloseReason.invalid: "无效",
    CloseReason.cannot_help: "无法帮助",
}


class Role(Labelled):
    """The role of an API token (the bot's token included)."""

    admin = "admin"
    staff = "staff"
    bot = "bot"


# The admin page's 令牌 list (GET /labels "token_role").
TOKEN_ROLE_LABELS: dict[Role, str] = {
    Role.admin: "管理员",
    Role.staff: "工作人员",
    Role.bot: "机器人",
}


class StaffRole(Labelled):
    admin = "admin"
    staff = "staff"


STAFF_ROLE_LABELS: dict[StaffRole, str] = {StaffRole.admin: "管理员", StaffRole.staff: "工作人员"}


class OfficeLevel(Labelled):
    city = "city"
    district = "district"
    street = "street"
    community = "community"


OFFICE_LEVEL_LABELS: dict[OfficeLevel, str] = {
    OfficeLevel.city: "市",
    OfficeLevel.district: "区",
    OfficeLevel.street: "街道",
    OfficeLevel.community: "社区",
}


class OrganisationKind(Labelled):
    new_economic = "new_economic"
    new_social = "new_social"
    new_employment = "new_employment"


ORG_KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.new_economic: "新经济组织",
    OrganisationKind.new_social: "新社会组织",
    OrganisationKind.new_employment: "新就业群体",
}


class EventKind(Labelled):
    created = "created"
    transition = "transition"
    note = "note"
    matched = "matched"
    category_changed = "category_changed"
    reminded = "reminded"
    escalated = "escalated"


EVENT_LABELS: dict[EventKind, str] = {
    EventKind.created: "登记",
    EventKind.transition: "状态变更",
    EventKind.note: "备注",
    EventKind.matched: "对接资源",
    EventKind.category_changed: "修改类别",
    EventKind.reminded: "提醒",
    EventKind.escalated: "上报",
}


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class OutboxTarget(StrEnum):
    room = "room"
    contact = "contact"


# ---- Personal-data rights (个人信息权利) and the audit log ------------------------------------


class AuditAction(Labelled):
    """What the audit log records: who saw, exported or erased whose personal data."""

    self_view = "self_view"
    self_erase = "self_erase"
    person_export = "person_export"
    person_erase = "person_erase"
    ledger_export = "ledger_export"
    retention = "retention"


AUDIT_ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.self_view: "本人查询个人信息",
    AuditAction.self_erase: "本人删除个人信息",
    AuditAction.person_export: "管理员导出个人信息",
    AuditAction.person_erase: "管理员删除个人信息",
    AuditAction.ledger_export: "管理员导出完整台账",
    AuditAction.retention: "到期自动清理",
}


# ---- Imports (api/domain/imports.py): which list, and what a row of the file does ----------------


class ImportKind(Labelled):
    resources = "resources"
    organisations = "organisations"
    staff = "staff"


IMPORT_KIND_LABELS: dict[ImportKind, str] = {
    ImportKind.resources: "暖新资源库",
    ImportKind.organisations: "三新组织",
    ImportKind.staff: "工作人员",
}


class RowAction(Labelled):
    create = "create"  # a new record
    update = "update"  # an existing record (same natural key) with changed fields
    unchanged = "unchanged"  # an existing record already as the row says
    duplicate = "duplicate"  # the same row again in the file: skipped
    refuse = "refuse"  # not imported; `reasons` say why


ROW_ACTION_LABELS: dict[RowAction, str] = {
    RowAction.create: "新建",
    RowAction.update: "更新",
    RowAction.unchanged: "不变",
    RowAction.duplicate: "重复（跳过）",
    RowAction.refuse: "拒绝",
}


_LABELS: dict[type[Labelled], Mapping[Any, str]] = {
    Category: CATEGORY_LABELS,
    WishKind: KIND_LABELS,
    WishStatus: STATUS_LABELS,
    Action: ACTION_LABELS,
    CloseReason: CLOSE_REASON_LABELS,
    StaffRole: STAFF_ROLE_LABELS,
    Role: TOKEN_ROLE_LABELS,
    OfficeLevel: OFFICE_LEVEL_LABELS,
    OrganisationKind: ORG_KIND_LABELS,
    EventKind: EVENT_LABELS,
    AuditAction: AUDIT_ACTION_LABELS,
    ImportKind: IMPORT_KIND_LABELS,
    RowAction: ROW_ACTION_LABELS,
}

# The vocabulary as GET /api/v1/labels serves it: {name: the enum}, in the page's words.
VOCABULARY: dict[str, type[Labelled]] = {
    "status": WishStatus,
    "category": Category,
    "kind": WishKind,
    "action": Action,
    "close_reason": CloseReason,
    "event": EventKind,
    "office_level": OfficeLevel,
    "org_kind": OrganisationKind,
    "role": StaffRole,
    "audit_action": AuditAction,
    "token_role": Role,
    "import_kind": ImportKind,
    "import_action": RowAction,
}


def vocabulary() -> dict[str, dict[str, str]]:
    """Every labelled code: {"status": {"new": "已登记", …}, "category": {…}, …}, in enum order."""
    return {name: {m.value: m.label for m in enum} for name, enum in VOCABULARY.items()}


# ---- Calendar (holidays and adjusted working days, models/calendar_day.py) ---------------------


class CalendarDayKind(Labelled):
    holiday = "holiday"  # a day off on what would be a working day (or inside a holiday)
    workday = "workday"  # 调休: a weekend day that is worked


CALENDAR_DAY_KIND_LABELS: dict[CalendarDayKind, str] = {
    CalendarDayKind.holiday: "放假",
    CalendarDayKind.workday: "调休上班",
}
_LABELS[CalendarDayKind] = CALENDAR_DAY_KIND_LABELS
VOCABULARY["calendar_day_kind"] = CalendarDayKind
