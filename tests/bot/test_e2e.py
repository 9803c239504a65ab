"""End to end: fake WeChat gateway ⇄ real bot process ⇄ API process ⇄ SQLite ledger.

Every wait is a long-poll on what the bot said (the gateway's /sent) or a wait for a log line;
nothing sleeps to wait. One system serves the whole module; tests run in file order.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from gateway import FakeGateway, SentMessage
from models import Correction, Fulfilment, Group, Outbox, Wish, WishEvent
from models.enums import Category, CloseReason, OutboxStatus, WishStatus
from models.wording import members as for_members
from tests.bot.harness import System, files_holding, running_system

pytestmark = pytest.mark.e2e

GREY_TEXT = "工资拖了两个月"


def _uid() -> str:
    return uuid.uuid4().hex[:8]


class World:
    def __init__(self, gw: FakeGateway, system: System) -> None:
        self.gw = gw
        self.system = system
        assert system.seed is not None
        self.seed = system.seed
        self.room = system.seed.room_id

    def say(
        self,
        talker: str,
        text: str,
        *,
        room: str | None = "",
        mention_bot: bool = False,
        **kw: object,
    ) -> str:
        room_id = self.room if room == "" else room
        mentions = [self.gw.bot_id] if mention_bot else []
        return self.gw.say(talker, text, room_id=room_id, mention_ids=mentions, **kw)  # type: ignore[arg-type]

    def reply_to(self, talker: str, after: int, timeout: float = 10.0) -> SentMessage:
        def is_reply(m: SentMessage) -> bool:
            # The privacy notice after her first wish comes privately, in no fixed order.
            if m["text"] == for_members.PRIVACY_NOTICE:
                return False
            return talker in m["mention_ids"] or m["to_id"] == talker

        return self.gw.wait_for_sent(is_reply, timeout=timeout, after=after)

    def ask(self, talker: str, text: str, **kw: object) -> str:
        """Says something and returns the bot's reply to that member."""
        after = self.gw.last_seq()
        self.say(talker, text, **kw)  # type: ignore[arg-type]
        return self.reply_to(talker, after)["text"]

    def assert_silent(self, talker: str, after: int) -> None:
        """Nothing was said to `talker` since `after`: proven by a marker command answered next."""
        marker = self.ask(talker, "帮助")
        assert "使用说明" in marker
        said = [m for m in self.gw.sent(after) if talker in m["mention_ids"]]
        assert len(said) == 1, [m["text"] for m in said]


@pytest.fixture(scope="module")
def world(fake_gateway: FakeGateway) -> Iterator[World]:
    staff = fake_gateway.add_contact("王主任", id=f"wxid_staff_{_uid()}")
    members = [fake_gateway.add_contact(n, id=f"wxid_m{i}_{_uid()}") for i, n in enumerate(
        ["李娟", "张敏", "赵芳", "陈静", "刘洋"]
    )]  # fmt: skip
    room = fake_gateway.add_room("东风姐妹群", [staff, *members], id=f"{_uid()}@chatroom")
    other = fake_gateway.add_room("西湖群", [staff, *members], id=f"{_uid()}@chatroom")
    # The API-down test checks the holding reply: sent at once here, not after a long outage.
    held_at_once = {"WISHPOOL_BOT__HOLDING_REPLY_AFTER_SECONDS": "0"}
    with running_system(
        fake_gateway.endpoint, fake_gateway.token, room, staff, other, bot_env=held_at_once
    ) as system:
        w = World(fake_gateway, system)
        w.staff = staff  # type: ignore[attr-defined]
        w.members = members  # type: ignore[attr-defined]
        yield w


def _wish(w: World, message_id: str):  # type: ignore[no-untyped-def]
    return next((x for x in w.system.wishes() if x.source_message_id == message_id), None)


def test_wish_becomes_a_ledger_entry_and_the_member_gets_a_reply(world: World) -> None:
    w, member = world, world.members[0]  # type: ignore[attr-defined]
    after = w.gw.last_seq()
    message_id = w.say(member, "我想给孩子报名暑期托管班，希望妇联能帮忙联系")
    reply = w.reply_to(member, after)
    wish = _wish(w, message_id)
    assert wish is not None and wish.category == Category.family
    assert reply["room_id"] == w.room and reply["mention_ids"] == [member]
    assert f"已收到您的心愿 #{wish.seq}，我们会尽快联系您" in reply["text"]
    assert "家庭教育" not in reply["text"] and "托管" not in reply["text"]  # the number only
    assert wish.submitter_wechat_id == member and wish.status == WishStatus.new


