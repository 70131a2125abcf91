"""Snooze: a ticket waits on the customer until a "back on" time, then reopens by itself.

A customer's reply wakes it earlier (mail_ingest.route reopens it through change_status,
which ends any snooze). The outbox sender's loop calls `wake_due` (helpdesk outbox send),
as does `helpdesk snooze wake`. None of these commit; the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import EventKind, Status, Ticket
from helpdesk.models.vocabulary import RESOLVED
from helpdesk.tickets.services import TicketError, change_status, record_event

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


def snooze(
    session: Session, ticket: Ticket, until: datetime, actor_id: int | None, now: datetime
) -> None:
    """Set the ticket waiting on the customer (pending) until `until` (tz-aware).

    A time not in the future, more than a year ahead, or a solved ticket raises TicketError."""
    if until.tzinfo is None:
        raise TicketError("the snooze time needs a time zone", "snoozed_until")
    if until <= now:
        raise TicketError("choose a time in the future to snooze until", "snoozed_until")
    if until - now > MAX_SNOOZE:
        raise TicketError("a ticket can be snoozed for at most a year", "snoozed_until")
    if ticket.status in RESOLVED:
        raise TicketError("a solved or closed ticket cannot be snoozed", "snoozed_until")
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
