"""Merge a ticket into another, and split messages off into a new ticket.

Plain functions with explicit arguments: the ticket page, the queue's bulk merge and the
API call them; none commits. A merged ticket is closed without a status event (it was not
solved: the activity report must not count it) and points at the ticket it went into;
its messages (with their attachments and Message-IDs, so replies thread there), outgoing
and fetched mail, policy checks and history move along; its [#N] token is followed by the ingest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import false, func, select, update
from sqlalchemy.orm import Session

from helpdesk.audit import record_audit
from helpdesk.models import (
    Direction,
    EventKind,
    FetchedMail,
    Message,
    OutboxMail,
    PolicyCheck,
    Status,
    Ticket,
    TicketEvent,
    utcnow,
)
from helpdesk.models.vocabulary import ACTIONABLE
from helpdesk.tickets import search
from helpdesk.tickets.services import (
    BULK_LIMIT,
    TicketError,
    change_status,
    create_ticket,
    record_event,
    refuse_merged,
)

_TOKEN = re.compile(r"\s*\[#\d+\]\s*")
MAX_CHAIN = 100


def final_ticket(ticket: Ticket) -> Ticket:
    """The ticket a merged ticket's work lives on now (itself when not merged).

    Merging flattens chains, so this is one step; it follows up to MAX_CHAIN anyway."""
    for _ in range(MAX_CHAIN):
        if ticket.merged_into is None:
            break
        ticket = ticket.merged_into
    return ticket


def merge_ticket(
    session: Session,
    source: Ticket,
    target: Ticket,
    *,
    actor_id: int | None,
    other_customer: bool = False,
    now: datetime | None = None,
) -> Ticket:
    """Merge `source` into `target` (or the ticket `target` was merged into); that ticket.

    Refused (TicketError): a ticket merged already, into itself, and into another
    customer's ticket unless `other_customer` confirms it."""
    refuse_merged(source)
    target = final_ticket(target)
    if target.id == source.id:
        raise TicketError("a ticket cannot be merged into itself", "into")
    if target.customer_id != source.customer_id and not other_customer:
        raise TicketError(
            f"#{source.number} ({source.customer.email}) and #{target.number} "
            f"({target.customer.email}) are from different customers: confirm to merge them",
            "other_customer",
        )
    now = now or utcnow()
    session.flush()
    for model in (Message, OutboxMail, FetchedMail, PolicyCheck):
        session.execute(
            update(model).where(model.ticket_id == source.id).values(ticket_id=target.id)
        )
    session.execute(
        update(TicketEvent)
        .where(TicketEvent.ticket_id == source.id)
        .values(
            ticket_id=target.id,
            merged_from_id=func.coalesce(TicketEvent.merged_from_id, source.id),
        )
    )
    # Tickets merged into the source earlier now point at the target: chains never form.
    session.execute(
        update(Ticket).where(Ticket.merged_into_id == source.id).values(merged_into_id=target.id)
    )
    _take_first_response(target, source)
    waited = source.waiting_since is not None and source.status in ACTIONABLE
    source.status = Status.CLOSED
    source.resolved_at = source.resolved_at or now
    source.snoozed_until = source.woke_at = source.waiting_since = None
    source.merged_into, source.merged_into_id = target, target.id
    source.updated_at = target.updated_at = now
    numbers = {"old": str(source.number), "new": str(target.number)}
    record_event(session, source, EventKind.MERGE, actor_id=actor_id, at=now, **numbers)
    record_event(session, target, EventKind.MERGE, actor_id=actor_id, at=now, **numbers)
    if waited and target.status not in ACTIONABLE:
        detail = f"#{source.number} merged into it"
        change_status(session, target, Status.OPEN, actor_id=actor_id, detail=detail)
    session.flush()
    target.waiting_since = waiting_since(session, target)
    search.mark(session, target)
    search.mark(session, source)
    record_audit(
        session,
        actor_id,
        "ticket.merge",
        "ticket",
        source.number,
        into=target.number,
        other_customer=target.customer_id != source.customer_id,
    )
    session.flush()
    return target


