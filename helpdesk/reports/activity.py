"""What happened over a date range: tickets created and solved per day, response and
resolution times (median and 90th percentile) by category and by agent, reopen rate.

Days are the store's calendar days (its time zone); both ends of the range count.
Agents are the tickets' assignees.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session
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


def _durations(
    session: Session, until: InstrumentedAttribute[Any], in_range: ColumnElement[bool]
) -> dict[str, dict[str, Timing]]:
    """Seconds from creation to `until`, by category and by agent (computed by the database)."""
    samples: dict[str, dict[str, list[float]]] = {
        "category": defaultdict(list),
        "agent": defaultdict(list),
    }
    for seconds, category, agent in session.execute(
        select(
            seconds_between(Ticket.created_at, until),
            Ticket.category,
            func.coalesce(User.name, "Unassigned"),
        )
        .outerjoin(User, User.id == Ticket.assignee_id)
        .where(in_range, until.is_not(None))
    ):
        samples["category"][category].append(seconds)
        samples["agent"][agent].append(seconds)
    return {k: _timings(v) for k, v in samples.items()}


def activity(session: Session, start: date, end: date, timezone: str) -> Activity:
    """Counts per day come from grouped queries; only durations come back per ticket."""
    result = Activity(start=start, end=end)
    result.days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    bounds = [
        local_midnight(d, timezone).astimezone(UTC) for d in [*result.days, end + timedelta(days=1)]
    ]
    low, high = bounds[0], bounds[-1]
    result.created = count_per_period(session, Ticket, Ticket.created_at, true(), bounds)
    status = TicketEvent.kind == EventKind.STATUS
    solved = and_(status, TicketEvent.new_value == Status.SOLVED)
    result.solved = count_per_period(session, TicketEvent, TicketEvent.created_at, solved, bounds)
    result.solved_total = sum(result.solved)
    result.reopened = (
        session.scalar(
            select(func.count()).where(
                status,
                TicketEvent.old_value.in_(RESOLVED),
                TicketEvent.new_value.in_(OPEN),
                TicketEvent.created_at >= low,
                TicketEvent.created_at < high,
            )
        )
        or 0
    )
    created = and_(Ticket.created_at >= low, Ticket.created_at < high)
    result.first_response = _durations(session, Ticket.first_response_at, created)
    resolved = and_(Ticket.resolved_at >= low, Ticket.resolved_at < high)
    result.resolution = _durations(session, Ticket.resolved_at, resolved)
    return result
