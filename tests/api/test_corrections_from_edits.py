"""Changing the category the recogniser chose is a correction it can learn from."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import Correction
from tests.api.apitools import Tree, new_wish


def test_recategorising_a_recognised_wish_records_a_correction(
    client: TestClient, admin: dict[str, str], tree: Tree, session: Session
) -> None:
    wish = new_wish(client, admin, office_id=tree.street, category="other", confidence=0.8)
    response = client.patch(
        f"/api/v1/wishes/{wish['id']}", json={"category": "legal"}, headers=admin
    )
    assert response.status_code == 200, response.text
    [correction] = session.exec(select(Correction)).all()
    assert correction.wish_id == wish["id"]
    assert (correction.predicted_category, correction.corrected_category) == ("other", "legal")
    assert correction.corrected_is_wish is True
    assert correction.features.get("tokens")  # the recogniser's view, not the raw text
    assert "text" not in correction.features


def test_a_wish_typed_in_by_hand_is_no_correction(
    client: TestClient, admin: dict[str, str], tree: Tree, session: Session
) -> None:
    wish = new_wish(client, admin, office_id=tree.street, category="other")
    response = client.patch(
        f"/api/v1/wishes/{wish['id']}", json={"category": "legal"}, headers=admin
    )
    assert response.status_code == 200 and response.json()["category"] == "legal"
    assert session.exec(select(Correction)).all() == []
