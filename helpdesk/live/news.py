"""What others did on a ticket since its page was loaded, in words for the page's banner:
the customer wrote, someone else replied or wrote a note, changed the status or the
assignee. One's own actions and automatic mail are not news."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import labels
from helpdesk.models import Direction, EventKind, Message, Ticket, TicketEvent, User

NEWS_KINDS = (EventKind.STATUS, EventKind.ASSIGNEE)


@dataclass(frozen=True)
class News:
    message_id: int  # the newest message and event now (the next poll asks after these)
    event_id: int
    lines: list[str]  # may be empty: only one's own actions happened


def _message_line(direction: str, automatic: bool, author: str | None) -> str | None:
    if direction == Direction.INBOUND:
        return None if automatic else "The customer wrote."
    if direction == Direction.FWD_REPLY:
        return None if automatic else "Someone the ticket was forwarded to answered."
    if author is None:  # mail the helpdesk sent by itself
        return None
    if direction == Direction.NOTE:
        return f"{author} added an internal note."
    if direction == Direction.FORWARD:
        return f"{author} forwarded the ticket."
    return f"{author} replied."


def _event_line(kind: str, actor: str | None, new: str | None, names: dict[int, str]) -> str:
    who = actor or "The helpdesk"
    if kind == EventKind.STATUS:
        return f"{who} set the status to {labels.label(new, 'status')}."
    if new is None or not new.isdigit():
        return f"{who} unassigned the ticket."
    return f"{who} assigned the ticket to {names.get(int(new), 'someone')}."


def ticket_news(
    session: Session, ticket: Ticket, message_id: int, event_id: int, user_id: int
) -> News | None:
    """The news after message `message_id` and event `event_id`; None when nothing at all
    happened (two queries by ticket; a third names a new assignee)."""
    messages = session.execute(
        select(Message.id, Message.direction, Message.automatic, Message.author_id, User.name)
        .outerjoin(User, User.id == Message.author_id)
        .where(Message.ticket_id == ticket.id, Message.id > message_id)
        .order_by(Message.id)
    ).all()
    events = session.execute(
        select(
            TicketEvent.id, TicketEvent.kind, TicketEvent.actor_id, TicketEvent.new_value, User.name
        )
        .outerjoin(User, User.id == TicketEvent.actor_id)
        .where(
            TicketEvent.ticket_id == ticket.id,
            TicketEvent.id > event_id,
            TicketEvent.kind.in_(NEWS_KINDS),
        )
        .order_by(TicketEvent.id)
    ).all()
    if not messages and not events:
        return None
    lines: list[str] = []
    for m in messages:
        line = None if m.author_id == user_id else _message_line(m.direction, m.automatic, m.name)
        if line and line not in lines:
            lines.append(line)
    others = [e for e in events if e.actor_id != user_id]
    assigned = {
        int(e.new_value)
        for e in others
        if e.kind == EventKind.ASSIGNEE and e.new_value and e.new_value.isdigit()
    }
    names: dict[int, str] = {}
    if assigned:
        named = session.execute(select(User.id, User.name).where(User.id.in_(assigned)))
        names = {row.id: row.name for row in named}
    for e in others:
        line = _event_line(e.kind, e.name, e.new_value, names)
        if line not in lines:
            lines.append(line)
    return News(
        message_id=messages[-1].id if messages else message_id,
        event_id=events[-1].id if events else event_id,
        lines=lines,
    )
