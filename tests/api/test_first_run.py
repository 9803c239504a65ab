"""The first run of `wishpool run`, headless: the launcher starts the real API, the fake WeChat
account and the real bot; the scenario plays the loop through the demo group; `wishpool chat`
talks to it from a subprocess; a command without a running system says so in one line."""

from __future__ import annotations

import logging
import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli.demo import MEMBER_ROOM, PEOPLE, STAFF_ROOM
from api.cli.launcher import DemoPorts, RunningSystem, running_system
from api.cli.main import app
from api.cli.scenario import (
    CHATTER,
    FULFILLED_WISH,
    Scenario,
    ScenarioReport,
    needs_scenario,
)
from api.http.security import BOT_CALLS, RoutineAccessFilter
from api.settings import ApiSettings
from models import Fulfilment, Wish
from models.clock import SHANGHAI
from models.enums import WishStatus
from models.quiet import NO_QUIET_HOURS, QuietHours
from tests.api.apitools import Tree, make_client
from tests.api.chat.chat_tools import command, wish

REPO = Path(__file__).resolve().parents[2]
NLP_CACHE = Path(os.environ.get("TMPDIR", "/tmp")) / "wishpool-jieba"
REPLY_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """`wishpool run`'s system on a fresh ledger, quiet hours off, the bot without pauses."""
    workdir = tmp_path_factory.mktemp("first-run")
    settings = ApiSettings(
        database_url=f"sqlite:///{workdir / 'ledger.db'}",
        host="127.0.0.1",
        port=free_port(),
        run_scheduler=False,
        quiet_hours=NO_QUIET_HOURS,
        log_level="WARNING",
    )
    bot_env = {
        "WISHPOOL_BOT__DATA_DIR": str(workdir / "bot"),
        "WISHPOOL_BOT__DELAY_MIN_SECONDS": "0",
        "WISHPOOL_BOT__DELAY_MAX_SECONDS": "0",
        "WISHPOOL_BOT__GROUP_CACHE_SECONDS": "0",
        "WISHPOOL_BOT__LOG_LEVEL": "WARNING",
        "WISHPOOL_NLP__CACHE_DIR": str(NLP_CACHE),
    }
    with running_system(settings, DemoPorts(0, 0), bot_env=bot_env) as system:
        system.wait_for_bot()
        yield system


Played = tuple[RunningSystem, list[str], ScenarioReport]


@pytest.fixture(scope="module")
def played(first_run: RunningSystem) -> Played:
    assert needs_scenario(first_run.engine)  # a fresh ledger: the scenario is due
    lines: list[str] = []
    scenario = Scenario(
        first_run.gateway, first_run.engine, quiet=first_run.settings.quiet_hours, echo=lines.append
    )
    return first_run, lines, scenario.play()


def test_the_first_run_logs_wishes_fulfils_one_and_the_group_sees_it(
    played: Played,
) -> None:
    system, lines, report = played
    with Session(system.engine) as session:
        wishes = session.exec(select(Wish).order_by(Wish.seq)).all()
        fulfilments = session.exec(select(Fulfilment)).all()
    assert [w.submitter_wechat_id for w in wishes] == [
        PEOPLE["zhang"].wechat_id,
        PEOPLE["liu"].wechat_id,
    ]
    assert [w.status for w in wishes] == [WishStatus.new, WishStatus.fulfilled]
    assert all(w.text != CHATTER[1] for w in wishes)  # chat is not logged
    assert wishes[1].text == FULFILLED_WISH[1]
    assert len(fulfilments) == 1 and fulfilments[0].beneficiaries == 25
    assert not needs_scenario(system.engine)  # it plays once

    sent = system.gateway.sent()
    group = [m for m in sent if m["room_id"] == MEMBER_ROOM]
    acks = [m for m in group if m["mention_ids"]]
    assert [m["mention_ids"] for m in acks] == [
        [PEOPLE["zhang"].wechat_id],  # her wish only: her chat line got no answer
        [PEOPLE["liu"].wechat_id],
    ]
    assert all(f"#{w.seq}" in m["text"] for w, m in zip(wishes, acks, strict=True))
    posts = [m for m in group if not m["mention_ids"]]
    assert len(posts) == 1 and f"圆梦啦！心愿 #{wishes[1].seq}" in posts[0]["text"]
    assert report.fulfilled_seq == wishes[1].seq and report.announcement == posts[0]
    assert report.held_until is None
    staff_replies = [m for m in sent if m["room_id"] == STAFF_ROOM]
    assert len(staff_replies) == 4  # 认领, 匹配, 开始, 完成: each answered
    assert any("已圆梦" in m["text"] for m in staff_replies)
    assert any("圆梦啦" in line for line in lines)  # the console saw the post

    page = httpx.get(f"http://127.0.0.1:{system.settings.port}/admin", timeout=5, trust_env=False)
    assert page.status_code == 200 and "心愿" in page.text


