"""Ticket operations: plain functions with explicit arguments, used by web and mail alike.

None of these commit; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk.database import insert_ignore
from helpdesk.models import (
    CATEGORIES,
    PRIORITIES,
    STATUSES,
    Counter,
    Customer,
    Direction,
    EventKind,
    Message,
    Status,
    Ticket,
    TicketEvent,
    User,
    utcnow,
)
from helpdesk.models.vocabulary import ALL_STATUSES, RESOLVED, TRANSITIONS
from helpdesk.tickets import search, stamp  # noqa: F401 (stamp: its flush listener)

if TYPE_CHECKING:
    from helpdesk.notifications import Notifier

FIRST_TICKET_NUMBER = 1001


class TicketError(ValueError):
    """A change that is not allowed (the message says why; `field` names the field)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class StatusTransitionError(TicketError):
    """A status change that the transition table does not allow."""


def refuse_merged(ticket: Ticket) -> None:
    """A merged ticket takes no change (TicketError naming where it went): its work is on
    the ticket it was merged into."""
    if ticket.merged_into_id is not None:
        into = ticket.merged_into
        where = f" into #{into.number}" if into is not None else ""
        raise TicketError(f"#{ticket.number} was merged{where}: work on that ticket")


def next_ticket_number(session: Session) -> int:
    return reserve_ticket_numbers(session, 1)[0]


def reserve_ticket_numbers(session: Session, count: int) -> range:
    """Take the next `count` numbers; the counter row's lock serialises concurrent writers
    on PostgreSQL until commit, and a rollback gives the numbers back.

    Runs its statements directly (no flush), so a batch of new objects stays pending.
    """
    take = (
        update(Counter)
        .where(Counter.name == "ticket")
        .values(value=Counter.value + count)
        .returning(Counter.value)
    )
    value = session.execute(take).scalar()
    if value is None:  # the first ticket ever: create the counter, whoever wins
        session.execute(
            insert_ignore(session, Counter).values(name="ticket", value=FIRST_TICKET_NUMBER - 1)
        )
        value = session.execute(take).scalar_one()
    return range(int(value) - count + 1, int(value) + 1)


def get_or_create_customer(
    session: Session, email: str, name: str = "", *, known: dict[str, Customer] | None = None
) -> Customer:
    """The customer with this address (created if new; a missing name is filled in).

    `known` (address -> customer, loaded by the caller) is asked instead of the database,
    and learns the customers created here."""
    email = email.strip().lower()
    if known is None:
        customer = session.scalar(select(Customer).where(Customer.email == email))
    else:
        customer = known.get(email)
    if customer is None:
        customer = Customer(email=email, name=name)
        session.add(customer)
        if known is not None:
            known[email] = customer
    elif name and not customer.name:
        customer.name = name
    return customer


def record_event(
    session: Session,
    ticket: Ticket,
    kind: str,
    *,
    actor_id: int | None = None,
    old: str | None = None,
    new: str | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket=ticket,
        actor_id=actor_id,
        kind=kind,
        old_value=old,
        new_value=new,
        detail=detail,
        created_at=at or utcnow(),
    )
    session.add(event)
    if actor_id is not None:  # a person acted on it: it is no longer "back from snooze"
        ticket.woke_at = None
    return event


def create_ticket(
    session: Session,
    *,
    customer: Customer,
    subject: str,
    category: str = "general",
    order_number: str | None = None,
    actor_id: int | None = None,
    reason: str | None = None,
    number: int | None = None,
    first_contact_at: datetime | None = None,
    notify: Notifier | None = None,
) -> Ticket:
    """A new ticket numbered `number`, or the next number when none is given.

    `first_contact_at` is when the customer wrote, if before now (a mail read late). With
    `notify`, the followers of its category (but the actor) get a notification."""
    if category not in CATEGORIES:
        raise TicketError(f"unknown category {category!r}")
    now = utcnow()
    ticket = Ticket(
        number=number if number is not None else next_ticket_number(session),
        subject=subject or "(no subject)",
        category=category,
        status=Status.NEW,
        priority="normal",
        customer=customer,
        order_number=order_number,
        created_at=now,
        updated_at=now,
        first_contact_at=first_contact_at or now,
    )
    session.add(ticket)
    search.mark(session, ticket)
    record_event(
        session, ticket, EventKind.CREATED, actor_id=actor_id, new=Status.NEW, detail=reason, at=now
    )
    if notify is not None:
        notify.new_ticket(session, ticket, actor_id)
    return ticket


