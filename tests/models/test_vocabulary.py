"""models.enums is the one vocabulary: every code has its label, in the words offices use."""

from __future__ import annotations

import pytest

from api.domain.workflow import allowed_actions, refusal_message
from models import enums
from models.enums import VOCABULARY, Action, Labelled, WishKind, WishStatus, vocabulary


def test_every_labelled_enum_is_served_and_fully_labelled() -> None:
    labelled = {
        value
        for value in vars(enums).values()
        if isinstance(value, type) and issubclass(value, Labelled) and value is not Labelled
    }
    assert labelled == set(VOCABULARY.values())  # a new labelled enum must be served too
    for enum in labelled:
        for member in enum:
            assert member.label.strip(), member


def test_vocabulary_is_plain_codes_to_labels() -> None:
    served = vocabulary()
    assert list(served["status"]) == [s.value for s in WishStatus]  # in workflow order
    assert served["status"]["matched"] == "已对接"


@pytest.mark.parametrize(
    ("member", "label"),
    [
        (Action.match, "对接资源"),
        (Action.fulfil, "圆梦"),
        (Action.claim, "认领"),
        (WishKind.offer, "提供"),
        (WishKind.need, "需求"),
        (WishStatus.fulfilled, "已圆梦"),
    ],
)
def test_the_words_a_federation_office_uses(member: Labelled, label: str) -> None:
    assert member.label == label


def test_workflow_refusal_uses_the_same_labels() -> None:
    message = refusal_message(Action.fulfil, WishStatus.new)
    assert f"「{WishStatus.new.label}」" in message and f"不能{Action.fulfil.label}" in message
    for allowed in allowed_actions(WishStatus.new):
        assert allowed.label in message
    assert "无（已是最终状态）" in refusal_message(Action.claim, WishStatus.fulfilled)


def test_action_is_still_importable_from_the_workflow() -> None:
    from api.domain import workflow

    assert workflow.Action is Action
