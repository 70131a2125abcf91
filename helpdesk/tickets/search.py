"""The queue's full-text document on PostgreSQL: one `ticket.search` tsvector per ticket.

It holds the words of the ticket's subject and of every message (subject and text), so a
search finds words said anywhere in a conversation with one GIN index (`ix_ticket_search`)
or, for a very common word, by reading the newest tickets in order and testing each one's
document (see `helpdesk.tickets.queue`). SQLite has the column but leaves it empty: its
search reads the messages with LIKE.

The document is rebuilt after each flush for the tickets that got a message or were
created (`services.create_ticket` and `services.add_message` call `mark`): one UPDATE per
flush, whatever the number of tickets, so an ingest batch costs one statement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from helpdesk.models import Ticket

# At most this many characters of a conversation are indexed: 1 MB of lexemes (PostgreSQL's
# limit for one tsvector) even for 4-byte characters. Typical tickets have 1-5,000.
MAX_CHARS = 250_000

# The document of the ticket row in scope, as migration 0015 backfills it. Positions are
# stripped: the queue's search is a set of words (plainto_tsquery), never a phrase.
DOCUMENT = (
    "strip(to_tsvector('simple', left(ticket.subject || ' ' || coalesce(("
    "SELECT string_agg(message.subject || ' ' || message.text, ' ' ORDER BY message.id) "
    f"FROM message WHERE message.ticket_id = ticket.id), ''), {MAX_CHARS})))"
)
REFRESH = text(f"UPDATE ticket SET search = {DOCUMENT} WHERE ticket.id = ANY(:ids)")

_PENDING = "helpdesk.search.pending"


def mark(session: Session, ticket: Ticket) -> None:
    """Rebuild `ticket`'s document after the next flush (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.info.setdefault(_PENDING, set()).add(ticket)


@event.listens_for(Session, "after_flush")
def _refresh(session: Session, _context: Any) -> None:
    pending: set[Ticket] | None = session.info.get(_PENDING)
    if not pending:
        return
    ids = [t.id for t in pending if t.id is not None]
    pending.clear()
    if ids:
        session.connection().execute(REFRESH, {"ids": ids})


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)