def test_phone_numbers_are_masked_in_the_reply(world: World) -> None:
    w, member = world, world.members[1]  # type: ignore[attr-defined]
    text = w.ask(member, "希望有律师帮忙看看劳动合同怎么签，电话13812345678")
    assert "13812345678" not in text
    assert "138****5678" in text and "已收到您的心愿 #" in text


def test_a_sensitive_wish_is_acknowledged_without_number_or_content(world: World) -> None:
    w, member = world, world.members[1]  # type: ignore[attr-defined]
    after = w.gw.last_seq()
    message_id = w.say(member, "老公经常家暴我，不知道该找谁帮忙")
    reply = w.reply_to(member, after)
    wish = _wish(w, message_id)
    assert wish is not None and wish.sensitive is True
    assert reply["room_id"] == w.room and reply["mention_ids"] == [member]
    # WeChat writes her mention first; the words after it say nothing of the wish.
    assert reply["text"].endswith(for_members.SENSITIVE_RECEIVED)
    assert "#" not in reply["text"] and "家暴" not in reply["text"]


def test_chatter_creates_nothing_and_is_stored_nowhere(world: World) -> None:
    w, member = world, world.members[2]  # type: ignore[attr-defined]
    before = len(w.system.wishes())
    after = w.gw.last_seq()
    marker = _uid()
    chatter = f"今天天气真好{marker}"
    w.say(member, chatter)
    w.assert_silent(member, after)
    assert len(w.system.wishes()) == before
    # No file the system wrote holds the text: the ledger with its -wal and -shm files, the
    # bot's spool (and its -wal) and health file. The marker alone catches a partial copy.
    assert files_holding(w.system.workdir, chatter, marker) == []
    # Nor do the processes' logs (they carry ids, never what members said).
    assert w.system.bot_log is not None and w.system.api_log is not None
    assert not [line for line in w.system.bot_log.lines + w.system.api_log.lines if marker in line]


def test_the_storage_scan_finds_a_wish_just_written(world: World) -> None:
    # The chatter check above passes only if the scan can fail: a wish sent the same way, just
    # written, is found (while the API runs its connections keep it in ledger.db-wal).
    w, member = world, world.members[2]  # type: ignore[attr-defined]
    marker = _uid()
    assert "已收到您的心愿 #" in w.ask(member, f"希望组织亲子阅读活动{marker}")
    found = files_holding(w.system.workdir, marker)
    assert any(path.name.startswith("ledger.db") for path in found), found


def test_the_storage_scan_reads_the_write_ahead_log(tmp_path: Path) -> None:
    # What a scan of the main database file alone misses: a committed row still in the WAL.
    marker = f"心愿池标记{_uid()}"
    db = tmp_path / "wal.db"
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        conn.execute("CREATE TABLE t (text TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", (marker,))
        assert marker.encode() not in db.read_bytes()
        assert files_holding(tmp_path, marker) == [tmp_path / "wal.db-wal"]
    finally:
        conn.close()


def test_own_messages_are_ignored(world: World) -> None:
    # The bot's replies come back as messages from itself: if it answered them it would loop.
    w = world
    after = w.gw.last_seq()
    w.ask(w.members[0], "帮助")  # type: ignore[attr-defined]
    assert len(w.gw.sent(after)) == 1


def test_redelivered_message_creates_nothing_new(world: World) -> None:
    w, member = world, world.members[3]  # type: ignore[attr-defined]
    after = w.gw.last_seq()
    message_id = w.say(member, "希望组织一次亲子阅读活动")
    w.reply_to(member, after)
    count = len(w.system.wishes())
    after = w.gw.last_seq()
    w.say(member, "希望组织一次亲子阅读活动", message_id=message_id)
    w.assert_silent(member, after)
    assert len(w.system.wishes()) == count


@contextlib.contextmanager
def asking_members(w: World) -> Iterator[None]:
    """The group's option to ask members about uncertain messages in public, for one test."""
    _set_ask_members(w, True)
    try:
        yield
    finally:
        _set_ask_members(w, False)


