"""The backlog now: open tickets by category, status, age and assignee (grouped queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from helpdesk.models import Customer, Ticket, User

OPEN_STATUSES = ("new", "open", "pending")
WAITING_ON_US = ("new", "open")
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
    oldest_waiting: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The API's shape (GET /api/v1/reports/backlog)."""
        return {
            "by_category_status": self.by_category_status,
            "by_age": self.by_age,
            "by_assignee": self.by_assignee,
            "waiting_on_us": self.waiting_on_us,
            "waiting_on_customer": self.waiting_on_customer,
            "oldest_waiting": self.oldest_waiting,
        }


def backlog(session: Session, now: datetime, oldest: int = 10) -> Backlog:
    result = Backlog(by_age=dict.fromkeys(AGE_BUCKETS, 0))
    open_ = Ticket.status.in_(OPEN_STATUSES)
    for category, status, count in session.execute(
        select(Ticket.category, Ticket.status, func.count())
        .where(open_)
        .group_by(Ticket.category, Ticket.status)
    ):
        result.by_category_status.setdefault(category, {})[status] = count
        if status in WAITING_ON_US:
            result.waiting_on_us += count
        else:
            result.waiting_on_customer += count
    day1, day3, day7 = (now - timedelta(days=d) for d in (1, 3, 7))
    bucket = case(
        (Ticket.created_at > day1, "under_1_day"),
        (Ticket.created_at > day3, "1_3_days"),
        (Ticket.created_at > day7, "3_7_days"),
        else_="over_7_days",
    )
    for name, count in session.execute(select(bucket, func.count()).where(open_).group_by(bucket)):
        result.by_age[name] = count
    for name, count in session.execute(
        select(func.coalesce(User.name, "Unassigned"), func.count(Ticket.id))
        .select_from(Ticket)
        .outerjoin(User, User.id == Ticket.assignee_id)
        .where(open_)
        .group_by(User.name)
        .order_by(func.count(Ticket.id).desc())
    ):
        result.by_assignee[name] = count
    rows = session.execute(
        select(Ticket.number, Ticket.subject, Ticket.waiting_since, Customer.email)
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.status.in_(WAITING_ON_US), Ticket.waiting_since.is_not(None))
        .order_by(Ticket.waiting_since, Ticket.id)
        .limit(oldest)
    )
    result.oldest_waiting = [
        {
            "number": n,
            "subject": s,
            "customer": e,
            "waiting_since": w.isoformat(),
            "waiting_hours": round((now - w).total_seconds() / 3600, 1),
        }
        for n, s, w, e in rows
    ]
    return result
