"""`ticket.changed_at`: stamped on every flush that writes to a ticket, a message on it or an
event of it, whatever wrote it (web, API, mail ingest, the outbox, snooze wake-ups, bulk
actions), so the live queue can ask "what changed since" with one indexed query.

One listener instead of a line in every domain function: a write path added later is
covered without knowing about it. New tickets are stamped before their INSERT (no extra
UPDATE for an ingest batch); a persistent ticket gets its stamp in the same flush. Core
statements (`update(Ticket)...`) bypass it: they must set `changed_at` themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from helpdesk.models import Message, Ticket, TicketEvent, utcnow


def _touched(session: Session) -> tuple[set[Ticket], set[int]]:
    """The tickets this flush writes to, directly or through a message or an event: loaded
    ones, and the ids of those only named by a message's or event's `ticket_id`."""
    tickets: set[Ticket] = set()
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Ticket):
            if obj in session.new or session.is_modified(obj, include_collections=False):
                tickets.add(obj)
        elif isinstance(obj, (Message, TicketEvent)):
            ticket = obj.__dict__.get("ticket")  # never a lazy load inside a flush
            if ticket is not None:
                tickets.add(ticket)
            elif obj.ticket_id is not None:
                ids.add(obj.ticket_id)
    return tickets, ids


@event.listens_for(Session, "before_flush")
def _stamp(session: Session, _context: Any, _instances: Any) -> None:
    tickets, ids = _touched(session)
    now = utcnow()
    for ticket in tickets:
        ticket.changed_at = now
        if ticket.id is not None:
            ids.discard(ticket.id)
    if ids:
        stmt = update(Ticket).where(Ticket.id.in_(ids)).values(changed_at=now)
        session.connection().execute(stmt)
