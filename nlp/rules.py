"""Recogniser rules as data: loading, validation (errors name file and line) and merging.

A rules file is YAML with these top-level keys, all optional in an override file:

``triggers``   {phrase: weight}  request cues (希望, 能不能, 求 …) that make a text a wish
``offers``     {phrase: weight}  cues that the author offers something (愿意捐, 免费借 …)
``patterns``   [{name, regex, weight}]  regex cues; positive weight = wish, negative = not
``negatives``  [{name, regex, weight}]  notices, thanks, replies, news (subtracted)
``offer_patterns`` [{name, regex, weight}]  regex cues that the author offers (added to offers)
``categories`` {category code: {keyword: weight}}
``scoring``    {bias, topic_factor, topic_alone_factor, topic_cap, offer_threshold}
``context``    {signal: regex}  the message's shape and its place in the conversation, read by
               nlp/context.py; the signal names are fixed (``CONTEXT_SIGNALS``)

Phrases of one character match whole jieba tokens only (想 must not fire inside 理想); longer
phrases match as substrings, so they work whatever the segmentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from models.enums import Category

DEFAULT_RULES = Path(__file__).with_name("rules") / "default.yaml"
DEFAULT_USERDICT = Path(__file__).with_name("rules") / "userdict.txt"

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster
_TOP_KEYS = (
    "triggers",
    "offers",
    "patterns",
    "negatives",
    "offer_patterns",
    "categories",
    "scoring",
    "context",
)
_SCORING_KEYS = {"bias", "topic_factor", "topic_alone_factor", "topic_cap", "offer_threshold"}
# What each context signal recognises (see nlp/context.py for how they are used).
CONTEXT_SIGNALS = {
    "mention": "leading @mentions, stripped before scoring",
    "wish_tag": "the explicit #心愿 tag (after the mentions)",
    "chain": "a #接龙 sign-up chain",
    "forward": "forwarded posts, links, posters, mini-program cards, QR codes",
    "quote": "a quoted message of a WeChat reply, stripped before scoring",
    "placeholder": "stickers, pictures and red packets as text, stripped before scoring",
    "smalltalk": "greetings, thanks and small talk addressed to the bot",
    "question": "a question (a follow-up on a notice is always one)",
    "staff_reply": "a staff message answering a member (the next member line is a reply)",
    "notice": "a staff message that announces an event or a service",
    "detail_question": "a member's question about the details of an announced event",
}


class RulesError(ValueError):
    """A rules file (or rules given in config.yaml) is malformed; the message says where."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        where = f"{source} 第 {line} 行" if line else source
        super().__init__(f"规则文件有误：{where}：{problem}")
        self.source = source
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class Pattern:
    name: str
    regex: re.Pattern[str]
    weight: float