def _reader(stream: object) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _line_with(lines: queue.Queue[str], needle: str, timeout: float) -> str:
    deadline = datetime.now() + timedelta(seconds=timeout)
    seen = []
    while (left := (deadline - datetime.now()).total_seconds()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        seen.append(line)
        if needle in line:
            return line
    raise AssertionError(f"no line with {needle!r} within {timeout}s; saw {seen!r}")


def test_wishpool_chat_says_a_line_and_shows_the_bots_reply(
    played: Played,
) -> None:
    system = played[0]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from api.cli.main import main; main()",
            "chat",
            "--as",
            "刘老师",
            "--room",
            "三新姐妹群",
            "--linger",
            "0",
            "--control-port",
            str(system.gateway.control_port),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdin is not None
        out = _reader(proc.stdout)
        proc.stdin.write("想请律师给我们讲讲劳动合同，有没有这样的服务\n")
        proc.stdin.flush()
        line = _line_with(out, "已收到您的心愿 #3", REPLY_TIMEOUT)
        assert line.startswith("机器人 → 幸福社区·三新姐妹群：@刘老师")
        proc.stdin.close()
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_chat_lists_the_people_and_rooms() -> None:
    result = CliRunner().invoke(app, ["chat", "--list"])
    assert result.exit_code == 0
    assert "刘老师（阳光幼儿园）" in result.stdout and "王主任" in result.stdout
    assert "幸福社区·三新姐妹群" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["demo", "say", "希望能带孩子们去消防站参观学习"],
        ["demo", "sent", "--wait", "0"],
        ["chat", "--as", "刘老师"],
    ],
)
def test_a_command_without_a_running_system_says_so_in_one_line(args: list[str]) -> None:
    port = free_port()  # nothing listens there
    result = CliRunner().invoke(app, [*args, "--control-port", str(port)], input="你好\n")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"心愿池没有在运行（连不上模拟微信号 127.0.0.1:{port}）：请先在另一个终端运行 make run"
    ]


def _window_around_now() -> QuietHours:
    now = datetime.now(SHANGHAI)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    return QuietHours(
        start.time().replace(second=0, microsecond=0), end.time().replace(second=0, microsecond=0)
    )


def test_done_in_quiet_hours_tells_staff_when_the_post_goes_out(
    db_url: str,
    engine: Engine,
    bot: dict[str, str],
    tree: Tree,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quiet = _window_around_now()
    monkeypatch.setenv("WISHPOOL_OFFICE__QUIET_HOURS", str(quiet))
    with make_client(db_url, engine) as client:
        seq = wish(client, bot, "q1")["seq"]
        for name, args in (("认领", {}), ("匹配", {"resource_ids": [tree.resource]}), ("开始", {})):
            assert command(client, bot, f"q-{name}", name, seq=seq, **args)["ok"] is True
        done = command(client, bot, "q-done", "完成", seq=seq, beneficiaries=3)
    assert done["ok"] is True
    assert f"圆梦消息将在 {quiet.end:%H:%M} 发出（免打扰时段）" in done["reply"]


def test_done_outside_quiet_hours_says_nothing_of_them(
    db_url: str,
    engine: Engine,
    bot: dict[str, str],
    tree: Tree,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WISHPOOL_OFFICE__QUIET_HOURS", "off")
    with make_client(db_url, engine) as client:
        seq = wish(client, bot, "o1")["seq"]
        for name, args in (("认领", {}), ("匹配", {"resource_ids": [tree.resource]}), ("开始", {})):
            assert command(client, bot, f"o-{name}", name, seq=seq, **args)["ok"] is True
        done = command(client, bot, "o-done", "完成", seq=seq, beneficiaries=3)
    assert done["ok"] is True and "群里会发布圆梦消息" in done["reply"]
    assert "免打扰" not in done["reply"]


def _access(method: str, path: str, status: int) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", method, path, "1.1", status),
        None,
    )


def test_the_access_log_leaves_out_the_bots_long_poll_but_not_its_failures() -> None:
    default = RoutineAccessFilter()
    assert not default.filter(_access("GET", "/api/v1/bot/outbox?wait=20&limit=10", 200))
    assert default.filter(_access("GET", "/api/v1/bot/outbox?wait=20", 401))
    assert default.filter(_access("POST", "/api/v1/bot/wishes", 200))
    assert default.filter(_access("GET", "/api/v1/wishes", 200))
    demo = RoutineAccessFilter(BOT_CALLS)
    assert not demo.filter(_access("POST", "/api/v1/bot/wishes", 200))
    assert demo.filter(_access("POST", "/api/v1/bot/commands", 500))
    assert demo.filter(_access("GET", "/admin", 200))
