"""What happened over a date range: tickets created and solved per day, response and
resolution times (median and 90th percentile) by category and by agent, reopen rate.

What each figure counts is written in helpdesk/reports/definitions.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from helpdesk.models import EventKind, Status, Ticket, TicketEvent, User
from helpdesk.models.vocabulary import OPEN, RESOLVED
from helpdesk.reports.sqltime import count_per_period, seconds_between
from helpdesk.reports.stats import median, percentile
from helpdesk.storedays import local_midnight


@dataclass
class Timing:
    count: int
    median: float | None
    p90: float | None


@dataclass
class Activity:
    start: date
    end: date
    days: list[date] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    solved: list[int] = field(default_factory=list)
    first_response: dict[str, dict[str, Timing]] = field(default_factory=dict)
    resolution: dict[str, dict[str, Timing]] = field(default_factory=dict)
    reopened: int = 0
    solved_total: int = 0

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.solved_total if self.solved_total else None

    def to_dict(self) -> dict[str, Any]:
        def timings(d: dict[str, dict[str, Timing]]) -> dict[str, Any]:
            return {k: {n: t.__dict__ for n, t in v.items()} for k, v in d.items()}

        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": [d.isoformat() for d in self.days],
            "created": self.created,
            "solved": self.solved,
            "first_response_seconds": timings(self.first_response),
            "resolution_seconds": timings(self.resolution),
            "reopened": self.reopened,
            "solved_total": self.solved_total,
            "reopen_rate": self.reopen_rate,
        }


def _timings(samples: dict[str, list[float]]) -> dict[str, Timing]:
    return {key: Timing(len(v), median(v), percentile(v, 90)) for key, v in sorted(samples.items())}


def _timings_by(rows: Any) -> dict[str, dict[str, Timing]]:
    """(seconds, category, agent) rows -> {"category": {...}, "agent": {...}}."""
    samples: dict[str, dict[str, list[float]]] = {
        "category": defaultdict(list),
        "agent": defaultdict(list),
    }
    for seconds, category, agent in rows:
        samples["category"][category].append(seconds)
        samples["agent"][agent].append(seconds)
    return {k: _timings(v) for k, v in samples.items()}


def not_spam() -> ColumnElement[bool]:
    """Every ticket but spam: no report counts a ticket marked as spam (tickets/spam.py)."""
    return Ticket.status != Status.SPAM


def of_tickets_not_spam() -> ColumnElement[bool]:
    """A ticket event whose ticket is not spam (the few spam tickets, from the status index)."""
    return TicketEvent.ticket_id.not_in(select(Ticket.id).where(Ticket.status == Status.SPAM))


def entered_resolved() -> ColumnElement[bool]:
    """A status event that solved a ticket: from new, open or pending to solved or closed
    (not one that moved along with a merged ticket's history: see `own_event`)."""
    return and_(
        TicketEvent.kind == EventKind.STATUS,
        TicketEvent.old_value.in_(OPEN),
        TicketEvent.new_value.in_(RESOLVED),
        own_event(),
    )


def own_event() -> ColumnElement[bool]:
    """An event of its ticket's own: one that happened on a ticket merged into it since is
    left out, so a merge counts the ticket it went into only."""
    return TicketEvent.merged_from_id.is_(None)


def not_merged() -> ColumnElement[bool]:
    """A ticket that was not merged into another (that one is counted instead)."""
    return Ticket.merged_into_id.is_(None)


def _first_responses(
    session: Session, low: datetime, high: datetime
) -> dict[str, dict[str, Timing]]:
    """Tickets created in [low, high) with a first reply: creation to that reply, by its author
    (first_responder_id, set with first_response_at when the first reply is sent)."""
    return _timings_by(
        session.execute(
            select(
                seconds_between(Ticket.created_at, Ticket.first_response_at),
                Ticket.category,
                func.coalesce(User.name, "Not recorded"),
            )
            .outerjoin(User, User.id == Ticket.first_responder_id)
            .where(
                Ticket.created_at >= low,
                Ticket.created_at < high,
                Ticket.first_response_at.is_not(None),
                not_merged(),
                not_spam(),
            )
        )
    )


def _resolutions(session: Session, low: datetime, high: datetime) -> dict[str, dict[str, Timing]]:
    """Each solve in [low, high): creation to the solve, by category and by assignee."""
    return _timings_by(
        session.execute(
            select(
                seconds_between(Ticket.created_at, TicketEvent.created_at),
                Ticket.category,
                func.coalesce(User.name, "Unassigned"),
            )
            .select_from(TicketEvent)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .outerjoin(User, User.id == Ticket.assignee_id)
            .where(
                entered_resolved(),
                not_spam(),
                TicketEvent.created_at >= low,
                TicketEvent.created_at < high,
            )
        )
    )


def activity(session: Session, start: date, end: date, timezone: str) -> Activity:
    """Counts per day come from grouped queries; only durations come back per ticket."""
    result = Activity(start=start, end=end)
    result.days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    bounds = [
        local_midnight(d, timezone).astimezone(UTC) for d in [*result.days, end + timedelta(days=1)]
    ]
    low, high = bounds[0], bounds[-1]
    created = and_(not_merged(), not_spam())
    result.created = count_per_period(session, Ticket, Ticket.created_at, created, bounds)
    solves = and_(entered_resolved(), of_tickets_not_spam())
    result.solved = count_per_period(session, TicketEvent, TicketEvent.created_at, solves, bounds)
    result.solved_total = sum(result.solved)
    result.reopened = (
        session.scalar(
            select(func.count()).where(
                TicketEvent.kind == EventKind.STATUS,
                TicketEvent.old_value.in_(RESOLVED),
                TicketEvent.new_value.in_(OPEN),
                own_event(),
                TicketEvent.created_at >= low,
                TicketEvent.created_at < high,
                of_tickets_not_spam(),
            )
        )
        or 0
    )
    result.first_response = _first_responses(session, low, high)
    result.resolution = _resolutions(session, low, high)
    return result
