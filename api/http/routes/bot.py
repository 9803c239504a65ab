"""Routes for the WeChat bot (bot-role token): groups, wishes, commands, outbox delivery.

Each request is ONE transaction: SessionDep's, committed after the route returns and rolled back
if it raises (a 点单 wish and its match, a command and its stored reply, commit together or not
at all). The outbox long-poll is the exception: it must not hold a transaction while it waits
(on SQLite every transaction takes the write lock, BEGIN IMMEDIATE), so each look at the outbox
is its own short transaction; authentication, too, opens and closes its own short session.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.chat.delivery import lease_for_bot
from api.chat.dispatch import take_command, take_triage, take_wish
from api.chat.group_states import group_states, groups_version
from api.chat.intake import group_seen as see_group
from api.chat.schemas import (
    BotCommandIn,
    BotOutboxItem,
    BotReply,
    BotWishIn,
    GroupsCheckIn,
    GroupsCheckOut,
    GroupSeenIn,
    GroupSeenOut,
)
from api.domain.dead_letters import public as dead_public
from api.domain.dead_letters import record_dead_letter
from api.domain.outbox import ack_message, fail_message
from api.http.deps import BotDep, ChatRulesDep, SessionDep, SettingsDep
from models.dead_letter import DeadLetterCreate, DeadLetterPublic
from models.enums import Role
from models.outbox import OutboxPublic

router = APIRouter(prefix="/bot", tags=["bot"])

# Long enough for the bot's retries, short enough that the wait never ties up a worker for long.
MAX_WAIT_SECONDS = 30.0
# Sent with every outbox answer: the bot refreshes its group cache only when this changes.
GROUPS_VERSION_HEADER = "X-Groups-Version"
# Other processes (scheduler, admin API workers) also write the outbox: look at it this often.
POLL_SECONDS = 0.5


class OutboxSignal:
    """Wakes outbox long-polls when this process queued a message (thread-safe notify)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def event(self) -> asyncio.Event:
        self._loop = asyncio.get_running_loop()
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def _fire(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None  # waiters hold the fired event; later ones get a fresh one

    def notify(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._fire)


def _signal(app: FastAPI) -> OutboxSignal:
    signal = getattr(app.state, "bot_outbox_signal", None)
    if signal is None:
        signal = app.state.bot_outbox_signal = OutboxSignal()
    return signal


@router.post(
    "/groups/seen",
    summary="机器人看到一个群：新群登记为未启用",
    response_model=GroupSeenOut,
)
def group_seen(body: GroupSeenIn, session: SessionDep, _: BotDep) -> GroupSeenOut:
    return see_group(session=session, room_id=body.room_id, topic=body.topic)


@router.post(
    "/groups/check",
    summary="机器人批量查询群状态（是否启用、谁是工作人员）；群版本变化时调用",
    response_model=GroupsCheckOut,
)
def groups_check(body: GroupsCheckIn, session: SessionDep, _: BotDep) -> GroupsCheckOut:
    version = groups_version(session)  # read first: the states below are at least this new
    return GroupsCheckOut(version=version, groups=group_states(session, body.room_ids))


class BotMe(BaseModel):
    name: str
    role: Role


@router.get("/me", summary="检查机器人令牌：返回令牌名称和角色", response_model=BotMe)
def me(principal: BotDep) -> BotMe:
    # The bot calls this at start to fail fast on a wrong token (no member data in the URL).
    return BotMe(name=principal.name, role=principal.role)


@router.post("/wishes", summary="登记群里的心愿（按消息 id 幂等）", response_model=BotReply)
def submit_wish(
    body: BotWishIn, request: Request, session: SessionDep, rules: ChatRulesDep, _: BotDep
) -> BotReply:
    reply = take_wish(session=session, wish_in=body, rules=rules)
    if reply.created or body.room_id is None:
        _signal(request.app).notify()  # the staff alert (or a private triage alert) was queued
    return reply


@router.post(
    "/triage",
    summary="拿不准的消息：私下转给负责的工作人员确认（按消息 id 幂等，群里不回复）",
    response_model=BotReply,
)
def submit_triage(
    body: BotWishIn, request: Request, session: SessionDep, rules: ChatRulesDep, _: BotDep
) -> BotReply:
    reply = take_triage(session=session, triage_in=body, rules=rules)
    if reply.created:
        _signal(request.app).notify()  # the staff alert was queued
    return reply


@router.post("/commands", summary="代成员或工作人员执行一条指令", response_model=BotReply)
def run_command(
    body: BotCommandIn, request: Request, session: SessionDep, rules: ChatRulesDep, _: BotDep
) -> BotReply:
    reply = take_command(session=session, command_in=body, rules=rules)
    if (body.command.name == "完成" or body.room_id is None) and reply.ok:
        _signal(request.app).notify()  # a 圆梦 announcement was queued
    return reply


@router.get(
    "/outbox",
    summary="领取待发消息（长轮询）",
    description=f"响应头 {GROUPS_VERSION_HEADER}：群版本；变化时机器人用 /bot/groups/check 刷新。",
    response_model=list[BotOutboxItem],
)
async def lease_outbox(
    request: Request,
    response: Response,
    settings: SettingsDep,
    _: BotDep,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    urgent_only: bool = False,
) -> list[BotOutboxItem]:
    engine = request.app.state.engine
    signal = _signal(request.app)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait

    def lease() -> list[BotOutboxItem]:
        with Session(engine, expire_on_commit=False) as session:
            items = lease_for_bot(
                session=session,
                limit=limit,
                lease_seconds=settings.outbox_lease_seconds,
                urgent_only=urgent_only,
            )
            session.commit()  # this look's one transaction: the leases are taken
            return items

    def version() -> str:
        with Session(engine) as session:
            return groups_version(session)

    while True:
        event = signal.event()  # taken before looking, so a notify in between is not missed
        items = await run_in_threadpool(lease)
        remaining = deadline - loop.time()
        if items or remaining <= 0 or await request.is_disconnected():
            # Read at the end, so the bot hears of a change made while it waited.
            response.headers[GROUPS_VERSION_HEADER] = await run_in_threadpool(version)
            return items
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=min(POLL_SECONDS, remaining))


class AckIn(BaseModel):
    sent_message_id: str | None = Field(default=None, max_length=100)


class FailIn(BaseModel):
    error: str = Field(default="", max_length=500)


@router.post("/outbox/{outbox_id}/ack", summary="确认已发送", response_model=OutboxPublic)
def ack(outbox_id: int, body: AckIn, session: SessionDep, _: BotDep) -> OutboxPublic:
    message = ack_message(
        session=session, message_id=outbox_id, sent_message_id=body.sent_message_id
    )
    return OutboxPublic.model_validate(message)


@router.post("/outbox/{outbox_id}/fail", summary="报告发送失败", response_model=OutboxPublic)
def fail(outbox_id: int, body: FailIn, session: SessionDep, _: BotDep) -> OutboxPublic:
    message = fail_message(session=session, message_id=outbox_id, error=body.error)
    return OutboxPublic.model_validate(message)


def notify_outbox(app: FastAPI) -> None:
    """Wakes the bot's outbox long-poll: this process just queued a message."""
    _signal(app).notify()


@router.post(
    "/dead-letters",
    summary="机器人报告一条多次处理失败的消息（按消息 id 幂等）",
    response_model=DeadLetterPublic,
)
def report_dead_letter(body: DeadLetterCreate, session: SessionDep, _: BotDep) -> DeadLetterPublic:
    return dead_public(record_dead_letter(session=session, letter_in=body))
