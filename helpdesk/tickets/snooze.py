"""Snooze: a ticket waits on the customer until a "back on" time, then reopens by itself.

A customer's reply wakes it earlier (mail_ingest.route reopens it through change_status,
which ends any snooze). The outbox sender's loop calls `wake_due` (helpdesk outbox send),
as does `helpdesk snooze wake`. None of these commit; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import EventKind, Status, Ticket
from helpdesk.models.vocabulary import RESOLVED
from helpdesk.tickets.services import BULK_LIMIT, TicketError, change_status, record_event

if TYPE_CHECKING:
    from helpdesk.notifications import Notifier

MAX_SNOOZE = timedelta(days=366)
WOKE_DETAIL = "back from snooze"


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date and time with its UTC offset ("2026-12-24T09:00:00+01:00", "...Z")."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TicketError(
            "snoozed_until must be an ISO 8601 date and time, e.g. 2026-12-24T09:00:00+01:00",
            "snoozed_until",
        ) from None
    if value.tzinfo is None:
        raise TicketError("snoozed_until needs a UTC offset (+01:00 or Z)", "snoozed_until")
    return value


def check_until(until: datetime, now: datetime) -> None:
    """A time not in the future or more than a year ahead raises TicketError."""
    if until.tzinfo is None:
        raise TicketError("the snooze time needs a time zone", "snoozed_until")
    if until <= now:
        raise TicketError("choose a time in the future to snooze until", "snoozed_until")
    if until - now > MAX_SNOOZE:
        raise TicketError("a ticket can be snoozed for at most a year", "snoozed_until")


def snooze(
    session: Session, ticket: Ticket, until: datetime, actor_id: int | None, now: datetime
) -> None:
    """Set the ticket waiting on the customer (pending) until `until` (tz-aware).

    A time not in the future, more than a year ahead, or a solved ticket raises TicketError."""
    check_until(until, now)
    if ticket.status in RESOLVED:
        raise TicketError("a solved or closed ticket cannot be snoozed", "snoozed_until")
    if ticket.status == Status.SPAM:
        raise TicketError("a spam ticket cannot be snoozed", "snoozed_until")
    change_status(session, ticket, Status.PENDING, actor_id=actor_id, detail="snoozed")
    old = ticket.snoozed_until
    ticket.snoozed_until = until
    record_event(
        session,
        ticket,
        EventKind.SNOOZE,
        actor_id=actor_id,
        old=old.isoformat() if old else None,
        new=until.isoformat(),
        at=now,
    )
    session.flush()


def bulk_snooze(
    session: Session,
    ticket_ids: Sequence[int],
    until: datetime,
    actor_id: int | None,
    now: datetime,
) -> tuple[int, int]:
    """Snooze the tickets (loaded in one query) until `until`: (snoozed, left as they were).

    A bad time raises TicketError and changes nothing; solved or closed tickets are left."""
    check_until(until, now)
    if len(ticket_ids) > BULK_LIMIT:
        raise TicketError(f"at most {BULK_LIMIT} tickets at once")
    tickets = session.scalars(
        select(Ticket).where(Ticket.id.in_(set(ticket_ids))).order_by(Ticket.id)
    ).all()
    snoozed = 0
    for ticket in tickets:
        if ticket.status not in (*RESOLVED, Status.SPAM):  # spam too: tickets/spam.py
            snooze(session, ticket, until, actor_id, now)
            snoozed += 1
    return snoozed, len(tickets) - snoozed


def cancel_snooze(session: Session, ticket: Ticket, actor_id: int | None, now: datetime) -> bool:
    """End the snooze (the ticket stays pending); False if it was not snoozed."""
    old = ticket.snoozed_until
    if old is None:
        return False
    ticket.snoozed_until = None
    record_event(session, ticket, EventKind.SNOOZE, actor_id=actor_id, old=old.isoformat(), at=now)
    session.flush()
    return True


def wake_due(
    session: Session, now: datetime, limit: int = 500, notify: Notifier | None = None
) -> int:
    """Reopen the snoozed tickets whose time has come, marked "back from snooze"; how many.

    With `notify`, each one's assignee gets a notification (if they chose to)."""
    due = session.scalars(
        select(Ticket)
        .where(Ticket.snoozed_until <= now, Ticket.status == Status.PENDING)
        .order_by(Ticket.snoozed_until)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Ticket)  # several senders: each wakes it once
    ).all()
    for ticket in due:
        change_status(session, ticket, Status.OPEN, detail=WOKE_DETAIL)
        ticket.woke_at = now
        if notify is not None:
            notify.woke(session, ticket)
    session.flush()
    return len(due)