def merge_many(
    session: Session,
    ticket_ids: Sequence[int],
    *,
    actor_id: int | None,
    now: datetime | None = None,
) -> tuple[Ticket, int]:
    """Merge the selected tickets (ids, the queue's selection) into the oldest of them:
    (that ticket, how many went into it). All must be one customer's."""
    if len(ticket_ids) > BULK_LIMIT:
        raise TicketError(f"at most {BULK_LIMIT} tickets at once")
    tickets = list(
        session.scalars(
            select(Ticket)
            .where(Ticket.id.in_(set(ticket_ids)))
            .order_by(Ticket.created_at, Ticket.id)
        )
    )
    if len(tickets) < 2:
        raise TicketError("select at least two tickets to merge")
    for ticket in tickets:
        refuse_merged(ticket)
    target, *sources = tickets
    if any(t.customer_id != target.customer_id for t in sources):
        raise TicketError(
            "the selected tickets are from different customers: merge them one by one from "
            "the ticket page, which asks to confirm that"
        )
    for source in sources:
        merge_ticket(session, source, target, actor_id=actor_id, now=now)
    return target, len(sources)


def _take_first_response(target: Ticket, source: Ticket) -> None:
    """An answer the source got after the target was created answers the target too."""
    answered = source.first_response_at
    if target.first_response_at is None and answered and answered >= target.created_at:
        target.first_response_at = answered
        target.first_responder_id = source.first_responder_id


def waiting_since(session: Session, ticket: Ticket) -> datetime | None:
    """When the customer's first mail after our last answer came (None: nothing waits),
    as `add_message` keeps it, read again from the messages (after a merge or a split)."""
    rows = session.execute(
        select(Message.direction, Message.created_at)
        .where(
            Message.ticket_id == ticket.id,
            Message.automatic == false(),
            Message.direction.in_((Direction.INBOUND, Direction.OUTBOUND)),
        )
        .order_by(Message.created_at, Message.id)
    ).all()
    since: datetime | None = None
    for direction, at in rows:
        if direction == Direction.OUTBOUND:
            since = None
        elif since is None:
            since = at
    return since


def split_ticket(
    session: Session,
    ticket: Ticket,
    message_id: int,
    *,
    following: bool,
    actor_id: int | None,
    now: datetime | None = None,
) -> Ticket:
    """Move one message (and, `following`, every one after it) into a new ticket of the
    same customer and category; the new ticket. At least one message must stay."""
    refuse_merged(ticket)
    messages = list(
        session.scalars(
            select(Message)
            .where(Message.ticket_id == ticket.id)
            .order_by(Message.created_at, Message.id)
        )
    )
    at = next((i for i, m in enumerate(messages) if m.id == message_id), None)
    if at is None:
        raise TicketError(f"there is no such message on #{ticket.number}", "message_id")
    moving = messages[at:] if following else [messages[at]]
    if len(moving) == len(messages):
        raise TicketError(
            f"at least one message must stay on #{ticket.number}: split off a later one",
            "message_id",
        )
    now = now or utcnow()
    first = moving[0]
    new = create_ticket(
        session,
        customer=ticket.customer,
        subject=_TOKEN.sub(" ", first.subject or ticket.subject).strip(),
        category=ticket.category,
        order_number=ticket.order_number,
        actor_id=actor_id,
        reason=f"split from #{ticket.number}",
        first_contact_at=min(first.created_at, now),
    )
    session.flush()
    ids = [m.id for m in moving]
    session.execute(update(Message).where(Message.id.in_(ids)).values(ticket_id=new.id))
    for model in (OutboxMail, FetchedMail):
        session.execute(update(model).where(model.message_pk.in_(ids)).values(ticket_id=new.id))
    numbers = {"old": str(ticket.number), "new": str(new.number)}
    count = f"{len(ids)} message{'' if len(ids) == 1 else 's'}"
    for each in (ticket, new):
        record_event(
            session, each, EventKind.SPLIT, actor_id=actor_id, at=now, detail=count, **numbers
        )
        each.updated_at = now
    session.flush()
    for each in (ticket, new):
        each.waiting_since = waiting_since(session, each)
        search.mark(session, each)
    record_audit(
        session,
        actor_id,
        "ticket.split",
        "ticket",
        ticket.number,
        into=new.number,
        messages=len(ids),
    )
    session.flush()
    return new
