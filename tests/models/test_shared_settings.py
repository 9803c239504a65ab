"""One quiet-hours setting (office.quiet_hours) for the bot's sender and the scheduler alike."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest

from api.followup.calendar import build_calendar
from api.followup.settings import SchedulerSettings
from bot.sender import SendDeferred, Sender
from bot.settings import BotSettings
from models.clock import SHANGHAI

# Monday 2026-11-23, a working day: only the quiet hours decide.
AT_22_30 = datetime(2026, 11, 23, 22, 30, tzinfo=SHANGHAI)


class Transport:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_room(self, room_id: str, text: str, mention_ids: object) -> str:
        self.sent.append(text)
        return f"m{len(self.sent)}"

    async def send_contact(self, contact_id: str, text: str) -> str:
        self.sent.append(text)
        return f"m{len(self.sent)}"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WISHPOOL_OFFICE__QUIET_HOURS", "WISHPOOL_BOT__QUIET_HOURS"):
        monkeypatch.delenv(name, raising=False)


def use_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("WISHPOOL_CONFIG", str(path))


async def bot_defers(settings: BotSettings, moment: datetime) -> bool:
    sender = Sender(Transport(), quiet=settings.quiet_hours, now=lambda: moment)
    try:
        await sender.to_room("r@chatroom", "【心愿提醒】", urgent=False)
    except SendDeferred:
        return True
    return False


@pytest.mark.parametrize(
    ("quiet_hours", "quiet_at_22_30"),
    [("21:00-08:00", True), ("23:00-06:00", False), ("22:00-07:30", True), ("off", False)],
)
async def test_one_setting_drives_the_bot_and_the_scheduler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quiet_hours: str, quiet_at_22_30: bool
) -> None:
    use_config(tmp_path, monkeypatch, f'office:\n  quiet_hours: "{quiet_hours}"\nbot: {{}}\n')
    bot, scheduler = BotSettings(), SchedulerSettings()
    assert bot.quiet_hours == scheduler.quiet_hours
    assert await bot_defers(bot, AT_22_30) is quiet_at_22_30
    assert build_calendar(scheduler).is_quiet(AT_22_30) is quiet_at_22_30


async def test_the_environment_overrides_it_for_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_config(tmp_path, monkeypatch, 'office:\n  quiet_hours: "21:00-08:00"\n')
    monkeypatch.setenv("WISHPOOL_OFFICE__QUIET_HOURS", "23:00-06:00")
    bot, scheduler = BotSettings(), SchedulerSettings()
    assert bot.quiet_hours.start == scheduler.quiet_hours.start == time(23, 0)
    assert not await bot_defers(bot, AT_22_30)
    assert not build_calendar(scheduler).is_quiet(AT_22_30)


def test_without_the_setting_both_use_the_same_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_config(tmp_path, monkeypatch, "bot: {}\nscheduler: {}\n")
    assert str(BotSettings().quiet_hours) == str(SchedulerSettings().quiet_hours) == "21:00-08:00"


def test_the_admin_api_still_shows_start_and_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_config(tmp_path, monkeypatch, 'office:\n  quiet_hours: "22:00-07:30"\n')
    dumped = SchedulerSettings().model_dump(include={"quiet_start", "quiet_end"})
    assert dumped == {"quiet_start": time(22, 0), "quiet_end": time(7, 30)}


@pytest.mark.parametrize(
    "config",
    [
        'bot:\n  quiet_start: "21:00"\n',
        'scheduler:\n  quiet_end: "08:00"\n',
        'bot:\n  quiet_hours: "21:00-08:00"\n',
        'scheduler:\n  quiet_hours: "21:00-08:00"\n',
    ],
)
def test_a_per_process_quiet_hours_key_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str
) -> None:
    # A second copy could disagree with office.quiet_hours again; refused, not ignored.
    use_config(tmp_path, monkeypatch, config)
    cls = BotSettings if config.startswith("bot") else SchedulerSettings
    with pytest.raises(ValueError, match=r"office\.quiet_hours"):
        cls()


@pytest.mark.parametrize(
    "variable", ["WISHPOOL_BOT__QUIET_START", "WISHPOOL_SCHEDULER__QUIET_HOURS"]
)
def test_a_per_process_quiet_hours_variable_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    use_config(tmp_path, monkeypatch, "")
    monkeypatch.setenv(variable, "21:30")
    cls = BotSettings if "_BOT_" in variable else SchedulerSettings
    with pytest.raises(ValueError, match="WISHPOOL_OFFICE__QUIET_HOURS"):
        cls()
