"""The composition root's command line: commands that reach the ledger."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli.main import app
from models import Correction
from models.enums import Category
from nlp.learning import features
from nlp.recogniser import Recogniser
from nlp.rules import DEFAULT_RULES, load_rules


def test_rules_suggest_reads_the_ledgers_corrections(
    db_url: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recogniser(load_rules(DEFAULT_RULES))
    for start in ("想学", "想报", "找"):
        text = f"{start}，奥数哪里有"
        c = rec.classify(text)
        record = {
            "predicted_is_wish": c.is_wish,
            "predicted_category": c.category.value,
            "corrected_is_wish": True,
            "corrected_category": Category.family.value,
            "features": features(text, c),
        }
        session.add(Correction.model_validate(record))
    session.commit()
    monkeypatch.setenv("WISHPOOL_API__DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["rules", "suggest", "--from-db"])
    assert result.exit_code == 0, result.output
    assert "3 条更正" in result.stdout
    assert "family:奥数" in result.stdout


def test_token_create_with_days_sets_an_expiry(
    db_url: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from models import ApiToken

    monkeypatch.setenv("WISHPOOL_API__DATABASE_URL", db_url)
    result = CliRunner().invoke(
        app, ["token", "create", "--role", "admin", "--name", "张三", "--days", "30"]
    )
    assert result.exit_code == 0, result.output
    token = session.exec(select(ApiToken).where(ApiToken.name == "张三")).one()
    assert token.expires_at is not None
    assert 29 <= (token.expires_at - token.created_at).days <= 30
