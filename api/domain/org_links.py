"""Wishes linked to the 三新 organisations of the area; organisation leads; branch coverage.

A wish names its organisation the way members speak ("阳光幼儿园"), not as the ledger has it
("城东阳光幼儿园", "江城顺丰速运有限公司"): names are compared by their distinctive core, either
containing the other. When the text names none, the organisation of the member's earlier wishes
is hers. An organisation-looking name the ledger does not know is a proposal for staff.
All functions are keyword-only and flush, never commit.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.domain.common import office_path, subtree_clause
from api.domain.errors import InvalidInput
from models import Organisation, Wish
from models.clock import utcnow
from models.enums import Category
from nlp.entities import extract
from nlp.text import fold

logger = logging.getLogger(__name__)

MIN_CORE = 3  # shorter cores ("阳光", "花店") match far too much
# Legal forms at the end and places at the start say nothing about which organisation it is.
_LEGAL_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|分公司|公司|集团)$")
_PLACE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{1,5}?(?:省|市|区|县|街道|镇|乡)")
# What people put before a name that is not part of it: "我们在…", "孩子的…", "一家…".
_LEAD_IN = re.compile(r"^.*[的在是了给跟到向请找去把从让被我你他她们]")
_MEASURE = re.compile(r"^[一这那每某][家个所间座]")
# Words that alone are a kind of organisation, never one organisation.
_GENERIC = frozenset(
    {
        "幼儿园",
        "公司",
        "医院",
        "协会",
        "商会",
        "学校",
        "小学",
        "中学",
        "诊所",
        "集团",
        "工作室",
        "合作社",
        "基金会",
        "培训学校",
        "培训中心",
        "服务中心",
        "服务站",
        "驿站",
        "站点",
        "律师事务所",
        "事务所",
        "妇联",
        "店",
        "门店",
        "超市",
        "快递站",
    }
)
# Organisation-looking names for proposals: what nlp.entities finds, and shops (…店).
_SHOP = re.compile(r"([\u4e00-\u9fff\w]{1,12}?(?:门店|店))(?![\u4e00-\u9fff])")


def core_name(name: str) -> str:
    """The distinctive part of an organisation's name ("东风街道阳光幼儿园" → "阳光幼儿园",
    "江城顺丰速运有限公司" → "江城顺丰速运"); a part shorter than MIN_CORE is not removed."""
    core = fold(name).strip().replace(" ", "")
    for pattern in (_LEGAL_SUFFIX, _PLACE_PREFIX):
        shorter = pattern.sub("", core)
        if len(shorter) >= MIN_CORE:
            core = shorter
    return core


def _clean(found: str) -> str:
    """Cut what precedes the name, unless only a kind of organisation would be left."""
    name = found.strip()
    for pattern in (_LEAD_IN, _MEASURE):
        shorter = pattern.sub("", name)
        if len(shorter) >= MIN_CORE and shorter not in _GENERIC:
            name = shorter
    return name


def propose_organisation_name(text: str) -> str | None:
    """The organisation-looking name in a wish (…幼儿园, …公司, …协会, …驿站, …店), cleaned
    of what precedes it ("孩子在阳光幼儿园" → "阳光幼儿园"); None when none is worth proposing."""
    folded = fold(text)
    found = [*extract(text).organisations, *(m.group(1) for m in _SHOP.finditer(folded))]
    for raw in found:
        name = _clean(raw)
        if len(name) >= MIN_CORE and name not in _GENERIC and core_name(name) not in _GENERIC:
            return name
    return None


def _names_match(a: str, b: str) -> bool:
    if min(len(a), len(b)) < MIN_CORE or a in _GENERIC or b in _GENERIC:
        return False
    return a in b or b in a


def _in_area(session: Session, wish: Wish) -> sa.ColumnElement[bool]:
    return subtree_clause(session, col(Organisation.office_id), wish.office_id)


def match_organisation(
    *, session: Session, wish: Wish, text: str | None = None
) -> Organisation | None:
    """The organisation of the wish's office subtree that `text` (the wish's by default) names;
    None when none does or two match equally well (better ask staff than guess)."""
    text = fold(wish.text if text is None else text).replace(" ", "")
    mentioned = [core_name(_clean(n)) for n in extract(text).organisations]
    best: list[tuple[int, int, Organisation]] = []
    for org in session.exec(select(Organisation).where(_in_area(session, wish))).all():
        core = core_name(org.name)
        if len(core) < MIN_CORE or core in _GENERIC:
            continue
        if core in text:
            best.append((2, len(core), org))  # the ledger's name, as written
        elif any(_names_match(core, m) for m in mentioned):
            best.append((1, len(core), org))
    if not best:
        return None
    best.sort(key=lambda b: (b[0], b[1]), reverse=True)
    if len(best) > 1 and best[0][:2] == best[1][:2]:
        logger.info("wish %s names %d organisations equally well", wish.id, len(best))
        return None
    return best[0][2]


def _members_organisation(session: Session, wish: Wish) -> Organisation | None:
    """The organisation of her latest earlier wish in this office's area, if any."""
    if not wish.submitter_wechat_id:
        return None
    stmt = (
        select(Organisation)
        .join(Wish, col(Wish.organisation_id) == col(Organisation.id))
        .where(
            Wish.submitter_wechat_id == wish.submitter_wechat_id,
            col(Wish.id) != (wish.id or 0),
            _in_area(session, wish),
        )
        .order_by(col(Wish.created_at).desc(), col(Wish.id).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def link_organisation(*, session: Session, wish: Wish) -> Organisation | None:
    """Links the wish to its organisation: the one it already has, the one its text names, or
    (when the text names no organisation at all) the one of the member's earlier wishes.
    Returns it, or None; a name the ledger does not know is for propose_organisation_name."""
    if wish.organisation_id is not None:
        return session.get(Organisation, wish.organisation_id)
    org = match_organisation(session=session, wish=wish)
    if org is None and propose_organisation_name(wish.text) is None:
        org = _members_organisation(session, wish)
    if org is not None:
        wish.organisation_id = org.id
        session.add(wish)
        session.flush()
        logger.info("wish %s linked to organisation %s", wish.id, org.id)
    return org


def record_lead(*, session: Session, wish: Wish, organisation: Organisation) -> Organisation:
    """A wish to join or found a federation branch (组织建设) makes its organisation a lead.
    The first such wish stays the lead's; the wish is linked to the organisation. Flushes."""
    if wish.category != Category.organization:
        raise InvalidInput(f"心愿 #{wish.seq} 不是组织建设类心愿，不能记为建会线索")
    if organisation.lead_wish_id is None:
        organisation.lead_wish_id = wish.id
        organisation.lead_at = utcnow()
        organisation.updated_at = utcnow()
        session.add(organisation)
    if wish.organisation_id is None:
        wish.organisation_id = organisation.id
        session.add(wish)
    session.flush()
    return organisation


def coverage(*, session: Session, office_id: int) -> dict[str, Any]:
    """Branch coverage of an office's area (this office and those below it): how many 三新
    organisations it keeps, how many have a federation branch, how many are leads (asked for
    one, none yet), and the women they employ. ``rate``: with_branch / organisations."""
    if office_path(session, office_id) is None:
        raise InvalidInput(f"office_id：没有编号为 {office_id} 的妇联")

    def total(condition: sa.ColumnElement[bool], of: Any = 1) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, of), else_=0)), 0)

    branch = col(Organisation.has_branch).is_(True)
    lead = sa.and_(col(Organisation.lead_wish_id).is_not(None), ~branch)
    women = col(Organisation.women_count)
    row = session.execute(
        sa.select(
            sa.func.count(col(Organisation.id)),
            total(branch),
            total(lead),
            sa.func.coalesce(sa.func.sum(women), 0),
            total(branch, women),
        ).where(subtree_clause(session, col(Organisation.office_id), office_id))
    ).one()
    organisations, with_branch, leads, all_women, branch_women = (int(n) for n in row)
    return {
        "organisations": organisations,
        "with_branch": with_branch,
        "leads": leads,
        "rate": round(with_branch / organisations, 4) if organisations else 0.0,
        "women": all_women,
        "women_in_branches": branch_women,
    }