def change_status(
    session: Session,
    ticket: Ticket,
    status: str,
    *,
    actor_id: int | None = None,
    detail: str | None = None,
    spam: bool = False,
) -> bool:
    """The one way a ticket's status changes; records an event. False if unchanged.

    A move the transition table (models/vocabulary.py) does not list raises
    StatusTransitionError, as does a move into or out of spam without `spam` (only
    helpdesk/tickets/spam.py passes it: marking spam is audited and can block the sender).
    Spam keeps `resolved_at`, so "not spam" gives a solved ticket back its solve time."""
    if status not in ALL_STATUSES:
        raise TicketError(f"unknown status {status!r}", "status")
    refuse_merged(ticket)
    old = ticket.status
    if old == status:
        return False
    if Status.SPAM in (old, status) and not spam:
        why = "it is spam: mark it as not spam first" if old == Status.SPAM else "mark it as spam"
        raise StatusTransitionError(f"the status cannot be changed here ({why})", "status")
    if status not in TRANSITIONS[old]:
        raise StatusTransitionError(f"a ticket cannot go from {old} to {status}", "status")
    now = utcnow()
    ticket.status = status
    ticket.updated_at = now
    ticket.snoozed_until = None  # a snooze lasts only while the ticket waits (pending)
    if status in RESOLVED:
        ticket.resolved_at = ticket.resolved_at or now
    elif status != Status.SPAM:
        ticket.resolved_at = None
    record_event(
        session,
        ticket,
        EventKind.STATUS,
        actor_id=actor_id,
        old=old,
        new=status,
        detail=detail,
        at=now,
    )
    return True


def change_field(
    session: Session,
    ticket: Ticket,
    field: str,
    value: str | int | None,
    *,
    actor_id: int | None = None,
    notify: Notifier | None = None,
) -> bool:
    """Change category, priority, assignee or order number, recording an event.

    With `notify`, a new assignee other than the actor gets a notification."""
    allowed = {"category": CATEGORIES, "priority": PRIORITIES}
    if field not in ("category", "priority", "assignee_id", "order_number"):
        raise TicketError(f"{field} cannot be changed here", field)
    if field in allowed and value not in allowed[field]:
        raise TicketError(f"unknown {field} {value!r}", field)
    refuse_merged(ticket)
    old = getattr(ticket, field)
    if old == value:
        return False
    setattr(ticket, field, value)
    ticket.updated_at = utcnow()
    record_event(
        session,
        ticket,
        field,
        actor_id=actor_id,
        old=None if old is None else str(old),
        new=None if value is None else str(value),
    )
    if notify is not None and field == "assignee_id":
        notify.assigned(session, ticket, ticket.assignee_id, actor_id)
    return True


_MESSAGE_DEFAULTS: dict[str, object] = {
    **dict.fromkeys(("message_id", "date", "html", "raw_sha256", "author_id")),
    **dict.fromkeys(
        ("in_reply_to", "references", "sender", "sender_name", "recipients", "subject", "text"), ""
    ),
    "automatic": False,
    "delivery_failure": False,
}


