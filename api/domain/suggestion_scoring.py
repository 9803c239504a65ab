"""Pure ranking of library resources for one wish: rows in, suggestions out (no database).

api/domain/suggestions.py runs the queries and hands the rows here, so every rule below can be
tested with plain values. A suggestion carries only codes a member or staff may read — the
resource's id and name, a score and short reasons — never the wish text or anyone's details.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.enums import Category
from nlp.text import fold

if TYPE_CHECKING:
    import jieba

# Category is the strongest signal: staff file resources under the categories they serve, and
# the keyword and history parts are capped below it, so a resource of the wish's category
# always outranks one that merely shares words with it.
CATEGORY_WEIGHT = 10.0
# "other" is where the recogniser files what it could not place: sharing it says little.
OTHER_CATEGORY_WEIGHT = 0.5  # below one shared word
NAME_TERM_WEIGHT = 2.0  # a word of the resource's name says more than one of its description
TEXT_TERM_WEIGHT = 1.0
KEYWORD_CAP = 6.0
# Per fulfilled wish the resource served: one on the same topic (a cue phrase this wish
# shares) says more than one that merely had the same category.
HISTORY_TOPIC_STEP = 1.0
HISTORY_CATEGORY_STEP = 0.5
HISTORY_CAP = 3.0

# Words members use in almost every wish; they say nothing about which resource fits.
# One-character tokens are dropped anyway.
_STOPWORD_TEXT = """
    我们 你们 他们 她们 咱们 大家 自己 人家 希望 想要 需要 可以 能够 能不能 可不可以 有没有
    是不是 会不会 什么 怎么 怎么样 如何 哪里 哪儿 哪些 为什么 一下 一些 一个 一次 这个 那个
    这些 那些 这样 那样 这里 那里 时候 现在 已经 还是 或者 因为 所以 但是 如果 就是 不是
    没有 谢谢 感谢 请问 麻烦 帮忙 帮帮 帮助 一起 平时 最近 今年 明年 去年 每天 一直 知道
    觉得 感觉 比较 特别 非常 还有 姐妹 活动 服务 免费 问问 看看 了解 提供 相关 方面
    机会 可能 应该 不好 不会 不能 好的 您好 你好 老师 各位 一般 其他 其它 之类
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Characters that never start or end a content word; pairs of single-character tokens
# containing one are not taken as words (see `words`).
_FUNCTION_CHARS = frozenset(
    "的了是我你他她们在有和就都也还吗呢啊吧呀嘛个这那很要会能给一想去找看些点得不太跟把被让从对为着过来说做"
)


@dataclass(frozen=True)
class WishFacts:
    """What the ranking needs of the wish."""

    text: str
    category: Category
    office_path: str | None  # materialised path of the wish's office, "/1/4/9/"
    words: frozenset[str]  # its meaningful words (`words`)


@dataclass(frozen=True)
class Candidate:
    """An active resource inside the wish's area, with its current use."""

    resource_id: int
    name: str
    provider: str
    description: str
    categories: tuple[str, ...]
    office_path: str | None  # None: a city-wide resource (no office)
    capacity: int | None
    open_matches: int  # matches to wishes still open (new … in_service)
    matched_here: bool  # already matched to this very wish


@dataclass(frozen=True)
class PastUse:
    """A fulfilled wish a resource served: its category and the recogniser's cue labels."""

    resource_id: int
    category: str
    keywords: tuple[str, ...]  # "legal:欠薪", "trigger:想" …


@dataclass(frozen=True)
class Suggestion:
    resource_id: int
    name: str
    score: float
    # Codes: "category", "keywords:直播,培训", "history:2", "capacity:full".
    reasons: tuple[str, ...]


Terms = Callable[[str], frozenset[str]]


def meaningful(token: str) -> bool:
    token = token.strip()
    if len(token) < 2 or token in STOPWORDS or token.isdigit():
        return False
    return any(ch.isalpha() for ch in token)  # CJK characters count as alphabetic


def words(tokenizer: jieba.Tokenizer, text: str) -> frozenset[str]:
    """The meaningful words of `text`, cut as the recogniser cuts (HMM off)."""
    tokens = tokenizer.lcut(fold(text).lower(), HMM=False)
    found = {t.strip() for t in tokens if meaningful(t)}
    # A word missing from the dictionary (绘本, 热饭) comes out as single characters; rejoin
    # neighbouring ones in pairs so it can still be matched.
    for first, second in itertools.pairwise(tokens):
        if _single_content(first) and _single_content(second) and first != second:
            found.add(first + second)
    return frozenset(found)


# The library's texts come back on every suggestion, so they are cut once per process (keyed
# on the text itself: an edited description is cut afresh). Wish texts are never cached: each
# is cut once anyway, and members' words have no business staying in a process-wide cache.
library_words = functools.lru_cache(maxsize=16384)(words)