def _set_ask_members(w: World, value: bool) -> None:
    with w.system.session() as s:
        group = s.exec(select(Group).where(Group.room_id == w.room)).one()
        group.ask_members = value
        s.add(group)
        s.commit()


def test_grey_zone_asks_and_logs_only_on_confirmation(world: World) -> None:
    w = world
    member, other = w.members[4], w.members[0]  # type: ignore[attr-defined]
    before = len(w.system.wishes())
    with asking_members(w):
        assert "这是一条心愿吗？回复「是」登记" in w.ask(member, GREY_TEXT)
    assert len(w.system.wishes()) == before
    # Someone else's 「是」 confirms nothing.
    after = w.gw.last_seq()
    w.say(other, "是")
    w.assert_silent(other, after)
    assert len(w.system.wishes()) == before
    reply = w.ask(member, "是")
    assert "已收到您的心愿 #" in reply
    wishes = w.system.wishes()
    assert len(wishes) == before + 1 and wishes[-1].text == GREY_TEXT


def test_explicit_wish_and_mention_request(world: World) -> None:
    w, member = world, world.members[2]  # type: ignore[attr-defined]
    before = len(w.system.wishes())
    assert "已收到您的心愿 #" in w.ask(member, "#心愿 周末去哪玩")
    assert "已收到您的心愿 #" in w.ask(member, "最近睡眠不好", mention_bot=True)
    wishes = w.system.wishes()[before:]
    assert [x.text for x in wishes] == ["周末去哪玩", "最近睡眠不好"]


def test_new_group_is_registered_disabled_and_ignored(world: World) -> None:
    w, member = world, world.members[0]  # type: ignore[attr-defined]
    room = w.gw.add_room("新建群", [member, w.staff], id=f"{_uid()}@chatroom")  # type: ignore[attr-defined]
    before = len(w.system.wishes())
    after = w.gw.last_seq()
    w.say(member, "希望组织一次亲子阅读活动", room=room)
    w.assert_silent(member, after)
    with w.system.session() as s:
        group = s.exec(select(Group).where(Group.room_id == room)).one()
    assert group.enabled is False and group.topic == "新建群"
    assert len(w.system.wishes()) == before


def test_member_commands(world: World) -> None:
    w, member, stranger = world, world.members[1], world.members[3]  # type: ignore[attr-defined]
    after = w.gw.last_seq()
    message_id = w.say(member, "希望社区能组织免费体检，最近身体不太好")
    w.reply_to(member, after)
    wish = _wish(w, message_id)
    assert wish is not None
    n = wish.seq
    assert f"心愿 #{n}（身心健康）：已登记。下一步：等待工作人员认领" in w.ask(member, f"查询 {n}")
    assert f"没有找到您的心愿 #{n}" in w.ask(stranger, f"查询 {n}")
    assert f"#{n} 身心健康：已登记" in w.ask(member, "我的心愿")
    assert f"已为心愿 #{n} 补充说明" in w.ask(member, f"补充 {n} 最好是周末")
    assert "没有找到您的心愿" in w.ask(stranger, f"撤回 {n}")
    assert f"心愿 #{n} 已撤回" in w.ask(member, f"撤回 {n}")
    with w.system.session() as s:
        events = s.exec(select(WishEvent).where(WishEvent.wish_id == wish.id)).all()
    closed = _wish(w, message_id)
    assert any(e.note == "补充：最好是周末" for e in events)
    assert closed is not None and closed.close_reason == CloseReason.withdrawn
    menu = w.ask(member, "服务")
    r1, r2, _r3 = w.seed.resource_ids
    assert f"资源{r1} 亲子阅读课" in menu and f"资源{r2} 法律咨询" in menu
    legal = w.ask(member, "资源 法律")
    assert f"资源{r2}" in legal and f"资源{r1}" not in legal
    reply = w.ask(member, f"我要 资源{r1}")
    assert "已收到您的点单 #" in reply and "亲子阅读课" in reply
    assert "格式不对" in w.ask(member, "查询 abc", mention_bot=True)


