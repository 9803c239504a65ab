"""Texts the ledger queues for groups. They never carry members' personal data."""

from __future__ import annotations

from sqlmodel import Session, select

from api.domain.outbox import enqueue_message
from models import Fulfilment, Group, Match, Resource, Wish
from models.enums import Category, OutboxTarget
from models.outbox import OutboxCreate

SUMMARY_LIMIT = 60


def fulfilment_text(*, wish: Wish, fulfilment: Fulfilment, providers: list[str]) -> str:
    from nlp import mask  # masks phone and ID numbers staff may have typed into the summary

    parts = [f"🎉 圆梦啦！心愿 #{wish.seq}（{Category(wish.category).label}）已经实现。"]
    summary = mask(fulfilment.summary.strip())
    if summary:
        if len(summary) > SUMMARY_LIMIT:
            summary = summary[:SUMMARY_LIMIT] + "…"
        parts.append(f"服务内容：{summary}。")
    if fulfilment.beneficiaries:
        parts.append(f"受益 {fulfilment.beneficiaries} 人。")
    if providers:
        parts.append(f"感谢{'、'.join(providers)}的支持！")
    parts.append("有需要请随时在群里说出您的心愿。")
    return "".join(parts)


def queue_fulfilment_announcement(*, session: Session, wish: Wish, fulfilment: Fulfilment) -> None:
    """Queues the 圆梦 message for the source group (once per wish, whatever retries happen)."""
    if wish.group_id is None:
        return
    group = session.get(Group, wish.group_id)
    if group is None or not group.enabled:
        return
    providers = list(
        dict.fromkeys(
            session.exec(
                select(Resource.provider)
                .join(Match, Match.resource_id == Resource.id)  # type: ignore[arg-type]
                .where(Match.wish_id == wish.id)
            ).all()
        )
    )
    text = fulfilment_text(wish=wish, fulfilment=fulfilment, providers=providers)
    enqueue_message(
        session=session,
        message_in=OutboxCreate(
            target_kind=OutboxTarget.room,
            target_id=group.room_id,
            text=text,
            kind="announcement",
            dedupe_key=f"fulfilled:{wish.id}",
        ),
    )