@dataclass
class Rules:
    triggers: dict[str, float] = field(default_factory=dict)
    offers: dict[str, float] = field(default_factory=dict)
    patterns: dict[str, Pattern] = field(default_factory=dict)
    negatives: dict[str, Pattern] = field(default_factory=dict)
    offer_patterns: dict[str, Pattern] = field(default_factory=dict)
    categories: dict[Category, dict[str, float]] = field(default_factory=dict)
    scoring: dict[str, float] = field(default_factory=dict)
    context: dict[str, re.Pattern[str]] = field(default_factory=dict)

    def merge(self, other: Rules) -> Rules:
        """Entries of ``other`` add to or replace ours; a weight of 0 removes a phrase."""

        def phrases(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
            out = {**a, **b}
            return {k: v for k, v in out.items() if v != 0}

        cats = {c: dict(kw) for c, kw in self.categories.items()}
        for cat, kws in other.categories.items():
            cats[cat] = phrases(cats.get(cat, {}), kws)
        return Rules(
            triggers=phrases(self.triggers, other.triggers),
            offers=phrases(self.offers, other.offers),
            patterns={**self.patterns, **other.patterns},
            negatives={**self.negatives, **other.negatives},
            offer_patterns={**self.offer_patterns, **other.offer_patterns},
            categories=cats,
            scoring={**self.scoring, **other.scoring},
            context={**self.context, **other.context},
        )


def load_rules(path: Path) -> Rules:
    """Parse and validate one rules file; raises RulesError naming the file and line."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(source, None, f"无法读取文件（{exc.strerror}）") from exc
    except UnicodeDecodeError as exc:
        raise RulesError(source, None, "文件不是 UTF-8 编码") from exc
    return parse_rules(text, source)


def parse_rules(text: str, source: str = "<rules>") -> Rules:
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesError(source, line, f"YAML 格式错误（{problem}）") from exc
    if root is None:
        return Rules()
    return _Parser(source).rules(root)


def rules_from_mapping(data: dict[str, Any], source: str) -> Rules:
    """Rules given inline in config.yaml (already parsed, so lines are unknown)."""
    return parse_rules(yaml.safe_dump(data, allow_unicode=True), source)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        # Python values of the scalars yaml.compose already resolved (numbers, booleans …).
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node, problem: str) -> RulesError:
        return RulesError(self.source, node.start_mark.line + 1, problem)

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} 应该是“键: 值”的映射")
        return list(node.value)

    def string(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise self.fail(node, f"{what} 应该是非空文字")
        return str(node.value).strip()

    def weight(self, node: yaml.Node, what: str) -> float:
        scalar = isinstance(node, yaml.ScalarNode)
        value = self.constructor.construct_object(node) if scalar else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            shown = node.value if isinstance(node, yaml.ScalarNode) else "（非数字）"
            raise self.fail(node, f"{what} 的权重应该是数字，实际是“{shown}”")
        if not -20 <= value <= 20:
            raise self.fail(node, f"{what} 的权重 {value} 超出范围 -20…20")
        return float(value)

    def phrases(self, node: yaml.Node, what: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, value in self.mapping(node, what):
            phrase = self.string(key, f"{what} 里的词")
            out[phrase] = self.weight(value, f"{what}.{phrase}")
        return out

    def patterns(self, node: yaml.Node, what: str) -> dict[str, Pattern]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} 应该是列表（每项含 name、regex、weight）")
        out: dict[str, Pattern] = {}
        for item in node.value:
            fields = {self.string(k, "字段名"): v for k, v in self.mapping(item, f"{what} 的一项")}
            for missing in {"name", "regex", "weight"} - fields.keys():
                raise self.fail(item, f"{what} 的一项缺少 {missing}")
            for extra in fields.keys() - {"name", "regex", "weight"}:
                raise self.fail(item, f"{what} 的一项有未知字段 {extra}")
            name = self.string(fields["name"], "name")
            regex = self.regex(fields["regex"], f"{what}.{name}")
            out[name] = Pattern(name, regex, self.weight(fields["weight"], f"{what}.{name}"))
        return out

    def regex(self, node: yaml.Node, what: str) -> re.Pattern[str]:
        source = self.string(node, what)
        try:
            return re.compile(source)
        except re.error as exc:
            raise self.fail(node, f"{what} 的正则表达式无效（{exc}）") from exc

    def signals(self, node: yaml.Node) -> dict[str, re.Pattern[str]]:
        out: dict[str, re.Pattern[str]] = {}
        for key, value in self.mapping(node, "context"):
            name = self.string(key, "context 里的信号名")
            if name not in CONTEXT_SIGNALS:
                known = "、".join(CONTEXT_SIGNALS)
                raise self.fail(key, f"context 里未知的信号“{name}”，可用的有：{known}")
            out[name] = self.regex(value, f"context.{name}")
        return out

    def rules(self, root: yaml.Node) -> Rules:
        rules = Rules()
        for key_node, value in self.mapping(root, "规则文件"):
            key = self.string(key_node, "顶层键")
            if key == "triggers":
                rules.triggers = self.phrases(value, key)
            elif key == "offers":
                rules.offers = self.phrases(value, key)
            elif key in ("patterns", "negatives", "offer_patterns"):
                setattr(rules, key, self.patterns(value, key))
            elif key == "categories":
                for cat_node, kws in self.mapping(value, key):
                    code = self.string(cat_node, "类别代码")
                    if code not in Category.__members__:
                        known = "、".join(Category.__members__)
                        raise self.fail(cat_node, f"未知类别“{code}”，可用的有：{known}")
                    rules.categories[Category(code)] = self.phrases(kws, f"categories.{code}")
            elif key == "scoring":
                scoring = self.phrases(value, key)
                for unknown in scoring.keys() - _SCORING_KEYS:
                    raise self.fail(value, f"scoring 里未知的参数 {unknown}")
                rules.scoring = scoring
            elif key == "context":
                rules.context = self.signals(value)
            else:
                raise self.fail(key_node, f"未知的顶层键“{key}”，可用的有：{'、'.join(_TOP_KEYS)}")
        return rules