def test_staff_commands_and_fulfilment_announcement(world: World) -> None:
    w, member, staff = world, world.members[0], world.staff  # type: ignore[attr-defined]
    after = w.gw.last_seq()
    message_id = w.say(member, "希望组织一次亲子阅读活动，孩子们很需要")
    w.reply_to(member, after)
    wish = _wish(w, message_id)
    assert wish is not None
    n, r1 = wish.seq, w.seed.resource_ids[0]
    # A member may not use staff commands.
    assert "是工作人员指令" in w.ask(member, f"认领 {n}")
    assert f"心愿 #{n} 已由王主任认领" in w.ask(staff, f"认领 {n}")
    assert "不能认领" in w.ask(staff, f"认领 {n}")
    assert f"心愿 #{n} 已对接：亲子阅读课" in w.ask(staff, f"匹配 {n} 资源{r1}")
    assert f"心愿 #{n} 开始服务" in w.ask(staff, f"开始 {n}")
    assert f"#{n}" in w.ask(staff, "待办")
    after = w.gw.last_seq()
    w.say(
        staff,
        f"完成 {n} 受益30人 价值5000元 说明 组织了亲子阅读会，联系人13812345678 "
        "公开：组织了亲子阅读会，咨询13912345678",
    )
    done = w.reply_to(staff, after)
    assert f"心愿 #{n} 已圆梦（受益 30 人，价值 5000 元）" in done["text"]
    # ledger → outbox → group: the public summary staff wrote, masked; never her own words
    announcement = w.gw.wait_for_sent(
        lambda m: m["room_id"] == w.room and "圆梦啦" in m["text"], after=after, timeout=15
    )
    assert f"#{n}" in announcement["text"] and "受益 30 人" in announcement["text"]
    assert "服务内容：组织了亲子阅读会" in announcement["text"]
    assert "139****5678" in announcement["text"] and "13912345678" not in announcement["text"]
    assert "孩子们很需要" not in announcement["text"] and "家庭教育" not in announcement["text"]
    assert "13812345678" not in announcement["text"] and "李娟" not in announcement["text"]
    assert w.system.bot_log is not None
    with w.system.session() as s:
        outbox_id = s.exec(
            select(Outbox.id).where(Outbox.dedupe_key == f"fulfilled:{wish.id}")
        ).one()
    w.system.bot_log.wait_for(f"outbox {outbox_id} delivered and acknowledged", 10)
    with w.system.session() as s:
        fulfilment = s.exec(select(Fulfilment).where(Fulfilment.wish_id == wish.id)).one()
        outbox = s.exec(select(Outbox).where(Outbox.dedupe_key == f"fulfilled:{wish.id}")).one()
    assert fulfilment.beneficiaries == 30 and fulfilment.value_yuan == 5000
    assert outbox.status == OutboxStatus.sent and outbox.sent_message_id == announcement["id"]
    ledger = w.ask(staff, "台账")
    assert "今日：新登记" in ledger and "圆梦 1 条" in ledger
    assert "工作人员指令" in w.ask(staff, "帮助")


def test_staff_corrections_close_and_private_chat(world: World) -> None:
    w, member, staff = world, world.members[4], world.staff  # type: ignore[attr-defined]
    ids = []
    for text in ("希望有人教我做直播带货", "希望小区多组织广场舞活动", "#心愿 想问问谁家的猫丢了"):
        after = w.gw.last_seq()
        ids.append(w.say(member, text))
        w.reply_to(member, after)
    a, b, c = (_wish(w, i) for i in ids)
    assert a and b and c
    assert f"类别已从「{Category(a.category).label}」改为「身心健康」" in w.ask(
        staff, f"改类 {a.seq} 健康"
    )
    assert f"已把 #{b.seq} 标记为不是心愿" in w.ask(staff, f"不是心愿 {b.seq}")
    assert f"心愿 #{c.seq} 已关闭（重复）" in w.ask(staff, f"关闭 {c.seq} 重复")
    assert "是工作人员指令" in w.ask(member, f"关闭 {c.seq} 重复")
    with w.system.session() as s:
        corrections = s.exec(select(Correction).order_by(Correction.id)).all()  # type: ignore[arg-type]
    assert [(x.corrected_is_wish, x.corrected_category) for x in corrections[-2:]] == [
        (True, Category.health),
        (False, None),
    ]
    assert "tokens" in corrections[-1].features
    # Staff in a private chat with the bot (their office's numbers).
    assert f"心愿 #{a.seq} 已由王主任认领" in w.ask(staff, f"认领 {a.seq}", room=None)
    assert "是工作人员指令" in w.ask(member, "待办", room=None)
    # A group of another office is outside this staff member's scope.
    assert "不在您负责的范围" in w.ask(staff, "认领 1", room=w.seed.other_office_room)


