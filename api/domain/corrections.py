"""Staff corrections of the recogniser (kept for `rules suggest`); no raw text is stored."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from api.domain.auth import Principal
from api.domain.common import (
    get_or_404,
    is_staff,
    require_ref,
    scope_clause,
    visible,
    within_office,
)
from api.domain.errors import InvalidInput, NotFound
from api.domain.listing import ListParams, paginate
from models import Correction, Staff, Wish
from models.clock import SHANGHAI, to_local
from models.enums import Category
from models.learning import CorrectionCreate
from models.logsafe import scrub_exceptions

logger = logging.getLogger(__name__)
scrub_exceptions(logger)  # tracebacks without exception messages (they quote input)

SORTABLE: dict[str, Any] = {"id": col(Correction.id), "created_at": col(Correction.created_at)}


def learn_from(
    *,
    session: Session,
    wish: Wish,
    predicted: Category,
    corrected: Category | None,
    staff_id: int | None,
) -> None:
    """Adds a correction of the recogniser (``corrected`` None: "not a wish") to the caller's
    transaction. Only when the recogniser chose the category: one taken from a resource (点单)
    or typed by hand teaches it nothing."""
    if wish.confidence is None:
        return
    session.add(
        Correction(
            wish_id=wish.id,
            predicted_is_wish=True,
            predicted_category=predicted,
            corrected_is_wish=corrected is not None,
            corrected_category=corrected,
            features=features_of(wish.text),
            staff_id=staff_id,
        )
    )


def features_of(text: str) -> dict[str, object]:
    """The recogniser's view of the text (tokens, keywords, rules; never the raw text)."""
    try:
        from nlp import classify
        from nlp.learning import features

        return features(text, classify(text))
    except Exception:  # a correction must not fail because the recogniser did
        logger.exception("could not compute correction features")
        return {}


def create_correction(
    *, session: Session, correction_in: CorrectionCreate, principal: Principal
) -> Correction:
    """Stores one correction. An unknown wish id is refused (422), one outside a staff token's
    scope answers 404, before anything is written."""
    wish = require_ref(session, Wish, correction_in.wish_id, "wish_id")
    if wish is not None and not visible(session, principal, wish.office_id):
        raise NotFound(f"没有找到编号为 {correction_in.wish_id} 的心愿")
    correction = Correction.model_validate(correction_in)
    session.add(correction)
    session.flush()
    return correction


def list_corrections(
    *,
    session: Session,
    principal: Principal,
    params: ListParams,
    wish_id: int | None = None,
    corrected_category: Category | None = None,
) -> tuple[list[Correction], int]:
    stmt = select(Correction)
    if is_staff(principal):
        # Staff see corrections of wishes in their subtree; free-standing ones are admin-only.
        stmt = within_office(
            stmt.join(Wish, col(Wish.id) == col(Correction.wish_id)),
            session=session,
            principal=principal,
            column=col(Wish.office_id),
            office_id=None,
        )
    if wish_id is not None:
        stmt = stmt.where(col(Correction.wish_id) == wish_id)
    if corrected_category is not None:
        stmt = stmt.where(col(Correction.corrected_category) == corrected_category)
    return paginate(
        session=session, stmt=stmt, params=params, sortable=SORTABLE, default_sort="-id"
    )


def get_correction(*, session: Session, correction_id: int, principal: Principal) -> Correction:
    found = get_or_404(session, Correction, correction_id, "纠正记录")
    if is_staff(principal):
        wish = session.get(Wish, found.wish_id) if found.wish_id else None
        if wish is None or not visible(session, principal, wish.office_id):
            raise NotFound(f"没有找到编号为 {correction_id} 的纠正记录")
    return found


# ---- recognition quality over time ----------------------------------------------------------

MAX_QUALITY_WEEKS = 52


@dataclass(frozen=True)
class WeekQuality:
    """One ISO week (Asia/Shanghai) of staff corrections against the wishes logged in it."""

    week: str  # ISO week, "2025-W03"
    starts_on: date  # its Monday (local)
    wishes_logged: int
    false_alarms: int  # predicted a wish, staff said not (不是心愿, 忽略 T12)
    false_alarms_triaged: int  # of which caught in the triage queue: no member was bothered
    misses: int  # not acknowledged (or only triaged), staff said it is a wish
    recategorised: int  # a wish both times, the category changed (改类)
    false_alarm_rate: float | None  # per 100 wishes logged; None when none were logged
    miss_rate: float | None
    recategorised_rate: float | None


