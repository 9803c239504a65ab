"""Per-office thresholds: merged with the defaults, and a misspelt key is refused, not ignored."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.followup.settings import SchedulerSettings


def test_office_override_merges_with_defaults() -> None:
    settings = SchedulerSettings(offices={"DF": {"unclaimed_working_hours": 2}})
    assert settings.rules_for("DF").unclaimed_working_hours == 2
    assert settings.rules_for("DF").offer_days == settings.offer_days
    assert settings.rules_for("XF").unclaimed_working_hours == settings.unclaimed_working_hours


def test_a_misspelt_office_override_is_refused() -> None:
    with pytest.raises(ValidationError, match="unclaimed_hours"):
        SchedulerSettings(offices={"DF": {"unclaimed_hours": 2}})
