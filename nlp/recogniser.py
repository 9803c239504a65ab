"""The wish recogniser: one jieba pass, then dictionary and precompiled-regex lookups.

The text's score says how much it reads like a wish; its ``Context`` (speaker, room history,
shape) decides what the bot may do with it: "ack" (acknowledge in the group), "triage" (route
privately to staff, say nothing) or "ignore".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from models.enums import Category, WishKind
from nlp.context import Context, Shape, read_shape
from nlp.rules import DEFAULT_RULES, DEFAULT_USERDICT, Rules, load_rules
from nlp.rules import rules_from_mapping as _rules_from_mapping
from nlp.text import fold
from nlp.tokenizer import build_tokenizer

if TYPE_CHECKING:
    import jieba

    from nlp.settings import NlpSettings

_SCORING_DEFAULTS = {
    "bias": -2.0,
    "topic_factor": 0.8,
    "topic_alone_factor": 0.8,
    "topic_cap": 3.0,
    "offer_threshold": 2.0,
}
# A phrase hit: (tag, weight, label); tag is "trigger", "offer" or a category code.
_Hit = tuple[str, float, str]
# A precompiled regex cue: (its search, weight, label).
_Regex = tuple[Callable[[str], object], float, str]
_VOLUNTEER = Category.volunteer.value
_OFFER, _NEED = WishKind.offer, WishKind.need
_ALONE = Context()

Outcome = Literal["ack", "triage", "ignore"]
OUTCOMES: tuple[Outcome, ...] = ("ack", "triage", "ignore")


@dataclass(frozen=True)
class Classification:
    is_wish: bool  # == (outcome == "ack")
    kind: WishKind
    category: Category  # best guess even when not a wish (triage needs one)
    confidence: float  # probability-like score that the text is a wish, 0–1
    keywords: tuple[str, ...]  # "trigger:希望", "legal:拖欠", "offer:愿意捐" …
    rules: tuple[str, ...]  # "pattern:question_help", "negative:thanks", "context:staff" …
    needs_confirmation: bool  # == (outcome == "triage"): uncertain, staff decide privately
    tokens: tuple[str, ...] = ()
    outcome: Outcome = "ignore"

    def __post_init__(self) -> None:
        if self.is_wish != (self.outcome == "ack") or self.needs_confirmation != (
            self.outcome == "triage"
        ):
            raise ValueError(
                f"outcome {self.outcome!r} contradicts is_wish={self.is_wish}, "
                f"needs_confirmation={self.needs_confirmation}"
            )


class _Score(NamedTuple):
    confidence: float
    is_offer: bool
    cats: dict[str, float]
    keywords: tuple[str, ...]
    fired: tuple[str, ...]
    tokens: tuple[str, ...]


class Recogniser:
    def __init__(
        self,
        rules: Rules,
        *,
        userdicts: Iterable[Path] = (DEFAULT_USERDICT,),
        user_words: Iterable[str] = (),
        cache_dir: Path | None = None,
        wish_threshold: float = 0.5,
        grey_lower: float = 0.3,
        jieba_min_freq: int = 10,
    ) -> None:
        """``wish_threshold``: confidence from which a member's message is acknowledged;
        ``grey_lower``: from which it goes to staff for triage (the band below is ignored)."""
        from nlp.settings import _default_cache_dir

        self.rules = rules
        self.wish_threshold = wish_threshold
        self.grey_lower = min(grey_lower, wish_threshold)
        self.scoring = {**_SCORING_DEFAULTS, **rules.scoring}
        self.tokenizer: jieba.Tokenizer = build_tokenizer(
            userdicts, user_words, cache_dir or _default_cache_dir(), jieba_min_freq
        )
        self._compile()

    def _compile(self) -> None:
        """Index every phrase by its first character and length: a scan is a few dict lookups."""
        table: dict[str, list[_Hit]] = {}

        def add(phrase: str, tag: str, weight: float) -> None:
            table.setdefault(phrase, []).append((tag, weight, f"{tag}:{phrase}"))

        for phrase, w in self.rules.triggers.items():
            add(phrase, "trigger", w)
        for phrase, w in self.rules.offers.items():
            add(phrase, "offer", w)
        for cat, kws in self.rules.categories.items():
            for phrase, w in kws.items():
                add(phrase, cat.value, w)
        self._tokens_only = {p: h for p, h in table.items() if len(p) == 1}
        self._phrases = {p: h for p, h in table.items() if len(p) > 1}
        lens: dict[str, set[int]] = {}
        for phrase in self._phrases:
            lens.setdefault(phrase[0], set()).add(len(phrase))
        self._lens = {ch: tuple(sorted(ls, reverse=True)) for ch, ls in lens.items()}
        rules = self.rules
        self._regexes: tuple[_Regex, ...] = (
            *((p.regex.search, p.weight, f"pattern:{p.name}") for p in rules.patterns.values()),
            *((p.regex.search, -p.weight, f"negative:{p.name}") for p in rules.negatives.values()),
        )
        self._offer_regexes: tuple[_Regex, ...] = tuple(
            (p.regex.search, p.weight, f"offer_pattern:{p.name}")
            for p in rules.offer_patterns.values()
        )

    # ----- construction -------------------------------------------------------------------
    @classmethod
    def from_settings(cls, settings: NlpSettings) -> Recogniser:
        rules = load_rules(DEFAULT_RULES)
        if settings.rules_file is not None:
            rules = rules.merge(load_rules(settings.rules_file))
        if settings.rules:
            rules = rules.merge(_rules_from_mapping(settings.rules, "config.yaml: nlp.rules"))
        if settings.extra_keywords:
            extra = {"categories": settings.extra_keywords}
            rules = rules.merge(_rules_from_mapping(extra, "config.yaml: nlp.extra_keywords"))
        return cls(
            rules,
            user_words=settings.user_words,
            cache_dir=settings.cache_dir,
            wish_threshold=settings.wish_threshold,
            grey_lower=settings.grey_lower,
            jieba_min_freq=settings.jieba_min_freq,
        )

    @classmethod
    def default(cls) -> Recogniser:
        """The recogniser configured by config.yaml, built once per process."""
        return _default_recogniser()

    # ----- classification -----------------------------------------------------------------
    def classify(self, text: str, context: Context | None = None) -> Classification:
        """``context`` says who speaks and what the room said before; none = a member, alone."""
        ctx = context or _ALONE
        shape = read_shape(fold(text).strip(), ctx, self.rules.context)
        s = self._score(shape.body)
        outcome, why = self._decide(s.confidence, shape, ctx)
        return Classification(
            is_wish=outcome == "ack",
            kind=_OFFER if s.is_offer else _NEED,
            category=self._category(s.cats, s.is_offer),
            confidence=round(s.confidence, 4),
            keywords=s.keywords,
            rules=(*s.fired, *why),
            needs_confirmation=outcome == "triage",
            tokens=s.tokens,
            outcome=outcome,
        )

    def _decide(
        self, confidence: float, shape: Shape, ctx: Context
    ) -> tuple[Outcome, tuple[str, ...]]:
        if shape.tagged:  # an explicit #心愿, from anyone, is a wish if it says something
            return ("ack", ("context:wish_tag",)) if shape.body else ("ignore", ("context:empty",))
        if ctx.from_staff:  # staff answer, announce and report; they tag what they relay
            return "ignore", ("context:staff",)
        structural = shape.structural
        if structural is not None:
            return "ignore", (structural,)
        if shape.to_bot and not shape.smalltalk and confidence >= self.grey_lower:
            return "ack", ("context:to_bot",)  # asked the bot by name: the member wants an answer
        if confidence >= self.wish_threshold:
            if shape.after_staff_reply:  # likely a reaction to the answer: staff will see it
                return "triage", ("context:after_staff_reply",)
            return "ack", ()
        if confidence >= self.grey_lower:
            return "triage", ()
        return "ignore", ()

    def _score(self, folded: str) -> _Score:
        # No HMM: phrases are matched as substrings, so new-word discovery buys nothing here
        # and costs a third of the time (and splits unknown names, which keeps them private).
        tokens = self.tokenizer.lcut(folded, HMM=False)
        single = self._tokens_only
        hits = [single[t] for t in dict.fromkeys(tokens) if t in single]  # in text order
        phrases, lens = self._phrases, self._lens
        # Longest match wins: 残疾人 must not also count 残疾, 养老保险 not 养老. Spans come out
        # sorted by start, and by length descending within a start, so one sweep suffices.
        covered_to = 0
        seen: set[str] = set()
        for i, ch in enumerate(folded):
            for n in lens.get(ch, ()):
                sub = folded[i : i + n]
                if sub in phrases and i + n > covered_to:
                    if sub not in seen:
                        seen.add(sub)
                        hits.append(phrases[sub])
                    covered_to = i + n
                    break

        trigger = offer = 0.0
        cats: dict[str, float] = {}
        keywords: list[str] = []
        for entries in hits:
            for tag, w, label in entries:
                keywords.append(label)
                if tag == "trigger":
                    trigger += w
                elif tag == "offer":
                    offer += w
                else:
                    cats[tag] = cats.get(tag, 0.0) + w

        fired: list[str] = []
        pattern_score = 0.0
        asked = trigger > 0  # any cue that the author asks, complains or offers
        for search, w, label in self._regexes:
            if search(folded):
                fired.append(label)
                pattern_score += w
                asked = asked or w > 0
        for search, w, label in self._offer_regexes:
            if search(folded):
                fired.append(label)
                offer += w

        sc = self.scoring
        is_offer = offer >= sc["offer_threshold"]
        best = max((v for c, v in cats.items() if c != _VOLUNTEER), default=0.0)
        score = sc["bias"] + min(trigger, 4.0) + pattern_score
        topic = max(best, cats.get(_VOLUNTEER, 0.0) if is_offer else 0.0)
        # Topic words with no ask, no grievance and no offer are how people chat about their
        # lives ("婆媳问题千古难题"): they weigh less than the same words in a request.
        factor = sc["topic_factor"] if asked or offer > 0 else sc["topic_alone_factor"]
        score += min(topic, sc["topic_cap"]) * factor
        if is_offer:
            score += min(offer, 4.0)
        confidence = 1.0 / (1.0 + math.exp(-score))

        return _Score(confidence, is_offer, cats, tuple(keywords), tuple(fired), tuple(tokens))

    @staticmethod
    def _category(cats: dict[str, float], is_offer: bool) -> Category:
        org = cats.get(Category.organization.value, 0.0)
        if is_offer and org < 2.0:
            return Category.volunteer
        ranked = [(s, c) for c, s in cats.items() if c != Category.volunteer.value and s > 0]
        if not ranked:
            return Category.other
        return Category(max(ranked)[1])


@functools.cache
def _default_recogniser() -> Recogniser:
    from nlp.settings import NlpSettings

    return Recogniser.from_settings(NlpSettings())
