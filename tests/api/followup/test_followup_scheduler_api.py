"""APScheduler wiring (deterministic ids, replace_existing, start/stop) and the admin routes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.domain.auth import create_token
from api.followup.jobs import JOB_DIGEST, JOB_MONTHLY, JOB_REMINDERS, JOB_RETENTION
from api.followup.scheduler import FollowUpScheduler
from api.http.app import create_app
from api.settings import ApiSettings
from models.enums import Role
from tests.api.followup.fu_world import World, at, make_settings


def test_job_ids_are_deterministic_and_replaced(engine: Engine) -> None:
    scheduler = FollowUpScheduler(engine, make_settings())
    scheduler.add_jobs()  # a second registration replaces, never duplicates
    ids = sorted(job.id for job in scheduler.scheduler.get_jobs())
    assert ids == sorted([JOB_REMINDERS, JOB_DIGEST, JOB_MONTHLY, JOB_RETENTION])
    assert str(scheduler.scheduler.timezone) == "Asia/Shanghai"
    scheduler.start()
    scheduler.start()  # idempotent
    try:
        assert scheduler.running
        assert sorted(job.id for job in scheduler.scheduler.get_jobs()) == ids
        runs = scheduler.next_runs()
        assert runs[JOB_DIGEST] is not None and runs[JOB_DIGEST].hour == 8  # type: ignore[union-attr]
    finally:
        scheduler.stop()
        scheduler.stop()
    assert not scheduler.running


def _client(db_url: str, engine: Engine) -> TestClient:
    settings = ApiSettings(database_url=db_url, run_scheduler=False, auto_migrate=False)
    return TestClient(create_app(settings, engine=engine))


def test_admin_routes(world: World, session: Session, db_url: str, engine: Engine) -> None:
    _, admin = create_token(session=session, role=Role.admin, name="管理员")
    _, staff = create_token(
        session=session, role=Role.staff, name="员工", office_id=world.offices["city"].id
    )
    world.release()
    world.wish(created_at=at(2026, 3, 2, 9), org="with_liaison")
    headers = {"Authorization": f"Bearer {admin}"}
    with _client(db_url, engine) as client:
        # The routes' runner, on a fixed clock: Monday 14:00, 5 working hours after the wish.
        client.app.state.followup = FollowUpScheduler(  # type: ignore[attr-defined]
            engine, make_settings(), clock=lambda: at(2026, 3, 2, 14)
        )
        assert (
            client.get(
                "/api/v1/followup/rules", headers={"Authorization": f"Bearer {staff}"}
            ).status_code
            == 403
        )
        rules = client.get("/api/v1/followup/rules", headers=headers).json()
        assert rules["defaults"]["unclaimed_working_hours"] == 4 and "quiet_start" in rules
        jobs = client.get("/api/v1/followup/jobs", headers=headers).json()
        assert jobs["running"] is False
        assert {j["id"] for j in jobs["jobs"]} == {
            JOB_REMINDERS,
            JOB_DIGEST,
            JOB_MONTHLY,
            JOB_RETENTION,
        }
        assert all(j["next_run_time"] for j in jobs["jobs"])
        # A dry run previews and writes nothing.
        dry = client.post("/api/v1/followup/run", params={"dry_run": True}, headers=headers)
        assert dry.status_code == 200 and dry.json()["dry_run"] is True
        assert [m["mention_ids"] for m in dry.json()["messages"]] == [["wx_liaison"]]
        assert world.outbox() == []
        assert client.get("/api/v1/followup/runs", headers=headers).json()["total"] == 0
        real = client.post("/api/v1/followup/run", params={"dry_run": False}, headers=headers)
        assert real.status_code == 200 and real.json()["counts"]["reminded"] == 1
        assert [m.mention_ids for m in world.outbox()] == [["wx_liaison"]]
        runs = client.get("/api/v1/followup/runs", headers=headers).json()
        assert runs["total"] == 1 and runs["items"][0]["job_id"] == JOB_REMINDERS
        assert "overdue" in runs["items"][0]["counts"]
