"""Staff corrections of the recogniser (kept for `rules suggest`); no raw text is stored."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session, col, select

from api.domain.auth import Principal
from api.domain.common import get_or_404, is_staff, require_ref, visible, within_office
from api.domain.errors import NotFound
from api.domain.listing import ListParams, paginate
from models import Correction, Wish
from models.enums import Category
from models.learning import CorrectionCreate

logger = logging.getLogger(__name__)

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
            features=_features(wish.text),
            staff_id=staff_id,
        )
    )


def _features(text: str) -> dict[str, object]:
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
