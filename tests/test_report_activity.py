"""The date-range report against hand-computed figures."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from helpdesk.reports.activity import activity
from tests.factories import make_ticket
from tests.report_helpers import build_activity

TZ = "America/Los_Angeles"


def test_activity_figures(session: Session) -> None:
    ann, bob = build_activity(session)
    report = activity(session, date(2026, 11, 10), date(2026, 11, 12), TZ)
    assert report.days == [date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 12)]
    assert report.created == [3, 0, 1]  # 07:00 UTC on Nov 11 is still Nov 10 locally
    # t0 on Nov 10, the bulk-closed t5 on Nov 11 (created before the range), t1 and t2 on
    # Nov 12; t1's closing after its solve is not a second solve.
    assert report.solved == [1, 1, 2]
    frt = report.first_response
    assert frt["category"]["shipping"].count == 2
    assert frt["category"]["shipping"].median == 2 * 3600
    assert frt["category"]["warranty"].median == 2 * 3600
    # Credited to whoever answered first: bob answered t1, which is ann's.
    assert frt["agent"][ann.name].__dict__ == {"count": 1, "median": 3600, "p90": 3600}
    assert frt["agent"][bob.name].count == 2
    assert frt["agent"][bob.name].median == 2.5 * 3600
    assert frt["agent"][bob.name].p90 == (2 + (3 - 2) * 0.9) * 3600
    res = report.resolution
    assert res["category"]["shipping"].median == 25 * 3600  # 10 h and 40 h
    assert res["category"]["return"].median == 54 * 3600  # the bulk close counts
    assert res["agent"][bob.name].median == 30 * 3600
    assert res["agent"]["Unassigned"].count == 1
    assert (report.reopened, report.solved_total, report.reopen_rate) == (1, 4, 0.25)


def test_days_follow_the_store_clock_over_dst(session: Session) -> None:
    """Nov 1, 2026 has 25 hours in Los Angeles: 07:00 UTC that day to 08:00 UTC the next."""
    for created in (
        datetime(2026, 11, 1, 6, 59, tzinfo=UTC),  # Oct 31, 23:59 PDT
        datetime(2026, 11, 1, 7, 0, tzinfo=UTC),  # Nov 1, 00:00 PDT
        datetime(2026, 11, 2, 7, 30, tzinfo=UTC),  # Nov 1, 23:30 PST
        datetime(2026, 11, 2, 8, 0, tzinfo=UTC),  # Nov 2, 00:00 PST
    ):
        make_ticket(session).created_at = created
    session.commit()
    report = activity(session, date(2026, 10, 31), date(2026, 11, 2), TZ)
    assert report.created == [1, 2, 1]
    one_day = activity(session, date(2026, 11, 1), date(2026, 11, 1), TZ)
    assert one_day.created == [2]
    longest = activity(session, date(2025, 11, 3), date(2026, 11, 3), TZ)  # 366 days
    assert len(longest.created) == 366 and sum(longest.created) == 4