def recognition_quality(
    *, session: Session, principal: Principal, weeks: int, until: date | None = None
) -> list[WeekQuality]:
    """Corrections per ISO week for the `weeks` weeks ending with the one holding `until`
    (default: today in Asia/Shanghai), oldest first. Two GROUP BY queries, so the cost does not
    grow with the rows. Staff see their office subtree: a correction belongs to its wish's
    office, or, when it has none (an ignored triage item), to the office of the staff member
    who made it; free-standing corrections without either are admin-only."""
    if not 1 <= weeks <= MAX_QUALITY_WEEKS:
        raise InvalidInput(f"weeks：请填写 1 到 {MAX_QUALITY_WEEKS} 之间的周数")
    last = until or to_local(datetime.now(UTC)).date()
    first_monday = last - timedelta(days=last.weekday() + 7 * (weeks - 1))
    mondays = [first_monday + timedelta(days=7 * i) for i in range(weeks)]
    edges = [_local_midnight(m) for m in [*mondays, mondays[-1] + timedelta(days=7)]]

    kind = sa.case(
        (
            col(Correction.predicted_is_wish).is_(True)
            & col(Correction.corrected_is_wish).is_(False)
            & col(Correction.wish_id).is_(None),
            "false_alarm_triaged",
        ),
        (
            col(Correction.predicted_is_wish).is_(True)
            & col(Correction.corrected_is_wish).is_(False),
            "false_alarm",
        ),
        (
            col(Correction.predicted_is_wish).is_(False)
            & col(Correction.corrected_is_wish).is_(True),
            "miss",
        ),
        (
            col(Correction.corrected_is_wish).is_(True)
            & col(Correction.predicted_category).is_distinct_from(
                col(Correction.corrected_category)
            ),
            "recategorised",
        ),
        else_="other",
    )
    created = col(Correction.created_at)
    inner = (
        select(_week_of(created, edges).label("week"), kind.label("kind"))
        .select_from(Correction)
        .outerjoin(Wish, col(Wish.id) == col(Correction.wish_id))
        .outerjoin(Staff, col(Staff.id) == col(Correction.staff_id))
        .where(created >= edges[0], created < edges[-1])
    )
    scope = scope_clause(principal, func.coalesce(col(Wish.office_id), col(Staff.office_id)))
    if scope is not None:
        inner = inner.where(scope)
    sub = inner.subquery()
    # Grouped outside the subquery: PostgreSQL would not match a CASE with bound parameters
    # in SELECT to the same CASE in GROUP BY.
    counts: dict[tuple[int, str], int] = {
        (int(w), str(k)): int(n)
        for w, k, n in session.execute(
            sa.select(sub.c.week, sub.c.kind, func.count()).group_by(sub.c.week, sub.c.kind)
        ).all()
    }

    logged = col(Wish.created_at)
    wishes = select(_week_of(logged, edges).label("week")).where(
        logged >= edges[0], logged < edges[-1]
    )
    scope = scope_clause(principal, col(Wish.office_id))
    if scope is not None:
        wishes = wishes.where(scope)
    wsub = wishes.subquery()
    per_week = {
        int(w): int(n)
        for w, n in session.execute(
            sa.select(wsub.c.week, func.count()).group_by(wsub.c.week)
        ).all()
    }

    out: list[WeekQuality] = []
    for i, monday in enumerate(mondays):
        iso = monday.isocalendar()
        n = per_week.get(i, 0)
        triaged = counts.get((i, "false_alarm_triaged"), 0)
        false_alarms = counts.get((i, "false_alarm"), 0) + triaged
        misses = counts.get((i, "miss"), 0)
        recategorised = counts.get((i, "recategorised"), 0)
        out.append(
            WeekQuality(
                week=f"{iso.year}-W{iso.week:02d}",
                starts_on=monday,
                wishes_logged=n,
                false_alarms=false_alarms,
                false_alarms_triaged=triaged,
                misses=misses,
                recategorised=recategorised,
                false_alarm_rate=_per_hundred(false_alarms, n),
                miss_rate=_per_hundred(misses, n),
                recategorised_rate=_per_hundred(recategorised, n),
            )
        )
    return out


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI).astimezone(UTC)


def _week_of(column: Any, edges: list[datetime]) -> Any:
    """The index of the week a timestamp falls in (rows are already inside the window):
    a CASE over the week edges, newest first, works the same on SQLite and PostgreSQL."""
    newest_first = [(column >= edges[i], i) for i in range(len(edges) - 2, 0, -1)]
    return sa.case(*newest_first, else_=0) if newest_first else sa.literal(0)


def _per_hundred(count: int, wishes: int) -> float | None:
    return round(100 * count / wishes, 1) if wishes else None
