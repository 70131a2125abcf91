"""The JSON-lines export: the store's backup and migration format."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpdesk.models import FetchedMail, Message, Ticket
from helpdesk.timefmt import iso

PAGE = 500


def _message(m: Message) -> dict[str, Any]:
    return {
        "direction": m.direction,
        "message_id": m.message_id,
        "from": m.sender,
        "to": [a for a in m.recipients.split(",") if a],
        "subject": m.subject,
        "date": iso(m.date or m.created_at),
        "automatic": m.automatic,
        "text": m.text,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in m.attachments
        ],
    }


def export_tickets(session: Session) -> Iterator[dict[str, Any]]:
    """One dict per ticket, in number order, a page of tickets per query."""
    last = 0
    while True:
        tickets = (
            session.scalars(
                select(Ticket).where(Ticket.number > last).order_by(Ticket.number).limit(PAGE)
            )
            .unique()
            .all()
        )
        if not tickets:
            return
        by_ticket: dict[int, list[Message]] = defaultdict(list)
        for m in session.scalars(
            select(Message)
            .where(Message.ticket_id.in_([t.id for t in tickets]))
            .options(selectinload(Message.attachments))
            .order_by(Message.id)
        ):
            by_ticket[m.ticket_id].append(m)
        for t in tickets:
            yield {
                "number": t.number,
                "subject": t.subject,
                "category": t.category,
                "status": t.status,
                "customer": t.customer.email,
                "order_number": t.order_number,
                "created_at": iso(t.created_at),
                "first_contact_at": iso(t.first_contact_at),
                "messages": [_message(m) for m in by_ticket[t.id]],
            }
        last = tickets[-1].number
        session.expunge_all()


def export_inbound(session: Session) -> Iterator[dict[str, Any]]:
    """One dict per fetched mail, in the order they were recorded."""
    last = 0
    while True:
        rows = session.execute(
            select(FetchedMail, Ticket.number)
            .outerjoin(Ticket, Ticket.id == FetchedMail.ticket_id)
            .where(FetchedMail.id > last)
            .order_by(FetchedMail.id)
            .limit(PAGE)
        ).all()
        if not rows:
            return
        for record, number in rows:
            yield {
                "mailbox": record.mailbox,
                "uidvalidity": record.uidvalidity,
                "uid": record.uid,
                "message_id": record.message_id,
                "sha256": record.sha256,
                "outcome": record.outcome,
                "ticket": number,
                "reason": record.reason,
            }
        last = rows[-1][0].id
        session.expunge_all()
