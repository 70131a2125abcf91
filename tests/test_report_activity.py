"""The date-range report against hand-computed figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from helpdesk.reports.activity import activity
from tests.report_helpers import build_activity

TZ = "America/Los_Angeles"


def test_activity_figures(session: Session) -> None:
    ann, bob = build_activity(session)
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