def _single_content(token: str) -> bool:
    return len(token) == 1 and "\u4e00" <= token <= "\u9fff" and token not in _FUNCTION_CHARS


def serves(wish_path: str | None, resource_path: str | None) -> bool:
    """A city-wide resource, or one of the wish's own office or an ancestor of it, serves the
    wish. A resource of a sub-office serves only part of the area, so it is not offered."""
    if resource_path is None:
        return True
    return bool(wish_path and wish_path.startswith(resource_path))


def is_full(candidate: Candidate) -> bool:
    return candidate.capacity is not None and candidate.open_matches >= candidate.capacity


def rank(
    *,
    wish: WishFacts,
    candidates: Sequence[Candidate],
    history: Iterable[PastUse],
    library_terms: Terms,
    limit: int = 3,
) -> list[Suggestion]:
    """The best `limit` resources, best first. Only resources with some relevance (category,
    shared words or similar past wishes) are offered; full ones come after every free one."""
    usable = [
        c for c in candidates if not c.matched_here and serves(wish.office_path, c.office_path)
    ]
    if not usable or limit <= 0:
        return []
    wish_text = fold(wish.text).lower()
    wish_terms = wish.words
    texts = {c.resource_id: _resource_text(c) for c in usable}
    shared = {
        c.resource_id: _shared_terms(c, texts[c.resource_id], wish_text, wish_terms, library_terms)
        for c in usable
    }
    # A word most resources share ("培训", "咨询") tells them apart less than a rare one.
    df = Counter(term for names in shared.values() for term in names)
    similar = _similar_uses(wish, wish_text, history)
    ranked: list[tuple[bool, float, int, int, Suggestion]] = []
    for c in usable:
        score, reasons = 0.0, []
        if wish.category in c.categories:
            score += OTHER_CATEGORY_WEIGHT if wish.category == Category.other else CATEGORY_WEIGHT
            reasons.append("category")
        terms = shared[c.resource_id]
        if terms:
            weight = sum(w / math.sqrt(df[t]) for t, w in terms.items())
            score += min(KEYWORD_CAP, weight)
            reasons.append("keywords:" + ",".join(sorted(terms, key=lambda t: (-terms[t], t))[:5]))
        used, weight = similar.get(c.resource_id, (0, 0.0))
        if used:
            score += min(HISTORY_CAP, weight)
            reasons.append(f"history:{used}")
        if score <= 0:
            continue
        full = is_full(c)
        if full:
            reasons.append("capacity:full")
        suggestion = Suggestion(c.resource_id, c.name, round(score, 2), tuple(reasons))
        # Ties go to the nearest office: a community's own resource is the easiest to deliver.
        depth = (c.office_path or "/").count("/")
        ranked.append((full, -score, -depth, c.resource_id, suggestion))
    ranked.sort(key=lambda row: row[:4])
    return [row[4] for row in ranked[:limit]]


def _resource_text(c: Candidate) -> str:
    return fold(f"{c.name} {c.provider} {c.description}").lower()


def _shared_terms(
    c: Candidate,
    resource_text: str,
    wish_text: str,
    wish_terms: frozenset[str],
    terms_of: Terms,
) -> dict[str, float]:
    """Words the wish and the resource share, with their weight. Substrings count both ways, so
    "工资" in the resource matches a wish cut as "月工资", and "直播" a resource's "直播带货".
    Every word kept occurs in the resource's own text, so a reason never quotes the member."""
    name_text = fold(c.name).lower()
    found: dict[str, float] = {}
    for term in wish_terms:
        if term in resource_text:
            found[term] = NAME_TERM_WEIGHT if term in name_text else TEXT_TERM_WEIGHT
    name_terms = terms_of(c.name)
    for term in name_terms | terms_of(c.provider) | terms_of(c.description):
        if term in wish_text and term not in found:
            found[term] = NAME_TERM_WEIGHT if term in name_terms else TEXT_TERM_WEIGHT
    # "直播" inside "直播带货" is one match, not two.
    return {t: w for t, w in found.items() if not any(t != o and t in o for o in found)}


def _similar_uses(
    wish: WishFacts, wish_text: str, history: Iterable[PastUse]
) -> dict[int, tuple[int, float]]:
    """Per resource, how many fulfilled wishes like this one it served, and their weight: a
    topic cue of the recogniser ("career:直播带货") this wish's text contains too, or at least
    the same category."""
    found: dict[int, tuple[int, float]] = {}
    topics = {cat.value for cat in Category}
    for use in history:
        step = 0.0
        for label in use.keywords:
            tag, _, phrase = label.partition(":")
            if tag in topics and len(phrase) >= 2 and fold(phrase).lower() in wish_text:
                step = HISTORY_TOPIC_STEP
                break
        if not step and use.category == wish.category:
            step = HISTORY_CATEGORY_STEP
        if step:
            count, weight = found.get(use.resource_id, (0, 0.0))
            found[use.resource_id] = (count + 1, weight + step)
    return found
