"""Everything the ticket page shows, loaded in a fixed number of queries.

Whatever the number of messages, attachments or events: messages (1) with their
attachments (1), the first bytes of the attachments' blobs (1), events (1), user names
and the active users (1), outgoing mail (1), the customer's other tickets (1) and the
next ticket in the queue (1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import LargeBinary, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, selectinload

from helpdesk import labels
from helpdesk.models import (
    Attachment,
    Blob,
    Direction,
    EventKind,
    Message,
    OutboxMail,
    Ticket,
    TicketEvent,
    User,
)
from helpdesk.models.vocabulary import ACTIONABLE
from helpdesk.tickets.files import SNIFF_BYTES, human_size, image_type
from helpdesk.tickets.quotes import split_quoted, split_signature
from helpdesk.tickets.sanitize import CACHE
from helpdesk.timefmt import storetime

OTHER_TICKETS_LIMIT = 20


@dataclass(frozen=True)
class AttachmentView:
    attachment: Attachment
    image_type: str | None  # the real image type by magic bytes, else None
    size: str


@dataclass
class MessageView:
    message: Message
    author: str | None
    attachments: list[AttachmentView]
    html: Markup | None = None  # sanitized, quotes folded
    text: str = ""  # the new part of a text-only body
    signature: str = ""  # the new part's signature
    quoted: str = ""  # its quoted tail
    blocked_images: int = 0
    badges: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EventView:
    event: TicketEvent
    actor: str  # a user's name, or "System"
    text: str  # what happened, in words


@dataclass
class TicketPage:
    ticket: Ticket
    messages: list[Message]
    conversation: list[MessageView]
    events: list[EventView]
    outbox: list[OutboxMail]
    other_tickets: list[Ticket]
    users: list[User]  # active users, for the assignee select
    next_number: int | None
    last_message_id: int | None
    remote_images: int
    blocked_images: int


def message_badges(message: Message) -> list[str]:
    """Text badges, so kinds are never told by colour alone."""
    badges: dict[str, str] = {
        Direction.INBOUND: "Customer mail",
        Direction.OUTBOUND: "Our reply",
        Direction.NOTE: "Internal note",
        Direction.FORWARD: "Forwarded (internal)",
        Direction.FWD_REPLY: "Answer to a forward (internal)",
    }
    found = [badges.get(message.direction, message.direction)]
    if message.automatic:
        found.append("Automatic")
    if message.delivery_failure:
        found.append("Delivery failure (bounce)")
    return found


# Event kinds whose values are keys of a vocabulary of helpdesk/labels.py.
_VALUE_KINDS: dict[str, str] = {
    EventKind.STATUS: "status",
    EventKind.CATEGORY: "category",
    EventKind.PRIORITY: "priority",
    EventKind.POLICY_CHECK: "decision",
}


def describe_event(event: TicketEvent, names: dict[int, str], timezone: str = "UTC") -> str:
    """One history line in words: "Status: New → Open", "Assignee: Ann → unassigned"."""
    what = labels.label(event.kind, "event_kind")
    old, new = event.old_value, event.new_value
    if event.kind == EventKind.SNOOZE:  # times in ISO 8601, shown in the store's zone
        if new is None:
            return "Snooze cancelled"
        return f"Snoozed until {storetime(datetime.fromisoformat(new), timezone)}"
    if event.kind == EventKind.ASSIGNEE:
        old = names.get(int(old), f"user {old}") if old and old.isdigit() else "unassigned"
        new = names.get(int(new), f"user {new}") if new and new.isdigit() else "unassigned"
    elif event.kind == EventKind.ORDER_NUMBER:
        old, new = old or "none", new or "none"
    elif event.kind in _VALUE_KINDS:
        kind = _VALUE_KINDS[event.kind]
        old = None if old is None else labels.label(old, kind)
        new = None if new is None else labels.label(new, kind)
    if event.kind == EventKind.MERGE:
        return f"#{old} merged into #{new}"
    if event.kind == EventKind.SPLIT:
        return f"{event.detail or 'Messages'} of #{old} split into the new ticket #{new}"
    if event.kind == EventKind.NOT_ACKNOWLEDGED:
        return f"Not acknowledged: {event.detail or 'no reason recorded'}"
    if event.kind == EventKind.CREATED:
        text = what
    elif old is not None and new is not None:
        text = f"{what}: {old} → {new}"
    elif new is not None:
        text = f"{what}: {new}"
    else:
        text = what
    detail = _event_detail(event)
    return f"{text} ({detail})" if detail else text


def _event_detail(event: TicketEvent) -> str | None:
    """The detail in words: a reply's template by name, a retried mail's kind."""
    detail = event.detail
    if not detail:
        return None
    if event.kind == EventKind.REPLY and detail.startswith("template "):
        key = detail.removeprefix("template ")
        return f"template “{labels.label(key, 'template')}”"
    if event.kind == EventKind.MAIL_RETRY:
        return labels.label(detail, "outbox_kind")
    if event.kind == EventKind.AUTOMATIC:  # the rules' names, ", "-joined
        return "; ".join(labels.label(n, "automatic_rule") for n in detail.split(", "))
    return detail


def _assignee_ids(events: Sequence[TicketEvent]) -> set[int]:
    ids = set()
    for event in events:
        if event.kind == EventKind.ASSIGNEE:
            ids |= {int(v) for v in (event.old_value, event.new_value) if v and v.isdigit()}
    return ids


def _actor(event: TicketEvent, names: dict[int, str]) -> str:
    if event.actor_id is None:
        return "System"
    return names.get(event.actor_id, f"user {event.actor_id}")


def _next_ticket(session: Session, ticket: Ticket) -> int | None:
    """The ticket after this one in the queue's default view and order (open, oldest
    first), else the queue's first: one query.

    Each open status is read on its own through the (status, created_at) index, at most one
    row each after this ticket and one from the start (for the wrap-around), so at a million
    tickets it reads a few index entries instead of sorting every open ticket.
    """
    after = and_(
        Ticket.created_at >= ticket.created_at,  # the index's range; the rest breaks ties
        or_(Ticket.created_at > ticket.created_at, Ticket.id > ticket.id),
    )
    parts = []
    for wrap, where in ((0, after), (1, Ticket.id != ticket.id)):
        for status in ACTIONABLE:
            first = (
                select(Ticket.number, literal(wrap).label("wrap"), Ticket.created_at, Ticket.id)
                .where(Ticket.status == status, where)
                .order_by(Ticket.created_at, Ticket.id)
                .limit(1)
                .subquery()
            )
            parts.append(select(first))
    candidates = union_all(*parts).subquery()
    return session.scalar(
        select(candidates.c.number)
        .order_by(candidates.c.wrap, candidates.c.created_at, candidates.c.id)
        .limit(1)
    )


def _merged_numbers(session: Session, events: Sequence[TicketEvent]) -> dict[int, int]:
    """Ticket id -> number of the tickets merged into this one whose events these are (a
    query only when there are some)."""
    ids = {e.merged_from_id for e in events if e.merged_from_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ids)))
    return {id_: number for id_, number in rows}


def _on(text: str, event: TicketEvent, merged: dict[int, int]) -> str:
    """A merged ticket's event says which ticket it happened on."""
    if event.merged_from_id is None:
        return text
    return f"{text} (on #{merged.get(event.merged_from_id, '?')})"


