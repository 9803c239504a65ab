"""fast_search finds exactly what re.search finds, only sooner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nlp.fastre import fast_search, first_chars
from nlp.recogniser import Recogniser

CORPUS = Path("/work/shared/corpus")

PATTERNS = [
    r"拖欠|(不给|不肯)(发|结)|(被|遭).{0,4}(骗|打)",
    r"^\W*(收到|好的)[^?？]{0,12}$|名额已满",
    r"(?<!不)(想|要)(学|报)",
    r"(我|我们)?(也)?出[!！]*$",
    r"(?!不)(能|可)以",
    r"a*",  # can match empty: left as it is
    r".{0,3}求助",  # may start with anything: left as it is
    r"(?i)ok|好",
]
TEXTS = [
    "",
    "收到",
    "好的，马上到",
    "老板拖欠工资",
    "我们被人骗了两千块",
    "不想学了，我想学直播",
    "米和油我们出！",
    "不能以后再说",
    "OK的",
    "大家好，名额已满，下次早点报",
    "求助：孩子没人接",
]


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("text", TEXTS)
def test_same_match_as_re_search(pattern: str, text: str) -> None:
    regex = re.compile(pattern)
    expected, got = regex.search(text), fast_search(regex)(text)
    assert (got and (got.span(), got.group())) == (expected and (expected.span(), expected.group()))


@pytest.mark.parametrize(
    ("pattern", "known"),
    [("拖欠|(不给|被)打", True), ("^\\W*收到", True), ("a*", False), (".求助", False)],
)
def test_first_chars_known_only_when_sure(pattern: str, known: bool) -> None:
    assert (first_chars(re.compile(pattern)) is not None) is known


def _sentences() -> list[str]:
    found = [
        json.loads(line)["text"]
        for path in sorted(CORPUS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return found or TEXTS


def test_rule_regexes_agree_on_many_sentences(rec: Recogniser) -> None:
    rules = rec.rules
    regexes = [
        p.regex
        for group in (rules.patterns, rules.negatives, rules.offer_patterns)
        for p in group.values()
    ]
    fast = [fast_search(r) for r in regexes]
    for text in _sentences():
        for regex, search in zip(regexes, fast, strict=True):
            assert bool(search(text)) == bool(regex.search(text)), (regex.pattern, text)
