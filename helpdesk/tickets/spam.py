"""Spam: a ticket marked as spam leaves every queue view but "Spam" and the reports.

Spam is a status (`Status.SPAM`), entered and left only here, through change_status (the
history shows "Open -> Spam") and with an audit event. "Not spam" restores the status
the ticket had, read from the event that marked it. A customer's mail on a spam ticket is
added to it but does not reopen it (spam is not a reopenable status). None of these
commit; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit import record_audit
from helpdesk.blocklist import BlocklistError, add_block, domain_of
from helpdesk.models import EventKind, Status, Ticket, TicketEvent
from helpdesk.tickets.services import BULK_LIMIT, TicketError, change_status

MARKED = "marked as spam"
RESTORED = "not spam"


# What "mark as spam" may block besides: the customer's address or its whole domain.
BLOCKS = ("sender", "domain")


def block_value(ticket: Ticket, block: str) -> str:
    """The blocklist entry `block` ("sender" or "domain") means for this ticket."""
    if block not in BLOCKS:
        raise TicketError("block must be sender, domain or nothing", "block")
    email = ticket.customer.email
    return email if block == "sender" else domain_of(email)


def mark_spam(
    session: Session, ticket: Ticket, actor_id: int | None, block: str | None = None
) -> bool:
    """Mark the ticket as spam, and with `block` ("sender", "domain") put its customer's
    address or domain on the blocklist (even when the ticket was spam already); False if
    nothing changed."""
    blocked = False
    if block is not None:
        value = block_value(ticket, block)
        try:
            _entry, blocked = add_block(session, value, actor_id, f"spam on #{ticket.number}")
        except BlocklistError as exc:
            raise TicketError(f"{value} cannot be blocked: {exc}", "block") from None
    old = ticket.status
    detail = MARKED if block is None else f"{MARKED}; {block_value(ticket, block)} blocked"
    if not change_status(session, ticket, Status.SPAM, actor_id=actor_id, detail=detail, spam=True):
        return blocked
    record_audit(session, actor_id, "ticket.spam", "ticket", ticket.number, status=old, block=block)
    return True


def status_before_spam(session: Session, ticket: Ticket) -> str:
    """The status the ticket had when it was last marked as spam (open if not recorded)."""
    old = session.scalar(
        select(TicketEvent.old_value)
        .where(
            TicketEvent.ticket_id == ticket.id,
            TicketEvent.kind == EventKind.STATUS,
            TicketEvent.new_value == Status.SPAM,
        )
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    return old if old and old != Status.SPAM else Status.OPEN


def unmark_spam(session: Session, ticket: Ticket, actor_id: int | None) -> bool:
    """Not spam: the ticket gets back the status it had; False if it was not spam."""
    if ticket.status != Status.SPAM:
        return False
    status = status_before_spam(session, ticket)
    change_status(session, ticket, status, actor_id=actor_id, detail=RESTORED, spam=True)
    record_audit(session, actor_id, "ticket.not_spam", "ticket", ticket.number, status=status)
    return True


def bulk_spam(session: Session, ticket_ids: Sequence[int], spam: bool, actor_id: int | None) -> int:
    """Mark many tickets as spam (or not spam); how many changed."""
    if len(ticket_ids) > BULK_LIMIT:
        raise TicketError(f"at most {BULK_LIMIT} tickets at once")
    tickets = session.scalars(
        select(Ticket).where(Ticket.id.in_(set(ticket_ids))).order_by(Ticket.id)
    ).all()
    change = mark_spam if spam else unmark_spam
    changed = sum(change(session, ticket, actor_id) for ticket in tickets)
    session.flush()
    return changed
