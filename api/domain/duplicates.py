"""Near-duplicate wishes: the same member posting the same wish again (「有求必应，不扰一人」).

A member in two groups of one office often posts her wish in both, or again a day later when
nobody answered yet. Logging each copy as a new wish would number it twice, alert staff twice
and split the follow-up; so a message that is near-identical to an OPEN wish of the same member,
in the same office, within a window of days, is merged into it (a WishRepeat row, a timeline
note) instead of becoming a new wish.

The scoring is pure (``normalise``, ``similarity``, ``near_duplicate``); ``find_duplicate`` is
the one query. Like the rest of the domain, the functions here flush and never commit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.domain.wishes import Actor, add_event
from models import Group, Wish
from models.clock import utcnow
from models.enums import OPEN_STATUSES, EventKind
from models.wish import WishRepeat

DEFAULT_WINDOW_DAYS = 7.0
THRESHOLD = 0.7
# Below this many words (of two characters or more) a word set says too little: character
# bigrams are compared instead ("求助法律" and "求助法律！！" are one wish).
MIN_TOKENS = 3
# The member's recent open wishes looked at; a member rarely has more than a few.
CANDIDATES = 50

# An @mention runs to the next space (WeChat puts U+2005 after it; fold makes it a space).
_MENTION = re.compile(r"@\S*")

_DIGITS = re.compile(r"\d+")

Tokenize = Callable[[str], Sequence[str]]


def normalise(text: str) -> str:
    """The text with what does not change its meaning removed: full-width forms folded,
    @mentions, punctuation, spaces and emoji stripped, Latin letters lower-cased."""
    from nlp.text import fold

    folded = _MENTION.sub(" ", fold(text))
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN").lower()


def _default_tokenize(text: str) -> Sequence[str]:
    from nlp import Recogniser

    # The recogniser's private tokenizer (with the office's own words); never the global jieba.
    return Recogniser.default().tokenizer.lcut(text, HMM=False)


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _bigrams(text: str) -> set[str]:
    if len(text) < 2:
        return {text} if text else set()
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similarity(a: str, b: str, *, tokenize: Tokenize | None = None) -> float:
    """0..1: how nearly two texts say the same. 1.0 when equal once normalised; else the
    Jaccard index of their word sets (jieba, words of one character ignored), or of their
    character bigrams when either text has fewer than MIN_TOKENS words. Texts whose numbers
    differ are never alike: the words around a number say little about which wish it is."""
    left, right = normalise(a), normalise(b)
    if not left or not right:
        return 0.0  # emoji or a bare @mention: nothing to compare
    if left == right:
        return 1.0
    if _DIGITS.findall(left) != _DIGITS.findall(right):
        return 0.0  # another date, age, count or time: another wish ("第1次" and "第2次")
    cut = tokenize or _default_tokenize
    words_left = {w for w in cut(left) if len(w) > 1}
    words_right = {w for w in cut(right) if len(w) > 1}
    if len(words_left) >= MIN_TOKENS and len(words_right) >= MIN_TOKENS:
        return _jaccard(words_left, words_right)
    return _jaccard(_bigrams(left), _bigrams(right))


def near_duplicate(a: str, b: str, *, tokenize: Tokenize | None = None) -> bool:
    return similarity(a, b, tokenize=tokenize) >= THRESHOLD


def find_duplicate(
    *,
    session: Session,
    office_id: int,
    submitter_wechat_id: str | None,
    text: str,
    window_days: float = DEFAULT_WINDOW_DAYS,
    now: datetime | None = None,
    tokenize: Tokenize | None = None,
) -> Wish | None:
    """The open wish of this member in this office, logged within ``window_days``, that
    ``text`` nearly repeats (the most similar; of equals the most recent), or None.

    Same office only: another office's wish is another office's work, even for one member."""
    if not submitter_wechat_id or window_days <= 0:
        return None
    since = (now or utcnow()) - timedelta(days=window_days)
    candidates = session.exec(
        select(Wish)
        .where(
            Wish.office_id == office_id,
            Wish.submitter_wechat_id == submitter_wechat_id,
            col(Wish.status).in_(OPEN_STATUSES),
            col(Wish.created_at) >= since,
        )
        .order_by(col(Wish.created_at).desc(), col(Wish.id).desc())
        .limit(CANDIDATES)
    ).all()
    best: Wish | None = None
    best_score = THRESHOLD
    for wish in candidates:  # newest first: of equal scores the first found stays
        score = similarity(text, wish.text, tokenize=tokenize)
        if score > best_score or (best is None and score == best_score):
            best, best_score = wish, score
    return best


def repeat_for_message(session: Session, message_id: str) -> WishRepeat | None:
    """The merge a WeChat message already made (a replay of it), if any."""
    return session.exec(select(WishRepeat).where(WishRepeat.message_id == message_id)).first()


def group_acknowledged(session: Session, wish: Wish, group_id: int | None) -> bool:
    """Whether this group has already been told the wish's number."""
    if group_id is None or wish.group_id == group_id:
        return True
    told = session.exec(
        select(WishRepeat.id).where(
            WishRepeat.wish_id == wish.id,
            WishRepeat.group_id == group_id,
            col(WishRepeat.acknowledged).is_(True),
        )
    ).first()
    return told is not None


def record_repeat(
    *,
    session: Session,
    wish: Wish,
    group: Group | None,
    message_id: str,
    acknowledged: bool,
    actor: Actor,
) -> WishRepeat:
    """Merges a message into the wish: a WishRepeat row and a timeline note naming the group
    (never the member's text). Idempotent on the message id: a replay, even one racing this
    call, gets the first row back and writes no second note."""
    assert wish.id is not None
    repeat = WishRepeat(
        message_id=message_id,
        wish_id=wish.id,
        group_id=group.id if group is not None else None,
        acknowledged=acknowledged,
    )
    try:
        # A savepoint: the loser of two deliveries of one message is undone alone.
        with session.begin_nested():
            session.add(repeat)
    except IntegrityError:
        first = repeat_for_message(session, message_id)
        if first is None:
            raise
        return first
    where = f"「{group.topic}」" if group is not None and group.topic else "群里"
    add_event(session, wish, actor, EventKind.note, note=f"同一成员在{where}又发了一次")
    session.flush()
    return repeat


@dataclass(frozen=True)
class RepeatSummary:
    """What staff see of the merged messages: how many, in which groups; no text."""

    times: int
    groups: int
    items: list[tuple[WishRepeat, Group | None]]


def repeats_of(session: Session, wish: Wish) -> RepeatSummary:
    rows = session.exec(
        select(WishRepeat, Group)
        .join(Group, col(Group.id) == col(WishRepeat.group_id), isouter=True)
        .where(WishRepeat.wish_id == wish.id)
        .order_by(col(WishRepeat.id))
    ).all()
    items: list[tuple[WishRepeat, Group | None]] = [(repeat, group) for repeat, group in rows]
    groups = {repeat.group_id for repeat, _ in items}
    return RepeatSummary(times=len(items), groups=len(groups), items=items)
