"""The date-range report against hand-computed figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from helpdesk.models import TicketEvent
from helpdesk.reports.activity import activity
from helpdesk.tickets.services import change_status
from tests.factories import make_ticket, make_user

TZ = "America/Los_Angeles"


def at(day: int, hour: int) -> datetime:
    """November 2026, in UTC (Los Angeles is UTC-8 then)."""
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def test_activity_figures(session: Session) -> None:
    ann, bob = make_user(session), make_user(session)
    specs = [  # created, first response after (h), resolved after (h), category, agent
        (at(10, 12), 1, 10, "shipping", ann),
        (at(10, 20), 3, None, "shipping", ann),
        (at(11, 7), 2, 30, "warranty", bob),  # 07:00 UTC = Nov 10, 23:00 in Los Angeles
        (at(12, 18), None, None, "warranty", None),
        (at(20, 18), 5, None, "return", bob),  # outside the range
    ]
    tickets = [make_ticket(session, category=spec[3]) for spec in specs]
    change_status(session, tickets[0], "solved")
    change_status(session, tickets[0], "open")  # reopened
    change_status(session, tickets[1], "solved")
    session.commit()
    for event in session.query(TicketEvent).filter(TicketEvent.kind == "status"):
        event.created_at = at(12, 20)
    for t, (created, first, resolved, _category, agent) in zip(tickets, specs, strict=True):
        t.created_at = created
        t.first_response_at = created + timedelta(hours=first) if first else None
        t.resolved_at = created + timedelta(hours=resolved) if resolved else None
        t.assignee_id = agent.id if agent else None
    session.commit()

    report = activity(session, date(2026, 11, 10), date(2026, 11, 12), TZ)
    assert report.days == [date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 12)]
    assert report.created == [3, 0, 1]  # 07:00 UTC on Nov 11 is still Nov 10 locally
    assert report.solved == [0, 0, 2]
    frt = report.first_response
    assert frt["category"]["shipping"].count == 2
    assert frt["category"]["shipping"].median == 2 * 3600
    assert frt["category"]["warranty"].median == 2 * 3600
    assert frt["agent"][ann.name].p90 == (1 + (3 - 1) * 0.9) * 3600
    res = report.resolution
    assert res["category"]["shipping"].median == 10 * 3600
    assert res["agent"][bob.name].median == 30 * 3600
    assert (report.reopened, report.solved_total, report.reopen_rate) == (1, 2, 0.5)
