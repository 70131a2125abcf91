"""What happened over a date range: tickets created and solved per day, response and
resolution times (median and 90th percentile) by category and by agent, reopen rate.

Days are the store's calendar days (its time zone); both ends of the range count.
Agents are the tickets' assignees.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import Ticket, TicketEvent, User
from helpdesk.reports.stats import median, percentile


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


def _bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    low = datetime.combine(start, time.min, tz).astimezone(UTC)
    high = datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC)
    return low, high


def _timings(samples: dict[str, list[float]]) -> dict[str, Timing]:
    return {key: Timing(len(v), median(v), percentile(v, 90)) for key, v in sorted(samples.items())}


def activity(session: Session, start: date, end: date, timezone: str) -> Activity:
    tz = ZoneInfo(timezone)
    low, high = _bounds(start, end, tz)
    result = Activity(start=start, end=end)
    result.days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    index = {d: i for i, d in enumerate(result.days)}
    result.created = [0] * len(result.days)
    result.solved = [0] * len(result.days)

    frt: dict[str, dict[str, list[float]]] = {
        "category": defaultdict(list),
        "agent": defaultdict(list),
    }
    for created_at, first, category, agent in session.execute(
        select(
            Ticket.created_at,
            Ticket.first_response_at,
            Ticket.category,
            func.coalesce(User.name, "Unassigned"),
        )
        .outerjoin(User, User.id == Ticket.assignee_id)
        .where(Ticket.created_at >= low, Ticket.created_at < high)
    ):
        result.created[index[created_at.astimezone(tz).date()]] += 1
        if first is not None:
            seconds = (first - created_at).total_seconds()
            frt["category"][category].append(seconds)
            frt["agent"][agent].append(seconds)
    result.first_response = {k: _timings(v) for k, v in frt.items()}

    res: dict[str, dict[str, list[float]]] = {
        "category": defaultdict(list),
        "agent": defaultdict(list),
    }
    for created_at, resolved, category, agent in session.execute(
        select(
            Ticket.created_at,
            Ticket.resolved_at,
            Ticket.category,
            func.coalesce(User.name, "Unassigned"),
        )
        .outerjoin(User, User.id == Ticket.assignee_id)
        .where(Ticket.resolved_at >= low, Ticket.resolved_at < high)
    ):
        seconds = (resolved - created_at).total_seconds()
        res["category"][category].append(seconds)
        res["agent"][agent].append(seconds)
    result.resolution = {k: _timings(v) for k, v in res.items()}

    for at, old, new in session.execute(
        select(TicketEvent.created_at, TicketEvent.old_value, TicketEvent.new_value).where(
            TicketEvent.kind == "status",
            TicketEvent.created_at >= low,
            TicketEvent.created_at < high,
        )
    ):
        if new == "solved":
            result.solved[index[at.astimezone(tz).date()]] += 1
            result.solved_total += 1
        elif old in ("solved", "closed") and new in ("open", "new", "pending"):
            result.reopened += 1
    return result
