from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from models.enums import Category
from nlp import cli
from nlp.learning import features, suggest
from nlp.recogniser import Recogniser


@pytest.fixture
def app(rec: Recogniser, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setattr(Recogniser, "default", classmethod(lambda cls: rec))
    app = typer.Typer()
    app.command("classify")(cli.classify_command)
    app.add_typer(cli.rules_app, name="rules")
    return app


def test_classify_command(app: typer.Typer) -> None:
    lines = [
        {"id": "a", "text": "厂里拖欠工资三个月了，怎么办"},
        {"id": 2, "text": "收到"},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n"
    result = CliRunner().invoke(app, ["classify"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 2]
    assert out[0]["is_wish"] is True and out[0]["category"] == "legal"
    assert out[0]["kind"] == "need" and 0.5 <= out[0]["confidence"] <= 1
    assert out[1]["is_wish"] is False
    assert "拖欠" not in result.stdout  # ids and labels only, no text


def test_classify_command_rejects_bad_json(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["classify"], input="not json\n")
    assert result.exit_code == 2


def correction(
    rec: Recogniser, text: str, is_wish: bool, cat: Category | None
) -> dict[str, object]:
    c = rec.classify(text)
    return {
        "predicted_is_wish": c.is_wish,
        "predicted_category": c.category.value,
        "corrected_is_wish": is_wish,
        "corrected_category": cat.value if cat else None,
        "features": features(text, c),
    }


def test_features_are_json_and_keep_no_phone(rec: Recogniser) -> None:
    text = "想给娃报奥数，电话13812345678"
    f = features(text, rec.classify(text))
    json.dumps(f, ensure_ascii=False)
    assert "奥数" in "".join(f["tokens"])  # type: ignore[arg-type]
    assert not any("1381" in t or "5678" in t for t in f["tokens"])  # type: ignore[union-attr]
    assert "text" not in f
    assert f["predicted_is_wish"] is True


def test_suggest_add_keyword_and_lower_negative(rec: Recogniser) -> None:
    records = [
        correction(rec, f"孩子{x}，奥数哪里有", True, Category.family)
        for x in ("想学", "要上", "报个", "找个")
    ]
    records.append(correction(rec, "我家老大学奥数，好难", False, None))
    # A negative rule firing on texts staff said ARE wishes.
    for x in ("谢谢，另外想问低保怎么办", "谢谢大家，低保咋办", "感谢！低保能申请吗"):
        c = rec.classify(x)
        records.append(
            {
                "predicted_is_wish": False,
                "predicted_category": "care",
                "corrected_is_wish": True,
                "corrected_category": "care",
                "features": {**features(x, c), "rules": ["negative:thanks_only"]},
            }
        )
    out = suggest(records, min_support=3)
    adds = {s.target: s for s in out if s.action == "add_keyword"}
    assert "family:奥数" in adds
    assert adds["family:奥数"].support == 4 and adds["family:奥数"].against == 1
    lowers = {s.target for s in out if s.action == "lower_weight"}
    assert "negative:thanks_only" in lowers
    assert suggest(records, min_support=10) == []


def test_rules_suggest_cli(app: typer.Typer, rec: Recogniser, tmp_path: Path) -> None:
    records = [
        correction(rec, f"{x}，奥数哪里有", True, Category.family) for x in ("想学", "想报", "找")
    ]
    path = tmp_path / "corrections.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    result = CliRunner().invoke(app, ["rules", "suggest", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "family:奥数" in result.stdout
    empty = CliRunner().invoke(app, ["rules", "suggest"], input="")
    assert "没有足够的更正" in empty.stdout
