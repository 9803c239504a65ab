"""Suggested resources for a wish (资源推荐): the queries; the ranking is in suggestion_scoring.

Two queries whatever the size of the library: the candidate resources with their current use,
then the fulfilled wishes those resources served. Read-only: nothing is written or flushed, so
an admin route or a bot command can call it inside its own transaction.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from api.domain.auth import Principal
from api.domain.common import office_path
from api.domain.resources import resource_scope_clause
from api.domain.suggestion_scoring import (
    Candidate,
    PastUse,
    Suggestion,
    WishFacts,
    library_words,
    rank,
    serves,
    words,
)
from models import Match, Office, Resource, Wish
from models.enums import OPEN_STATUSES, Category, Role, WishStatus

if TYPE_CHECKING:
    import jieba

__all__ = ["Suggestion", "suggest_resources"]

logger = logging.getLogger(__name__)

# Recent history is what staff remember and what still exists; the cap bounds the cost when
# a resource has served thousands of wishes.
HISTORY_ROWS = 2000


def suggest_resources(
    *,
    session: Session,
    wish: Wish,
    limit: int = 3,
    tokenizer: jieba.Tokenizer | None = None,
) -> list[Suggestion]:
    """The `limit` library resources most likely to fulfil `wish`, best first (possibly none).

    `tokenizer`: a private jieba tokenizer; by default the recogniser's (config.yaml words)."""
    if tokenizer is None:
        from nlp import Recogniser

        tokenizer = Recogniser.default().tokenizer
    tok = tokenizer
    facts = WishFacts(
        text=wish.text,
        category=Category(wish.category),
        office_path=office_path(session, wish.office_id),
        words=words(tokenizer, wish.text),
    )
    candidates = _candidates(session, wish, facts.office_path)
    serving = [c.resource_id for c in candidates if serves(facts.office_path, c.office_path)]
    history = _history(session, wish, serving)
    suggestions = rank(
        wish=facts,
        candidates=candidates,
        history=history,
        library_terms=lambda text: library_words(tok, text),
        limit=limit,
    )
    logger.debug(
        "wish %s: %d candidates, %d past uses, suggested %s",
        wish.id,
        len(candidates),
        len(history),
        [s.resource_id for s in suggestions],
    )
    return suggestions


def _area_principal(wish: Wish, path: str | None) -> Principal:
    """The area rule of the library is written for a caller (api/domain/resources.py): a staff
    member of the wish's own office sees exactly the resources that may serve it. Never a bot
    or admin principal: for those the rule places no restriction at all."""
    return Principal(
        token_id=0, name="suggestions", role=Role.staff, office_id=wish.office_id, office_path=path
    )


def _candidates(session: Session, wish: Wish, path: str | None) -> list[Candidate]:
    """Active resources in the wish's area, each with its open matches and whether it is
    already matched to this wish: one query (a grouped subquery of matches, outer-joined)."""
    use = (
        sa.select(
            col(Match.resource_id).label("resource_id"),
            sa.func.sum(sa.case((col(Wish.status).in_(OPEN_STATUSES), 1), else_=0)).label("open"),
            sa.func.sum(sa.case((col(Match.wish_id) == wish.id, 1), else_=0)).label("here"),
        )
        .join(Wish, col(Wish.id) == col(Match.wish_id))
        .where(sa.or_(col(Wish.status).in_(OPEN_STATUSES), col(Match.wish_id) == wish.id))
        .group_by(col(Match.resource_id))
        .subquery()
    )
    # An alias: the area rule's own subquery on Office must not correlate with this join.
    area = aliased(Office)
    stmt = (
        sa.select(
            col(Resource.id),
            col(Resource.name),
            col(Resource.provider),
            col(Resource.description),
            col(Resource.categories),
            col(Resource.capacity),
            col(area.path),
            sa.func.coalesce(use.c.open, 0),
            sa.func.coalesce(use.c.here, 0),
        )
        .outerjoin(area, col(area.id) == col(Resource.office_id))
        .outerjoin(use, use.c.resource_id == col(Resource.id))
        .where(col(Resource.active).is_(True))
    )
    scope = resource_scope_clause(_area_principal(wish, path))
    if scope is not None:
        stmt = stmt.where(scope)
    return [
        Candidate(
            resource_id=row[0],
            name=row[1],
            provider=row[2],
            description=row[3] or "",
            categories=tuple(row[4] or ()),
            office_path=row[6],
            capacity=row[5],
            open_matches=int(row[7]),
            matched_here=int(row[8]) > 0,
        )
        for row in session.execute(stmt).all()
    ]


def _history(session: Session, wish: Wish, resource_ids: list[int]) -> list[PastUse]:
    """The fulfilled wishes (other than this one) the candidate resources served, most recent
    first. The id list is the library's serving part: hundreds, far from any bind limit."""
    if not resource_ids:
        return []
    stmt = (
        sa.select(col(Match.resource_id), col(Wish.category), col(Wish.keywords))
        .join(Wish, col(Wish.id) == col(Match.wish_id))
        .where(
            col(Wish.status) == WishStatus.fulfilled,
            col(Match.resource_id).in_(resource_ids),
        )
        .order_by(col(Wish.fulfilled_at).desc(), col(Wish.id).desc())
        .limit(HISTORY_ROWS)
    )
    if wish.id is not None:
        stmt = stmt.where(col(Wish.id) != wish.id)
    return [
        PastUse(resource_id=row[0], category=str(row[1]), keywords=tuple(row[2] or ()))
        for row in session.execute(stmt).all()
    ]