def add_message(
    session: Session,
    ticket: Ticket,
    *,
    at: datetime | None = None,
    notify: Notifier | None = None,
    **fields: object,
) -> Message:
    """Attach a message to the ticket and bump its update time (to `at`, default now).

    A person's mail makes the customer wait on us; our own non-automatic answer ends it.
    With `notify`, a person's inbound mail notifies the ticket's assignee.
    """
    refuse_merged(ticket)
    # Every message sets the same columns, so the ORM can insert many in one statement.
    message = Message(ticket=ticket, **{**_MESSAGE_DEFAULTS, **fields})
    session.add(message)
    search.mark(session, ticket)
    now = at or utcnow()
    ticket.updated_at = now
    if not fields.get("automatic"):
        if fields.get("direction") == Direction.INBOUND:
            ticket.waiting_since = ticket.waiting_since or now
            if notify is not None:
                notify.customer_wrote(session, ticket, message)
        elif fields.get("direction") == Direction.OUTBOUND:
            ticket.waiting_since = None
    return message


BULK_ACTIONS = ("assign", "unassign", "status", "category")
BULK_LIMIT = 500


def bulk_update(
    session: Session,
    ticket_ids: Sequence[int],
    action: str,
    value: str | None,
    actor_id: int | None,
    notify: Notifier | None = None,
) -> int:
    """Apply one action to many tickets (loaded in one query); how many changed.

    Actions: "assign" (value: a user id), "unassign", "status" and "category" (value: the
    new one). Every change goes through change_status/change_field, so each is recorded.
    Nothing changes when the action or value is invalid (TicketError).
    """
    if action not in BULK_ACTIONS:
        raise TicketError(f"unknown action {action!r}")
    if len(ticket_ids) > BULK_LIMIT:
        raise TicketError(f"at most {BULK_LIMIT} tickets at once")
    if action == "status" and value not in STATUSES:
        raise TicketError(f"unknown status {value!r}")
    if action == "category" and value not in CATEGORIES:
        raise TicketError(f"unknown category {value!r}")
    assignee_id: int | None = None
    if action == "assign":
        user = session.get(User, int(value)) if value and value.isdigit() else None
        if user is None or not user.active:
            raise TicketError("assign to an active user")
        assignee_id = user.id
    tickets = session.scalars(
        select(Ticket).where(Ticket.id.in_(set(ticket_ids))).order_by(Ticket.id)
    ).all()
    changed = 0
    for ticket in tickets:
        if action == "status":
            done = change_status(session, ticket, str(value), actor_id=actor_id)
        elif action == "category":
            done = change_field(session, ticket, "category", value, actor_id=actor_id)
        else:
            done = change_field(
                session, ticket, "assignee_id", assignee_id, actor_id=actor_id, notify=notify
            )
        changed += done
    session.flush()
    return changed


UPDATABLE = ("assignee_id", "priority", "category", "order_number", "status")


def update_ticket(
    session: Session,
    ticket: Ticket,
    changes: Mapping[str, str | int | None],
    actor_id: int | None,
    notify: Notifier | None = None,
) -> list[str]:
    """Apply the side panel's edits; return the fields that really changed.

    Fields equal to the current value are ignored. Every change goes through
    change_field/change_status (status last), so each is recorded as an event.
    An unknown field, an inactive assignee or a bad value raises TicketError.
    """
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise TicketError(f"{', '.join(sorted(unknown))} cannot be changed here", min(unknown))
    wanted = dict(changes)
    if "order_number" in wanted:
        number = str(wanted["order_number"] or "").strip()
        if len(number) > 40:
            raise TicketError("an order number has at most 40 characters", "order_number")
        wanted["order_number"] = number or None
    assignee_id = wanted.get("assignee_id")
    if assignee_id is not None and assignee_id != ticket.assignee_id:
        user = session.get(User, assignee_id)
        if user is None or not user.active:
            raise TicketError("assign to an active user", "assignee_id")
    changed = []
    for field in UPDATABLE:
        if field not in wanted or wanted[field] == getattr(ticket, field):
            continue
        if field == "status":
            done = change_status(session, ticket, str(wanted[field]), actor_id=actor_id)
        else:
            done = change_field(
                session, ticket, field, wanted[field], actor_id=actor_id, notify=notify
            )
        if done:
            changed.append(field)
    session.flush()
    return changed
