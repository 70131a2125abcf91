"""The backlog report against hand-computed figures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from helpdesk.models import utcnow
from helpdesk.reports.backlog import backlog
from tests.factories import make_ticket, make_user


def test_backlog_figures(session: Session) -> None:
    now = utcnow()
    ann = make_user(session)
    plan = [  # (category, status, age in hours, assignee, waiting hours)
        ("shipping", "new", 2, None, 2),
        ("shipping", "open", 30, ann, 30),
        ("warranty", "pending", 100, ann, None),
        ("warranty", "open", 200, None, 200),
        ("return", "solved", 5, ann, None),  # not open: not in the backlog
        ("return", "closed", 500, None, None),
        ("general", "open", 10, ann, None),  # we answered last: waits on nobody
    ]
    for category, status, age, assignee, waiting in plan:
        t = make_ticket(session, subject=f"{category} {status}", category=category, status=status)
        t.created_at = now - timedelta(hours=age)
        t.assignee_id = assignee.id if assignee else None
        t.waiting_since = now - timedelta(hours=waiting) if waiting else None
    session.commit()
    report = backlog(session, now)
    assert report.by_category_status == {
        "shipping": {"new": 1, "open": 1},
        "warranty": {"pending": 1, "open": 1},
        "general": {"open": 1},
    }
    assert report.by_age == {"under_1_day": 2, "1_3_days": 1, "3_7_days": 1, "over_7_days": 1}
    assert report.by_assignee == {ann.name: 3, "Unassigned": 2}
    assert (report.waiting_on_us, report.waiting_on_customer, report.answered_open) == (3, 1, 1)
    assert report.open_total == 5
    # The count and the list are the same set.
    assert report.waiting_on_us == len(report.oldest_waiting)
    assert [t["subject"] for t in report.oldest_waiting] == [
        "warranty open",
        "shipping open",
        "shipping new",
    ]
    assert report.oldest_waiting[0]["waiting_hours"] == 200.0
