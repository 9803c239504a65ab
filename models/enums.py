"""Fixed vocabularies of the ledger, each with the Chinese label members and staff read."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
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

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]

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


class WishKind(StrEnum):
    need = "need"
    offer = "offer"


class WishStatus(StrEnum):
    new = "new"
    claimed = "claimed"
    matched = "matched"
    in_service = "in_service"
    fulfilled = "fulfilled"
    closed = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[WishStatus, str] = {
    WishStatus.new: "已登记",
    WishStatus.claimed: "已认领",
    WishStatus.matched: "已对接",
    WishStatus.in_service: "服务中",
    WishStatus.fulfilled: "已圆梦",
    WishStatus.closed: "已关闭",
}

OPEN_STATUSES = (WishStatus.new, WishStatus.claimed, WishStatus.matched, WishStatus.in_service)


class CloseReason(StrEnum):
    duplicate = "duplicate"
    withdrawn = "withdrawn"
    invalid = "invalid"
    cannot_help = "cannot_help"

    @property
    def label(self) -> str:
        return CLOSE_REASON_LABELS[self]

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


class Role(StrEnum):
    admin = "admin"
    staff = "staff"
    bot = "bot"


class StaffRole(StrEnum):
    admin = "admin"
    staff = "staff"


class OfficeLevel(StrEnum):
    city = "city"
    district = "district"
    street = "street"
    community = "community"


class OrganisationKind(StrEnum):
    new_economic = "new_economic"  # 新经济组织
    new_social = "new_social"  # 新社会组织
    new_employment = "new_employment"  # 新就业群体


class EventKind(StrEnum):
    created = "created"
    transition = "transition"
    note = "note"
    matched = "matched"
    category_changed = "category_changed"
    reminded = "reminded"
    escalated = "escalated"


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class OutboxTarget(StrEnum):
    room = "room"
    contact = "contact"
