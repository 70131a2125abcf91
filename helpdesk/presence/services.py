"""Presence: one row per open ticket page, kept in the database so every web process sees
every page. The page beats every `interval` seconds while it is visible; a row not
refreshed for STALE_BEATS intervals counts as gone and is deleted by the next heartbeat.

Functions take explicit arguments and never commit; the caller owns the transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from helpdesk.database import upsert
from helpdesk.models import TicketPresence, User

STALE_BEATS = 3  # missed heartbeats before a page counts as closed
TYPING_BEATS = 2  # a "typing" mark lasts this many heartbeats unless the next one clears it
PAGE_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


class PresenceError(ValueError):
    """A heartbeat that cannot be recorded (the message says why)."""


@dataclass(frozen=True)
class Present:
    """Someone else on the ticket page, by their display name."""

    name: str
    typing: bool


def check_page_key(page_key: str) -> str:
    if not PAGE_KEY.fullmatch(page_key):
        raise PresenceError("page must be 8 to 64 letters, digits, '-' or '_'")
    return page_key


def heartbeat(
    session: Session,
    *,
    ticket_id: int,
    user_id: int,
    page_key: str,
    typing: bool,
    now: datetime,
    interval: int,
) -> list[Present]:
    """Record that this page is open (and whether its user is typing a reply), forget the
    pages gone quiet, and return the other people on the ticket."""
    check_page_key(page_key)
    purge_stale(session, now=now, interval=interval)
    typing_until = now + timedelta(seconds=interval * TYPING_BEATS) if typing else None
    values = {"seen_at": now, "typing_until": typing_until}
    keys = {"ticket_id": ticket_id, "user_id": user_id, "page_key": page_key}
    session.execute(upsert(session, TicketPresence, keys | values, list(keys), values))
    return others_present(session, ticket_id=ticket_id, user_id=user_id, now=now, interval=interval)


def leave(session: Session, *, ticket_id: int, user_id: int, page_key: str) -> None:
    """The page was closed or left: forget it at once."""
    session.execute(
        delete(TicketPresence).where(
            TicketPresence.ticket_id == ticket_id,
            TicketPresence.user_id == user_id,
            TicketPresence.page_key == check_page_key(page_key),
        )
    )


def others_present(
    session: Session, *, ticket_id: int, user_id: int, now: datetime, interval: int
) -> list[Present]:
    """Everyone but `user_id` with a live page on the ticket, one entry per person (typing
    when any of their pages is), by name."""
    typing = func.max(TicketPresence.typing_until)
    rows = session.execute(
        select(User.name, typing)
        .join(User, User.id == TicketPresence.user_id)
        .where(
            TicketPresence.ticket_id == ticket_id,
            TicketPresence.user_id != user_id,
            TicketPresence.seen_at > _cutoff(now, interval),
        )
        .group_by(User.id, User.name)
        .order_by(User.name, User.id)
    )
    return [Present(name, until is not None and until > now) for name, until in rows]


def purge_stale(session: Session, *, now: datetime, interval: int) -> int:
    """Delete the pages gone quiet (through the seen_at index; the table holds only open
    pages, so this is cheap). Rows another transaction holds are left for the next one
    (PostgreSQL SKIP LOCKED), so two heartbeats never wait on each other here."""
    stale = (
        select(TicketPresence.id)
        .where(TicketPresence.seen_at <= _cutoff(now, interval))
        .with_for_update(skip_locked=True)
    )
    result = session.execute(delete(TicketPresence).where(TicketPresence.id.in_(stale)))
    return int(getattr(result, "rowcount", 0) or 0)


def _cutoff(now: datetime, interval: int) -> datetime:
    return now - timedelta(seconds=interval * STALE_BEATS)
