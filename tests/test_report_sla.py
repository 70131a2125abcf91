"""Business-time arithmetic (a table of hand-worked cases) and SLA breach detection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import SlaTarget
from helpdesk.reports.businesstime import parse_business_hours
from helpdesk.reports.sla import (
    SlaSettings,
    add_business_minutes,
    business_minutes_between,
    load_targets,
    seed_sla_targets,
    sla_counts,
    sla_settings,
    sla_status,
    subtract_business_minutes,
)
from tests.factories import make_ticket

LA = ZoneInfo("America/Los_Angeles")
HOURS = parse_business_hours("09:00-17:00", "mon-fri", "America/Los_Angeles")
ALWAYS = parse_business_hours("00:00-24:00", "mon-sun", "America/Los_Angeles")


def la(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Los Angeles in 2026 (DST from Sun Mar 8 to Sun Nov 1)."""
    return datetime(2026, month, day, hour, minute, tzinfo=LA)


ADD_CASES = [  # start, business minutes, due
    (la(11, 9, 10), 60, la(11, 9, 11)),  # Monday, within the day
    (la(11, 9, 16), 60, la(11, 9, 17)),  # ends exactly at closing time
    (la(11, 9, 16), 120, la(11, 10, 10)),  # carries over to Tuesday morning
    (la(11, 9, 7), 30, la(11, 9, 9, 30)),  # before hours: the clock starts at 09:00
    (la(11, 9, 18), 30, la(11, 10, 9, 30)),  # after hours: starts next morning
    (la(11, 13, 16, 30), 60, la(11, 16, 9, 30)),  # Friday afternoon to Monday
    (la(11, 14, 12), 60, la(11, 16, 10)),  # Saturday: starts Monday
    (la(11, 14, 12), 0, la(11, 14, 12)),  # no minutes: due at once
    (la(11, 11, 10), 5 * 8 * 60, la(11, 18, 10)),  # five business days: a week later
    (la(3, 6, 16), 120, la(3, 9, 10)),  # over the spring DST change (PST -> PDT)
    (la(10, 30, 16), 120, la(11, 2, 10)),  # over the autumn DST change (PDT -> PST)
]


@pytest.mark.parametrize(("start", "minutes", "due"), ADD_CASES)
def test_add_business_minutes(start: datetime, minutes: int, due: datetime) -> None:
    assert add_business_minutes(start, minutes, HOURS) == due


def test_dst_change_counts_real_hours() -> None:
    # Monday 10:00 PDT is 17:00 UTC; fixed UTC hours would give 18:00.
    assert add_business_minutes(la(3, 6, 16), 120, HOURS) == datetime(2026, 3, 9, 17, tzinfo=UTC)
    # Round the clock, the spring-forward Sunday has 23 hours and the autumn one 25.
    assert add_business_minutes(la(3, 7, 12), 24 * 60, ALWAYS) == la(3, 8, 13)
    assert business_minutes_between(la(3, 7, 12), la(3, 8, 12), ALWAYS) == 23 * 60
    assert business_minutes_between(la(10, 31, 12), la(11, 1, 12), ALWAYS) == 25 * 60


ELAPSED_CASES = [  # start, end, business minutes
    (la(11, 9, 10), la(11, 9, 11, 30), 90),
    (la(11, 13, 16), la(11, 16, 10), 120),  # Friday to Monday: the weekend is not counted
    (la(11, 14, 8), la(11, 15, 20), 0),  # all weekend
    (la(11, 9, 18), la(11, 10, 8), 0),  # overnight
    (la(11, 9, 7), la(11, 10, 20), 16 * 60),  # two whole days
    (la(3, 6, 16), la(3, 9, 10), 120),  # over the DST change
    (la(11, 10, 12), la(11, 9, 12), 0),  # end before start
]


@pytest.mark.parametrize(("start", "end", "minutes"), ELAPSED_CASES)
def test_business_minutes_between(start: datetime, end: datetime, minutes: int) -> None:
    assert business_minutes_between(start, end, HOURS) == minutes


SUBTRACT_CASES = [  # end, business minutes, latest start
    (la(11, 16, 10), 120, la(11, 13, 16)),  # Monday morning back to Friday afternoon
    (la(11, 16, 9), 60, la(11, 13, 16)),  # at opening time
    (la(11, 14, 12), 60, la(11, 13, 16)),  # from the weekend
    (la(11, 10, 12), 60, la(11, 10, 11)),
    (la(3, 9, 10), 120, la(3, 6, 16)),  # over the DST change
]


@pytest.mark.parametrize(("end", "minutes", "start"), SUBTRACT_CASES)
def test_subtract_business_minutes(end: datetime, minutes: int, start: datetime) -> None:
    assert subtract_business_minutes(end, minutes, HOURS) == start
    assert add_business_minutes(start, minutes, HOURS) <= end


