"""What follows a wish's arrival, whichever way she sent it (a group: api/chat/intake.py;
privately: api/chat/private.py): the resource a 点单 names, the steps after a new wish
(organisation, lead, staff alert, ordered resource, privacy notice) and the reply's fields."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.chat.alerts import alert_new_wish
from api.chat.schemas import BotReply
from api.domain.org_links import link_organisation, propose_organisation_name, record_lead
from api.domain.outbox import enqueue_message
from api.domain.resources import serves
from api.domain.wishes import Actor, link_ordered_resource
from models import Group, Office, Resource, Wish
from models.enums import Category, OutboxTarget
from models.membership import PrivacyNotice
from models.outbox import OutboxCreate
from models.wording import members as for_members

BOT = Actor(name="bot")  # the actor of what the bot logs


def ordered_resource(*, session: Session, resource_id: int, office: Office) -> Resource | None:
    """The resource a 点单 names, if she may order it: active and serving her office (the
    resource library rule); None otherwise."""
    resource = session.get(Resource, resource_id)
    if resource is None or not resource.active or not serves(resource, office.path):
        return None
    return resource


def ordered_wish(text: str, category: Category, resource: Resource) -> tuple[str, Category]:
    """A 点单's wish: the resource's first category, and the order named in the text."""
    if resource.categories:
        category = Category(resource.categories[0])
    return f"{text}（点单：资源{resource.id} {resource.name}）", category


def follow_new_wish(
    *,
    session: Session,
    wish: Wish,
    group: Group | None,
    original: str,
    resource: Resource | None,
    urgent_words: Sequence[str] = (),
    privacy_notice: str = "",
) -> None:
    """The steps after a new wish is logged, in its transaction."""
    # The organisation the wish names (or the member's earlier one) routes it to its liaison;
    # a wish to join or found a federation branch makes that organisation a lead.
    organisation = link_organisation(session=session, wish=wish)
    if organisation is not None and wish.category == Category.organization:
        record_lead(session=session, wish=wish, organisation=organisation)
    unknown = None if organisation is not None else propose_organisation_name(wish.text)
    # 有求即答: the staff responsible hear of it privately, with resources to match.
    alert_new_wish(
        session=session,
        wish=wish,
        group=group,
        original=original,
        urgent_words=urgent_words,
        unknown_organisation=unknown,
    )
    if resource is not None:
        link_ordered_resource(session=session, wish=wish, resource=resource, actor=BOT)
    # The first wish of hers the ledger keeps: she hears privately what is kept and how to
    # withdraw or erase it.
    send_privacy_notice(session=session, wechat_id=wish.submitter_wechat_id, text=privacy_notice)


def wish_reply(wish: Wish, reply: str, *, created: bool) -> BotReply:
    return BotReply(
        reply=reply,
        wish_id=wish.id,
        seq=wish.seq,
        number=wish.number,
        category=Category(wish.category),
        created=created,
    )


def send_privacy_notice(*, session: Session, wechat_id: str | None, text: str = "") -> bool:
    """Queues the privacy notice to her privately, the first time only. True if queued."""
    if not wechat_id or session.get(PrivacyNotice, wechat_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(PrivacyNotice(wechat_id=wechat_id))
    except IntegrityError:  # two of her wishes logged at once: the other request sends it
        return False
    enqueue_message(
        session=session,
        message_in=OutboxCreate(
            target_kind=OutboxTarget.contact,
            target_id=wechat_id,
            text=text.strip() or for_members.PRIVACY_NOTICE,
            urgent=True,  # it follows the answer to what she just said
            kind="privacy",
            dedupe_key=f"privacy:{wechat_id}",
        ),
    )
    return True
