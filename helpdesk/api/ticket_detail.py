"""One ticket with its conversation and history, in a fixed number of queries.

Whatever the number of messages, attachments or events: messages (1) with their
attachments (1), outgoing mail states (1), events (1) and their actors' names (1).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpdesk.api.serialize import event_json, message_json, ticket_json
from helpdesk.models import Message, OutboxMail, Ticket, TicketEvent, User


def outbox_statuses(
    session: Session, ticket_id: int, message_ids: Collection[int] | None = None
) -> dict[int, str]:
    """Message id -> the state of its outgoing mail (queued, sending, sent, failed)."""
    stmt = select(OutboxMail.message_pk, OutboxMail.status).where(
        OutboxMail.ticket_id == ticket_id, OutboxMail.message_pk.is_not(None)
    )
    if message_ids is not None:
        stmt = stmt.where(OutboxMail.message_pk.in_(message_ids))
    return {pk: status for pk, status in session.execute(stmt) if pk is not None}


def messages_json(
    session: Session, ticket_id: int, ids: Collection[int] | None = None
) -> list[dict[str, Any]]:
    """The ticket's messages (only `ids` if given) as JSON, oldest first: three queries."""
    stmt = select(Message).where(Message.ticket_id == ticket_id)
    if ids is not None:
        stmt = stmt.where(Message.id.in_(ids))
    messages = session.scalars(
        stmt.options(selectinload(Message.attachments)).order_by(Message.created_at, Message.id)
    )
    statuses = outbox_statuses(session, ticket_id, ids)
    return [message_json(m, statuses.get(m.id)) for m in messages]


def ticket_detail(session: Session, ticket: Ticket) -> dict[str, Any]:
    """The ticket's JSON with `messages` (oldest first), `events` and `last_message_id`
    (send it back as a reply's `seen_message_id`)."""
    messages = messages_json(session, ticket.id)
    events = list(
        session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.created_at, TicketEvent.id)
        )
    )
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(actor_ids))).all())
    return {
        **ticket_json(ticket),
        "last_message_id": max((m["id"] for m in messages), default=None),
        "messages": messages,
        "events": [event_json(e, names) for e in events],
    }
