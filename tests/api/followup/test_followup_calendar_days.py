"""The calendar the admin keeps: the endpoints change what counts as a working day, for the
jobs and for the page; the December warning; on both databases."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.domain.auth import create_token
from api.followup.calendar import WorkCalendar, official_days, save_days
from api.followup.runner import FollowUpRunner
from api.followup.scheduler import FollowUpScheduler
from api.http.app import create_app
from api.settings import ApiSettings
from models import Staff
from models.calendar_day import CalendarDayCreate
from models.enums import CalendarDayKind, Role, StaffRole
from tests.api.followup.fu_world import World, at, make_settings

SATURDAY_2027 = date(2027, 2, 20)
TUESDAY_2027 = date(2027, 3, 9)


def test_packages_fill_the_years_nobody_kept() -> None:
    days_2027 = {o.day: o for o in official_days(2027)}
    assert days_2027[date(2027, 1, 1)].name == "元旦" and days_2027[date(2027, 1, 1)].source == (
        "holidays"
    )
    assert all(o.kind == CalendarDayKind.holiday for o in days_2027.values())  # no 调休 known
    days_2026 = {o.day: o for o in official_days(2026)}
    assert days_2026[date(2026, 2, 14)].kind == CalendarDayKind.workday
    assert days_2026[date(2026, 10, 1)].name == "国庆节"
    cal = WorkCalendar()
    assert not cal.is_working_day(date(2027, 1, 1))  # statutory, though not in chinesecalendar
    assert cal.is_working_day(date(2027, 1, 4))


def test_a_kept_year_follows_its_rows_only() -> None:
    cal = WorkCalendar(days={SATURDAY_2027: True}, kept_years={2027})
    assert cal.is_working_day(SATURDAY_2027)
    assert cal.is_working_day(date(2027, 1, 1))  # kept without 元旦: the admin's word
    # config.yaml stays above the table.
    over = WorkCalendar(days={SATURDAY_2027: True}, kept_years={2027}, holidays=[SATURDAY_2027])
    assert not over.is_working_day(SATURDAY_2027)


def _client(db_url: str, engine: Engine, now_day: date) -> TestClient:
    settings = ApiSettings(database_url=db_url, run_scheduler=False, auto_migrate=False)
    client = TestClient(create_app(settings, engine=engine))
    client.app.state.followup = FollowUpScheduler(  # type: ignore[attr-defined]
        engine,
        make_settings(holidays=[date(2027, 4, 30)]),
        clock=lambda: at(now_day.year, now_day.month, now_day.day, 9),
    )
    return client


def test_the_endpoints_change_what_counts_as_a_working_day(
    world: World, session: Session, db_url: str, engine: Engine
) -> None:
    _, admin = create_token(session=session, role=Role.admin, name="管理员")
    _, staff = create_token(
        session=session, role=Role.staff, name="员工", office_id=world.offices["city"].id
    )
    world.release()
    headers = {"Authorization": f"Bearer {admin}"}
    with _client(db_url, engine, date(2026, 12, 2)) as client:
        runner = client.app.state.followup.runner  # type: ignore[attr-defined]
        year = client.get("/api/v1/calendar", params={"year": 2027}, headers=headers).json()
        assert year["kept"] is False and year["complete"] is False
        by_day = {d["day"]: d for d in year["days"]}
        assert by_day["2027-01-01"]["name"] == "元旦"
        assert by_day["2027-04-30"]["source"] == "config"
        digest = runner.run_digest(at(2027, 2, 20, 8, 30))
        assert digest.counts.get("skipped_non_working_day") == 1  # a plain Saturday so far
        # Enter the 调休 Saturday and a holiday on a Tuesday.
        put = client.put(
            f"/api/v1/calendar/{SATURDAY_2027}",
            json={"kind": "workday", "name": "春节"},
            headers=headers,
        )
        assert put.status_code == 200 and put.json()["source"] == "admin"
        posted = client.post(
            "/api/v1/calendar",
            json={"days": [{"day": str(TUESDAY_2027), "kind": "holiday", "name": "本地假日"}]},
            headers=headers,
        )
        assert posted.status_code == 200, posted.text
        year = client.get("/api/v1/calendar", params={"year": 2027}, headers=headers).json()
        assert year["kept"] is True and year["complete"] is True
        by_day = {d["day"]: d for d in year["days"]}
        assert by_day["2027-01-01"]["source"] == "holidays"  # kept on the first edit
        assert by_day[str(SATURDAY_2027)]["kind"] == "workday"
        assert runner.run_digest(at(2027, 2, 20, 8, 30)).counts.get("messages", 0) >= 1
        assert runner.run_digest(at(2027, 3, 9, 8, 30)).counts["skipped_non_working_day"] == 1
        assert runner.calendar.is_working_day(SATURDAY_2027)
        # Deleting the holiday makes the Tuesday a working day again.
        gone = client.delete(f"/api/v1/calendar/{TUESDAY_2027}", headers=headers)
        assert gone.status_code == 204
        assert "skipped_non_working_day" not in runner.run_digest(at(2027, 3, 9, 8, 30)).counts
        # Statistics read the same calendar (no stale copy).
        stats = client.get("/api/v1/statistics", headers=headers)
        assert stats.status_code == 200
        # Clear refusals, in Chinese.
        weekday = client.put(
            f"/api/v1/calendar/{TUESDAY_2027}", json={"kind": "workday"}, headers=headers
        )
        assert weekday.status_code == 422 and "本来就上班" in weekday.json()["error"]["message"]
        config = client.put(
            "/api/v1/calendar/2027-04-30", json={"kind": "holiday"}, headers=headers
        )
        assert config.status_code == 409 and "config.yaml" in config.json()["error"]["message"]
        old = client.put("/api/v1/calendar/1999-10-01", json={"kind": "holiday"}, headers=headers)
        assert old.status_code == 422
        missing = client.delete("/api/v1/calendar/2027-03-10", headers=headers)
        assert missing.status_code == 404 and "不是节假日" in missing.json()["error"]["message"]
        as_staff = {"Authorization": f"Bearer {staff}"}
        assert client.get("/api/v1/calendar", headers=as_staff).status_code == 200
        refused = client.put(
            f"/api/v1/calendar/{SATURDAY_2027}", json={"kind": "holiday"}, headers=as_staff
        )
        assert refused.status_code == 403


def test_december_warns_the_page_and_the_admins_once_a_day(
    world: World, session: Session, db_url: str, engine: Engine
) -> None:
    _, token = create_token(session=session, role=Role.admin, name="管理员")
    admin = Staff(
        wechat_id="wx_admin",
        name="钱管理",
        office_id=world.offices["city"].id,  # type: ignore[arg-type]
        role=StaffRole.admin,
    )
    session.add(admin)
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    with _client(db_url, engine, date(2026, 12, 2)) as client:
        runner = client.app.state.followup.runner  # type: ignore[attr-defined]
        status = client.get("/api/v1/calendar/status", headers=headers).json()
        assert status == {
            "today": "2026-12-02",
            "next_year": 2027,
            "next_year_complete": False,
            "warn": True,
        }
        assert runner.run_digest(at(2026, 11, 30, 8, 30)).counts.get("calendar_warnings") is None
        first = runner.run_digest(at(2026, 12, 2, 8, 30))
        assert first.counts["calendar_warnings"] == 1
        again = runner.run_digest(at(2026, 12, 2, 8, 30))
        assert again.counts["calendar_warnings"] == 0
        notes = [m for m in world.outbox() if m.kind == "calendar"]
        assert len(notes) == 1 and notes[0].target_id == "wx_admin"
        assert notes[0].target_kind == "contact" and "2027 年" in notes[0].text
        assert runner.run_digest(at(2026, 12, 3, 8, 30)).counts["calendar_warnings"] == 1
        # Once the 调休 is entered the warning stops.
        client.put("/api/v1/calendar/2027-02-20", json={"kind": "workday"}, headers=headers)
        status = client.get("/api/v1/calendar/status", headers=headers).json()
        assert status["warn"] is False and status["next_year_complete"] is True
        assert "calendar_warnings" not in runner.run_digest(at(2026, 12, 4, 8, 30)).counts


def test_scheduled_posts_wait_for_a_holiday_the_admin_entered(
    world: World, session: Session, engine: Engine
) -> None:
    settings = make_settings()
    followup = FollowUpRunner(engine, settings)
    monday = date(2027, 3, 1)  # the monthly 圆梦榜's day, and a digest day
    save_days(
        session=session,
        settings=settings,
        days_in=[CalendarDayCreate(day=monday, kind=CalendarDayKind.holiday, name="本地假日")],
    )
    session.commit()
    assert followup.run_monthly(at(2027, 3, 1, 10)).counts.get("skipped") == 1
    assert followup.run_digest(at(2027, 3, 1, 8, 30)).counts["skipped_non_working_day"] == 1
    assert followup.run_reminders(at(2027, 3, 1, 10)).counts.get("messages") == 0
    assert world.outbox() == []
    # The next working day the 圆梦榜 goes out to the member group.
    monthly = followup.run_monthly(at(2027, 3, 2, 10))
    assert "skipped" not in monthly.counts
    assert [m.target_id for m in monthly.messages] == ["members@chatroom"]
