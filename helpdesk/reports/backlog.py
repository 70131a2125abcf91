"""The backlog now: open tickets by category, status, age and assignee (grouped queries).

What each figure counts is written in helpdesk/reports/definitions.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from helpdesk.models import Customer, Ticket, User
from helpdesk.models.vocabulary import ACTIONABLE, OPEN

__all__ = ["AGE_BUCKETS", "AGE_LABELS", "Backlog", "backlog", "waiting_on_us"]
AGE_BUCKETS = ("under_1_day", "1_3_days", "3_7_days", "over_7_days")
AGE_LABELS = {
    "under_1_day": "Under 1 day",
    "1_3_days": "1-3 days",
    "3_7_days": "3-7 days",
    "over_7_days": "Over 7 days",
}


@dataclass
class Backlog:
    by_category_status: dict[str, dict[str, int]] = field(default_factory=dict)
    by_age: dict[str, int] = field(default_factory=dict)
    by_assignee: dict[str, int] = field(default_factory=dict)
    waiting_on_us: int = 0
    waiting_on_customer: int = 0
    answered_open: int = 0
    oldest_waiting: list[dict[str, Any]] = field(default_factory=list)

    @property
    def open_total(self) -> int:
        return self.waiting_on_us + self.waiting_on_customer + self.answered_open

    def to_dict(self) -> dict[str, Any]:
        """The API's shape (GET /api/v1/reports/backlog)."""
        return {
            "by_category_status": self.by_category_status,
            "by_age": self.by_age,
            "by_assignee": self.by_assignee,
            "waiting_on_us": self.waiting_on_us,
            "waiting_on_customer": self.waiting_on_customer,
            "answered_open": self.answered_open,
            "oldest_waiting": [
                {**row, "waiting_since": row["waiting_since"].isoformat()}
                for row in self.oldest_waiting
            ],
        }


def open_tickets() -> ColumnElement[bool]:
    """The open statuses as literal SQL, so the partial index ix_ticket_open_reports applies."""
    return Ticket.status.in_([literal_column(f"'{status}'") for status in OPEN])


def waiting_on_us() -> ColumnElement[bool]:
    """New or open, and the customer wrote last: the backlog's count and its "waiting
    longest" list both use this (index ix_ticket_status_waiting_since)."""
    return and_(
        Ticket.status.in_([literal_column(f"'{status}'") for status in ACTIONABLE]),
        Ticket.waiting_since.is_not(None),
    )


def _age_counts(now: datetime) -> list[ColumnElement[int]]:
    """A count per age bucket (AGE_BUCKETS order): aggregates, not a grouping key, so the
    database groups the few (category, status, assignee) combinations in a hash table."""
    day1, day3, day7 = (now - timedelta(days=d) for d in (1, 3, 7))
    created = Ticket.created_at
    return [
        func.count().filter(created > day1),
        func.count().filter(created <= day1, created > day3),
        func.count().filter(created <= day3, created > day7),
        func.count().filter(created <= day7),
    ]


def _counts(session: Session, now: datetime, result: Backlog) -> None:
    """Every breakdown from one grouped, index-only scan of the open tickets."""
    per_assignee: dict[int | None, int] = defaultdict(int)
    for category, status, assignee_id, *ages in session.execute(
        select(Ticket.category, Ticket.status, Ticket.assignee_id, *_age_counts(now))
        .where(open_tickets())
        .group_by(Ticket.category, Ticket.status, Ticket.assignee_id)
    ):
        count = sum(ages)
        cell = result.by_category_status.setdefault(category, {})
        cell[status] = cell.get(status, 0) + count
        for name, n in zip(AGE_BUCKETS, ages, strict=True):
            result.by_age[name] += n
        per_assignee[assignee_id] += count
        if status not in ACTIONABLE:
            result.waiting_on_customer += count
        else:
            result.answered_open += count  # less those waiting on us, below
    result.waiting_on_us = session.scalar(select(func.count()).where(waiting_on_us())) or 0
    result.answered_open -= result.waiting_on_us
    ids = [i for i in per_assignee if i is not None]
    names: dict[int | None, str] = dict(
        session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()
    )
    by_name: dict[str, int] = defaultdict(int)
    for assignee_id, count in per_assignee.items():
        by_name[names.get(assignee_id, "Unassigned")] += count
    result.by_assignee = dict(sorted(by_name.items(), key=lambda item: (-item[1], item[0])))


def backlog(session: Session, now: datetime, oldest: int = 10) -> Backlog:
    result = Backlog(by_age=dict.fromkeys(AGE_BUCKETS, 0))
    _counts(session, now, result)
    first = (
        select(Ticket.id)
        .where(waiting_on_us())
        .order_by(Ticket.waiting_since, Ticket.id)
        .limit(oldest)
        .subquery()
    )
    rows = session.execute(
        select(Ticket.number, Ticket.subject, Ticket.waiting_since, Customer.email)
        .join(first, first.c.id == Ticket.id)
        .join(Customer, Customer.id == Ticket.customer_id)
        .order_by(Ticket.waiting_since, Ticket.id)
    )
    result.oldest_waiting = [
        {
            "number": n,
            "subject": s,
            "customer": e,
            "waiting_since": w,
            "waiting_hours": round((now - w).total_seconds() / 3600, 1),
        }
        for n, s, w, e in rows
        if w is not None  # always: the query keeps waiting tickets only
    ]
    return result