@pytest.mark.parametrize(
    ("hours", "days", "zone", "message"),
    [
        ("9-17", "mon-fri", "UTC", "not a time"),
        ("17:00-09:00", "mon-fri", "UTC", "open before"),
        ("09:00-17:00", "monday", "UTC", "not a day"),
        ("09:00-17:00", "mon-fri", "Mars/Olympus", "time zone"),
    ],
)
def test_bad_business_hours_settings_are_named(
    hours: str, days: str, zone: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_business_hours(hours, days, zone)


def test_business_days_lists_and_wrapping_ranges() -> None:
    assert parse_business_hours("09:00-17:00", "mon-fri,sun", "UTC").days == {0, 1, 2, 3, 4, 6}
    assert parse_business_hours("09:00-17:00", "fri-mon", "UTC").days == {4, 5, 6, 0}


NOW = la(11, 11, 12)  # Wednesday noon


def build_sla_dataset(session: Session) -> dict[str, int]:
    """Tickets around NOW; returns {label: ticket number}. Expected rows are worked out below."""
    session.add_all(
        [
            SlaTarget(category="shipping", first_response_minutes=60, resolution_minutes=24 * 60),
            SlaTarget(
                category="warranty",
                first_response_minutes=120,
                resolution_minutes=480,
                business_hours=True,
            ),
            SlaTarget(category="return", first_response_minutes=None, resolution_minutes=60),
        ]
    )
    plan = [  # label, category, status, created, answered
        ("ship-fr-late", "shipping", "new", NOW - timedelta(hours=2), False),
        ("ship-fr-soon", "shipping", "new", NOW - timedelta(minutes=30), False),
        ("ship-answered", "shipping", "open", NOW - timedelta(minutes=10), True),
        ("ship-res-late", "shipping", "open", NOW - timedelta(hours=27), True),
        ("ship-solved", "shipping", "solved", NOW - timedelta(hours=27), False),
        ("general-no-target", "general", "new", NOW - timedelta(hours=100), False),
        ("war-fr-late", "warranty", "new", la(11, 10, 16), False),  # due Wed 10:00
        ("war-fr-soon", "warranty", "open", la(11, 11, 11), False),  # due Wed 13:00
        ("war-res-late", "warranty", "pending", la(11, 9, 10), True),  # due Tue 10:00
        ("ret-res-late", "return", "open", NOW - timedelta(hours=4, minutes=30), False),
    ]
    numbers = {}
    for label, category, status, created, answered in plan:
        ticket = make_ticket(session, subject=label, category=category, status=status)
        ticket.created_at = created
        ticket.first_response_at = created + timedelta(minutes=5) if answered else None
        numbers[label] = ticket.number
    session.commit()
    return numbers


EXPECTED_ROWS = [  # subject, target, due, breached
    ("war-res-late", "resolution", la(11, 10, 10), True),
    ("ret-res-late", "resolution", la(11, 11, 8, 30), True),
    ("ship-res-late", "resolution", la(11, 11, 9), True),
    ("war-fr-late", "first_response", la(11, 11, 10), True),
    ("ship-fr-late", "first_response", la(11, 11, 11), True),
    ("ship-fr-soon", "first_response", la(11, 11, 12, 30), False),
    ("war-fr-soon", "first_response", la(11, 11, 13), False),
]


def test_breached_and_due_soon_tickets(session: Session) -> None:
    build_sla_dataset(session)
    settings = SlaSettings(hours=HOURS)
    targets = load_targets(session)
    rows = sla_status(session, NOW, settings, targets)
    assert [(r.subject, r.target, r.due, r.breached) for r in rows] == EXPECTED_ROWS
    assert rows[0].late_seconds(NOW) == 26 * 3600
    assert rows[-1].late_seconds(NOW) == -3600
    assert sla_counts(session, NOW, settings, targets) == {
        "shipping": {
            "first_response": {"breached": 1, "due_soon": 1},
            "resolution": {"breached": 1, "due_soon": 0},
        },
        "warranty": {
            "first_response": {"breached": 1, "due_soon": 1},
            "resolution": {"breached": 1, "due_soon": 0},
        },
        "return": {"resolution": {"breached": 1, "due_soon": 0}},
    }


def test_warning_window_and_limit(session: Session) -> None:
    build_sla_dataset(session)
    targets = load_targets(session)
    only_late = sla_status(session, NOW, SlaSettings(hours=HOURS, warning=timedelta(0)), targets)
    assert [r.subject for r in only_late] == [s for s, _t, _d, late in EXPECTED_ROWS if late]
    first_two = sla_status(session, NOW, SlaSettings(hours=HOURS, limit=2), targets)
    assert [r.subject for r in first_two] == ["war-res-late", "ret-res-late"]


def test_no_targets_no_rows(session: Session) -> None:
    make_ticket(session, status="new")
    settings = SlaSettings(hours=HOURS)
    assert sla_status(session, NOW, settings, {}) == []
    assert sla_counts(session, NOW, settings, {}) == {}


def test_seed_adds_only_missing_categories(session: Session) -> None:
    session.add(SlaTarget(category="shipping", first_response_minutes=30, resolution_minutes=None))
    session.commit()
    assert seed_sla_targets(session) == 6
    session.commit()
    assert seed_sla_targets(session) == 0
    targets = load_targets(session)
    assert len(targets) == 7 and targets["shipping"].first_response_minutes == 30
    assert targets["wrong_item"].first_response_minutes == 4 * 60
    assert session.scalar(select(SlaTarget.business_hours).limit(1)) is False


def test_settings_from_config() -> None:
    config = {
        "HELPDESK_BUSINESS_HOURS": "08:00-16:00",
        "HELPDESK_BUSINESS_DAYS": "mon-sat",
        "HELPDESK_TIMEZONE": "Europe/Berlin",
        "HELPDESK_SLA_WARNING_MINUTES": 30,
    }
    settings = sla_settings(config)
    assert settings.warning == timedelta(minutes=30) and settings.hours.days == set(range(6))
    with pytest.raises(ValueError, match="must look like 09:00-17:00"):
        sla_settings({**config, "HELPDESK_BUSINESS_HOURS": "eight to four"})