def _sniff(session: Session, attachments: Sequence[Attachment]) -> dict[str, str | None]:
    """sha256 → real image type, reading only the first bytes of each blob."""
    head = func.substr(Blob.data, 1, SNIFF_BYTES, type_=LargeBinary)
    rows = session.execute(
        select(Blob.sha256, head).where(Blob.sha256.in_({a.sha256 for a in attachments}))
    )
    return {sha: image_type(bytes(data) if data is not None else None) for sha, data in rows}


def _render(
    message: Message,
    views: list[AttachmentView],
    inline_url: Callable[[int], str],
    load_remote: bool,
) -> tuple[Markup | None, tuple[str, str, str], int, int]:
    """(sanitized HTML, or the text as (new, signature, quoted); remote and blocked images)."""
    if message.html:
        inline = {
            v.attachment.content_id: inline_url(v.attachment.id)
            for v in views
            if v.attachment.content_id and v.image_type
        }
        clean = CACHE.clean(message.html, inline_images=inline, load_remote=load_remote)
        return Markup(clean.markup), ("", "", ""), clean.remote_images, clean.blocked_images
    new, quoted = split_quoted(message.text or "")
    new, signature = split_signature(new)
    return None, (new, signature, quoted), 0, 0


def load_ticket_page(
    session: Session,
    ticket: Ticket,
    *,
    load_remote: bool,
    inline_url: Callable[[int], str],
    timezone: str = "UTC",
) -> TicketPage:
    """Load and prepare the ticket page; `inline_url(attachment_id)` links inline images."""
    messages = list(
        session.scalars(
            select(Message)
            .where(Message.ticket_id == ticket.id)
            .options(selectinload(Message.attachments))
            .order_by(Message.created_at, Message.id)
        )
    )
    attachments = [a for m in messages for a in m.attachments]
    kinds = _sniff(session, attachments)
    events = list(
        session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.created_at, TicketEvent.id)
        )
    )
    named = {m.author_id for m in messages if m.author_id} | {
        e.actor_id for e in events if e.actor_id
    }
    named |= _assignee_ids(events)
    everyone = list(
        session.scalars(
            select(User).where(or_(User.active, User.id.in_(named))).order_by(User.name, User.id)
        )
    )
    names = {u.id: u.name for u in everyone}
    conversation = []
    remote = blocked = 0
    for message in messages:
        views = [
            AttachmentView(a, kinds.get(a.sha256), human_size(a.size)) for a in message.attachments
        ]
        html, (new, signature, quoted), found, hidden = _render(
            message, views, inline_url, load_remote
        )
        remote, blocked = remote + found, blocked + hidden
        conversation.append(
            MessageView(
                message=message,
                author=names.get(message.author_id) if message.author_id else None,
                attachments=views,
                html=html,
                text=new,
                signature=signature,
                quoted=quoted,
                blocked_images=hidden,
                badges=message_badges(message),
            )
        )
    outbox = list(
        session.scalars(
            select(OutboxMail).where(OutboxMail.ticket_id == ticket.id).order_by(OutboxMail.id)
        )
    )
    other_tickets = list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.customer_id == ticket.customer_id,
                Ticket.id != ticket.id,
                Ticket.merged_into_id.is_(None),
            )
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(OTHER_TICKETS_LIMIT)
        )
    )
    merged = _merged_numbers(session, events)
    return TicketPage(
        ticket=ticket,
        messages=messages,
        conversation=conversation,
        events=[
            EventView(e, _actor(e, names), _on(describe_event(e, names, timezone), e, merged))
            for e in events
        ],
        outbox=outbox,
        other_tickets=other_tickets,
        users=[u for u in everyone if u.active],
        next_number=_next_ticket(session, ticket),
        last_message_id=max((m.id for m in messages), default=None),
        remote_images=remote,
        blocked_images=blocked,
    )