def test_my_data_is_told_privately_and_erased_on_confirmation(world: World) -> None:
    w, member = world, world.members[4]  # type: ignore[attr-defined]
    mine = [x for x in w.system.wishes() if x.submitter_wechat_id == member]
    assert mine, "the previous test logged her wishes"
    # In the group: not a word of what is kept, only the way to ask privately.
    asked = w.ask(member, "我的信息")
    assert "请私信我" in asked and f"#{mine[0].seq}" not in asked
    # Privately: what is kept, by number, and for how long.
    told = w.ask(member, "我的信息", room=None)
    assert all(f"#{x.seq}" in told for x in mine) and "个月" in told
    question = w.ask(member, "删除我的信息", room=None)
    assert "确认删除" in question
    assert "已删除您的个人信息" in w.ask(member, "确认删除", room=None)
    with w.system.session() as s:
        left = s.exec(select(Wish).where(Wish.submitter_wechat_id == member)).all()
        erased = [s.get(Wish, x.id) for x in mine]
    assert left == [] and all(x is not None and x.submitter_name is None for x in erased)


def test_api_down_then_back_logs_every_wish_once(world: World) -> None:
    w, member = world, world.members[2]  # type: ignore[attr-defined]
    w.system.stop_api()
    texts = [f"希望组织第{i}次亲子阅读活动" for i in range(3)]
    ids = []
    for text in texts:
        after = w.gw.last_seq()
        ids.append(w.say(member, text))
        assert "编号稍后告诉您" in w.reply_to(member, after)["text"]
    after = w.gw.last_seq()
    w.system.start_api()
    for _ in ids:
        assert "已收到您的心愿 #" in w.reply_to(member, after, timeout=20)["text"]
        after = w.gw.last_seq()
    logged = [x for x in w.system.wishes() if x.source_message_id in ids]
    assert sorted(x.source_message_id or "" for x in logged) == sorted(ids)
    assert [x.text for x in sorted(logged, key=lambda x: x.seq)] == texts  # in order


def test_bot_killed_mid_stream_loses_nothing_and_duplicates_nothing(world: World) -> None:
    w, member = world, world.members[3]  # type: ignore[attr-defined]
    texts = [f"希望组织第{i}次亲子阅读活动，孩子们很需要" for i in range(12)]
    after = w.gw.last_seq()
    ids = [w.say(member, text) for text in texts]
    w.reply_to(member, after, timeout=20)  # at least one handled …
    w.system.kill_bot(signal.SIGKILL)  # … then kill -9 mid-stream
    w.system.start_bot_ready()
    # A real puppet re-delivers recent messages after a restart: do the same.
    for message_id, text in zip(ids, texts, strict=True):
        w.say(member, text, message_id=message_id)
    # Wait until every message is in the ledger: the marker is handled after the spool drains.
    after = w.gw.last_seq()
    w.say(member, "我的心愿")
    w.gw.wait_for_sent(lambda m: "您的心愿：" in m["text"], after=after, timeout=20)
    logged = [x for x in w.system.wishes() if x.source_message_id in ids]
    assert sorted(x.source_message_id or "" for x in logged) == sorted(ids)
    spool = sqlite3.connect(w.system.workdir / "bot" / "spool.db")
    # Entries before the marker are gone (the marker itself may be finishing right now).
    assert spool.execute("SELECT count(*) FROM spool WHERE kind = 'wish'").fetchone()[0] == 0
    spool.close()


def test_health_file_and_bad_endpoint_exit(world: World) -> None:
    w = world
    health = json.loads((w.system.workdir / "bot" / "health.json").read_text())
    assert health["logged_in"] is True and health["connected"] is True
    assert health["last_event_at"] is not None
    # A second bot pointed at a closed port: reported, and the process exits non-zero.
    good, good_log = w.system.bot, w.system.bot_log
    proc = w.system.start_bot(
        WECHATY_PUPPET_SERVICE_ENDPOINT="127.0.0.1:9",
        WISHPOOL_BOT__LOGIN_TIMEOUT_SECONDS="3",
        WISHPOOL_BOT__DATA_DIR=str(w.system.workdir / "bot-bad"),
    )
    assert proc.wait(30) == 2
    assert w.system.bot_log is not None
    w.system.bot_log.wait_for("not logged in to the puppet service", 1)
    w.system.bot, w.system.bot_log = good, good_log
