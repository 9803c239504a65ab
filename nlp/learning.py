"""Learning from staff corrections: features to store, and keyword/weight suggestions.

Features hold tokens (after masking phone and ID numbers), the keywords and rules that fired and
the prediction, never the raw text, so corrections can be kept without personal data.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nlp.recogniser import Classification
from nlp.text import fold

_DIGITS = re.compile(r"\d{3,}")
_STOP = frozenset("的了是我你他她们在有和就都也还吗呢啊吧呀嘛个这那很要会能给一")


def features(text: str, classification: Classification) -> dict[str, object]:
    """JSON-serialisable features of one classified text (no raw text)."""
    # Tokens come from the classification (one jieba pass); ``text`` is only used to check
    # that they belong to it. Digit runs (phone, ID, house numbers) are personal: dropped.
    if classification.tokens and "".join(classification.tokens) != fold(text).strip():
        raise ValueError("classification does not belong to this text")
    words = [*classification.tokens, *_single_char_runs(classification.tokens)]
    kept = sorted({t for t in words if t.strip() and t not in _STOP and not _DIGITS.search(t)})
    return {
        "tokens": kept,
        "keywords": list(classification.keywords),
        "rules": list(classification.rules),
        "predicted_is_wish": classification.is_wish,
        "predicted_category": classification.category.value,
        "confidence": classification.confidence,
    }


def _single_char_runs(tokens: tuple[str, ...]) -> list[str]:
    """Runs of one-character tokens joined: the recogniser cuts without HMM, so a word missing
    from the dictionary (奥数) arrives as single characters (奥, 数)."""
    runs: list[str] = []
    run: list[str] = []
    for tok in (*tokens, ""):
        if len(tok) == 1 and "\u4e00" <= tok <= "\u9fff" and tok not in _STOP:
            run.append(tok)
            continue
        if len(run) >= 2:
            runs.append("".join(run))
        run = []
    return runs


@dataclass(frozen=True)
class Suggestion:
    action: str  # "add_keyword" | "lower_weight" | "raise_weight"
    target: str  # "family:补课", "negative:review", "trigger:想"
    weight: float  # proposed new weight (add) or change (lower/raise)
    support: int  # corrections supporting it
    against: int  # corrections contradicting it
    reason: str  # readable explanation (Chinese and English)


def _get(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _value(v: Any) -> str | None:
    return None if v is None else str(getattr(v, "value", v))


def suggest(corrections: Iterable[Any], min_support: int = 3) -> list[Suggestion]:
    """Propose rule changes from correction records; only patterns seen ``min_support`` times."""
    token_cat: dict[str, Counter[str]] = defaultdict(Counter)  # token → category of true wishes
    token_any: Counter[str] = Counter()
    fired_wrong_wish: Counter[str] = Counter()  # negatives fired on texts staff said ARE wishes
    fired_wrong_not: Counter[str] = Counter()  # keywords/triggers on texts staff said are NOT
    fired_right: Counter[str] = Counter()
    for rec in corrections:
        feats = _get(rec, "features") or {}
        tokens = set(feats.get("tokens") or ())
        fired = set(feats.get("rules") or ()) | set(feats.get("keywords") or ())
        corrected_wish = bool(_get(rec, "corrected_is_wish"))
        predicted_wish = bool(_get(rec, "predicted_is_wish"))
        cat = _value(_get(rec, "corrected_category"))
        known = {k.split(":", 1)[-1] for k in feats.get("keywords") or ()}
        for tok in tokens - known:  # a phrase already in the rules needs no new keyword
            token_any[tok] += 1
            if corrected_wish and cat:
                token_cat[tok][cat] += 1
        for item in fired:
            if corrected_wish and not predicted_wish and item.startswith("negative:"):
                fired_wrong_wish[item] += 1
            elif not corrected_wish and predicted_wish and not item.startswith("negative:"):
                fired_wrong_not[item] += 1
            else:
                fired_right[item] += 1

    out: list[Suggestion] = []
    for tok, cats in token_cat.items():
        cat, n = cats.most_common(1)[0]
        elsewhere = token_any[tok] - n
        if n >= min_support and elsewhere * 4 <= n and len(tok) > 1:
            out.append(
                Suggestion(
                    "add_keyword",
                    f"{cat}:{tok}",
                    1.0,
                    n,
                    elsewhere,
                    f"词“{tok}”在 {n} 条改为 {cat} 的更正里出现，其他 {elsewhere} 条 / token {tok} "
                    f"appeared in {n} corrections to {cat}, {elsewhere} elsewhere "
                    f"→ add keyword {cat}:{tok} weight 1.0",
                )
            )
    for item, n in fired_wrong_wish.items():
        if n >= min_support:
            out.append(
                Suggestion(
                    "lower_weight",
                    item,
                    -1.0,
                    n,
                    fired_right[item],
                    f"排除规则 {item} 在 {n} 条工作人员认定为心愿的消息上触发 / rule {item} fired "
                    f"on {n} texts staff said ARE wishes → lower its weight",
                )
            )
    for item, n in fired_wrong_not.items():
        if n >= min_support and item.split(":", 1)[0] in ("trigger", "pattern"):
            out.append(
                Suggestion(
                    "lower_weight",
                    item,
                    -0.5,
                    n,
                    fired_right[item],
                    f"{item} 在 {n} 条被认定“不是心愿”的消息上触发 / {item} fired on {n} texts "
                    f"staff said are NOT wishes → lower its weight",
                )
            )
    out.sort(key=lambda s: (-s.support, s.target))
    return out
