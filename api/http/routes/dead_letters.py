"""Routes: messages the bot could not get handled (dead letters), for staff and admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.chat.replay import replay_dead_letter
from api.domain import dead_letters as svc
from api.domain.listing import page
from api.http.deps import ChatRulesDep, ListDep, SessionDep, StaffDep
from api.http.routes.bot import notify_outbox
from api.http.schemas import Page
from models.dead_letter import DeadLetterPublic

router = APIRouter(prefix="/dead-letters", tags=["处理不了的消息 dead letters"])


@router.get(
    "",
    response_model=Page[DeadLetterPublic],
    summary="处理不了的消息（多次失败后机器人交给工作人员的）",
)
def list_dead_letters(
    session: SessionDep, principal: StaffDep, params: ListDep, replayed: bool | None = None
) -> Any:
    items, total = svc.list_dead_letters(
        session=session, principal=principal, params=params, replayed=replayed
    )
    return page(items, total, params)


@router.post(
    "/{letter_id}/replay",
    response_model=DeadLetterPublic,
    summary="重新处理一条消息：回复由机器人发给成员",
)
def replay(
    letter_id: int,
    request: Request,
    session: SessionDep,
    rules: ChatRulesDep,
    principal: StaffDep,
) -> Any:
    letter = svc.get_dead_letter(session=session, principal=principal, letter_id=letter_id)
    letter = replay_dead_letter(session=session, letter=letter, rules=rules)
    notify_outbox(request.app)
    return svc.public(letter)
