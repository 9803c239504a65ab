"""Free-text search of the ledger (?q=): in a wish's text or number, case-insensitive, literal.

Served by the trigram index of migration 0013 (models/search.py) when the term has at least
3 characters: pg_trgm answers ``ILIKE`` on PostgreSQL; on SQLite the FTS5 trigram table
answers a phrase query. A shorter term (two-character Chinese words such as 法律 or 就业
are common) has no trigram, so it is matched by a plain substring scan: still exact, but its
cost grows with the ledger. The scan walks the list's sort index and stops once the page is
full, so a common short term stays fast; a rare one reads every wish (measured in
bench/list_bench.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col

from api.domain.common import search_clause
from models import Wish
from models.search import FTS_TABLE

TRIGRAM = 3  # characters a term needs before a trigram index can serve it

_fts = sa.table(FTS_TABLE, sa.column("rowid"))


def wish_search_clause(session: Session, q: str) -> sa.ColumnElement[bool]:
    """WHERE clause: ``q`` appears in the wish's text or number."""
    plain = search_clause(q, col(Wish.text), col(Wish.number))
    if len(q) < TRIGRAM or session.get_bind().dialect.name != "sqlite":
        return plain  # PostgreSQL: the same ILIKE, planned onto the trigram indexes
    # FTS5 trigram phrase: the literal substring (quotes doubled), case-insensitive.
    phrase = '"' + q.replace('"', '""') + '"'
    match = sa.text(f"{FTS_TABLE} MATCH :phrase").bindparams(phrase=phrase)
    return col(Wish.id).in_(sa.select(_fts.c.rowid).where(match))
