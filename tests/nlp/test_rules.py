from __future__ import annotations

from pathlib import Path

import pytest

from models.enums import Category
from nlp import RulesError
from nlp.recogniser import Recogniser
from nlp.rules import DEFAULT_RULES, load_rules, parse_rules
from nlp.settings import NlpSettings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my_rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("triggers:\n  希望: 1.0\n  想要: [1\n", 4, "YAML"),
        ("categories:\n  legal:\n    欠薪: 2\n  cooking:\n    红烧肉: 1\n", 4, "cooking"),
        ("triggers:\n  希望: 1.0\n  请问: 很多\n", 3, "很多"),
        ("triggers:\n  希望: true\n", 2, "数字"),
        ("categories:\n  family:\n    补课: 99\n", 3, "超出范围"),
        ("negatives:\n  - name: x\n    regex: '(未闭合'\n    weight: 1\n", 3, "正则"),
        ("negatives:\n  - name: x\n    weight: 1\n", 2, "regex"),
        ("trigers:\n  希望: 1\n", 1, "trigers"),
        ("scoring:\n  bias: -1\n  speed: 2\n", 2, "speed"),
        ("triggers: 希望\n", 1, "映射"),
    ],
)
def test_malformed_rules_name_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RulesError) as err:
        load_rules(path)
    message = str(err.value)
    assert "my_rules.yaml" in message
    assert f"第 {line} 行" in message
    assert words in message
    assert err.value.line == line


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="无法读取"):
        load_rules(tmp_path / "nope.yaml")


def test_default_rules_are_valid() -> None:
    rules = load_rules(DEFAULT_RULES)
    assert set(rules.categories) == set(Category)
    assert rules.triggers["希望"] > 0
    assert "thanks_only" in rules.negatives


def test_override_merges_and_zero_removes() -> None:
    base = load_rules(DEFAULT_RULES)
    extra = parse_rules(
        "categories:\n  family:\n    补课: 0\n    珠心算: 2.5\ntriggers:\n  希望: 0\n"
    )
    merged = base.merge(extra)
    assert "补课" not in merged.categories[Category.family]
    assert merged.categories[Category.family]["珠心算"] == 2.5
    assert "希望" not in merged.triggers
    assert merged.categories[Category.legal] == base.categories[Category.legal]


def test_from_settings_uses_rules_file_and_config_keywords(tmp_path: Path) -> None:
    path = write(tmp_path, "categories:\n  culture:\n    剪纸: 3\n")
    settings = NlpSettings(
        rules_file=path,
        extra_keywords={"health": {"艾灸": 3.0}},
        user_words=["艾灸馆"],
        cache_dir=tmp_path / "cache",
        wish_threshold=0.6,
    )
    rec = Recogniser.from_settings(settings)
    assert rec.wish_threshold == 0.6
    c = rec.classify("想学剪纸")
    assert c.is_wish and c.category == Category.culture
    assert rec.classify("有没有艾灸理疗的公益活动").category == Category.health
    assert "艾灸馆" in rec.classify("附近的艾灸馆").tokens
    assert (tmp_path / "cache").is_dir()


def test_bad_config_keywords_are_refused(tmp_path: Path) -> None:
    settings = NlpSettings(extra_keywords={"food": {"饺子": 1.0}}, cache_dir=tmp_path)
    with pytest.raises(RulesError, match="food"):
        Recogniser.from_settings(settings)
