"""What changed in a queue view since a moment: one query on `ticket.changed_at`.

A writer stamps `changed_at` with its own clock when it flushes and commits later, so a
change can become visible with a stamp a little older than the moment a poll ran. Each
poll therefore reads the changes of a window reaching OVERLAP before its `since` moment
and compares them with a digest of the changes it already answered for: the same set is
"nothing changed" (the view answers 204); anything else is answered with the page.
OVERLAP also covers clock differences between the hosts that write.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from helpdesk.models import Ticket
from helpdesk.params import EARLIEST_DAY, LATEST_DAY
from helpdesk.tickets.queue import QueueParams, filter_conditions

OVERLAP = timedelta(seconds=60)
# More relevant changes than this in one window: the page says to reload instead.
MAX_CHANGES = 500
MAX_SHOWN = 200  # ids of rows the page shows, sent back by the page (at most 100 a page)


@dataclass(frozen=True)
class Change:
    id: int
    changed_at: datetime


@dataclass(frozen=True)
class Since:
    """The moment of the last answer and the digest of the changes it answered for."""

    at: datetime
    digest: str = ""

    def encode(self) -> str:
        raw = json.dumps({"t": self.at.isoformat(), "d": self.digest})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Since:
        """Parse a token from `encode`; ValueError if it is not one."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            at, digest = datetime.fromisoformat(data["t"]), data["d"]
        except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError):
            raise ValueError("not a live queue position") from None
        if at.tzinfo is None or not EARLIEST_DAY <= at.date() <= LATEST_DAY:
            raise ValueError("not a live queue position")
        if not isinstance(digest, str) or len(digest) > 64:
            raise ValueError("not a live queue position")
        return cls(at, digest)


def digest(changes: Sequence[Change]) -> str:
    """A short digest of a set of changes; empty for none."""
    if not changes:
        return ""
    text = ",".join(f"{c.id}:{c.changed_at.isoformat()}" for c in sorted(changes, key=_key))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _key(change: Change) -> tuple[int, datetime]:
    return change.id, change.changed_at


def changes_query(
    dialect: str,
    params: QueueParams,
    user_id: int,
    since: datetime,
    shown: Sequence[int],
    now: datetime,
) -> Select[int, datetime | None]:
    """The tickets changed after `since` - OVERLAP that the view holds now, or that the page
    shows (they may have left the view); at most MAX_CHANGES + 1. Read through
    ix_ticket_changed_at; on PostgreSQL a search tests each changed ticket's document."""
    in_view = and_(*filter_conditions(params, user_id, now, dialect, common=True))
    relevant = or_(in_view, Ticket.id.in_(shown)) if shown else in_view
    return (
        select(Ticket.id, Ticket.changed_at)
        .where(Ticket.changed_at > since - OVERLAP, relevant)
        .order_by(Ticket.changed_at)
        .limit(MAX_CHANGES + 1)
    )


def relevant_changes(
    session: Session,
    params: QueueParams,
    user_id: int,
    since: datetime,
    shown: Sequence[int],
    now: datetime,
) -> list[Change]:
    """`changes_query`'s rows: one query."""
    dialect = session.get_bind().dialect.name
    stmt = changes_query(dialect, params, user_id, since, shown, now)
    return [Change(row.id, row.changed_at) for row in session.execute(stmt)]


def after(changes: Sequence[Change], moment: datetime) -> list[Change]:
    """The changes the window of a poll at `moment` will read again."""
    return [c for c in changes if c.changed_at > moment - OVERLAP]
