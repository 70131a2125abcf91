"""Times shown to staff: the store's zone with its abbreviation, UTC in the tooltip."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk.timefmt import storedate, storetime, utctime
from tests.factories import make_ticket, make_user
from tests.test_web import login

LA = "America/Los_Angeles"


def test_store_time_has_the_zone_abbreviation() -> None:
    winter = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 4, 8, 0, tzinfo=UTC)
    assert storetime(winter, LA) == "2026-12-04 00:00 PST"
    assert storetime(summer, LA) == "2026-07-04 01:00 PDT"
    assert storetime(winter, "Europe/Berlin") == "2026-12-04 09:00 CET"
    assert storetime(winter, LA, "%H:%M") == "00:00 PST"
    assert utctime(winter) == "2026-12-04 08:00 UTC"


def test_store_date_is_the_day_in_the_store_zone() -> None:
    late_evening = datetime(2026, 12, 4, 7, 59, tzinfo=UTC)  # 23:59 on the 3rd in LA
    assert storedate(late_evening, LA) == "2026-12-03"
    assert storedate(date(2026, 12, 10), LA) == "2026-12-10"  # a day is shown as it is


def test_any_offset_is_converted_and_none_is_empty() -> None:
    plus_two = datetime(2026, 12, 4, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    assert storetime(plus_two, LA) == "2026-12-04 00:00 PST"
    assert storetime(None, LA) == storedate(None, LA) == utctime(None) == ""


def test_a_naive_datetime_is_refused() -> None:
    naive = datetime(2026, 12, 4, 8, 0)
    for show in (
        lambda: storetime(naive, LA),
        lambda: storedate(naive, LA),
        lambda: utctime(naive),
    ):
        with pytest.raises(ValueError, match="naive"):
            show()


def test_the_when_macro(web_app: Flask) -> None:
    source = (
        '{% from "_time.html" import when %}{{ when(moment) }}|{{ when(day) }}|{{ when(none) }}'
    )
    with web_app.test_request_context():
        html = render_template_string(
            source, moment=datetime(2026, 12, 4, 8, 0, tzinfo=UTC), day=date(2026, 12, 10)
        )
    assert html == (
        '<time datetime="2026-12-04T08:00:00+00:00" title="2026-12-04 08:00 UTC">'
        "2026-12-04 00:00 PST</time>|"
        '<time datetime="2026-12-10">2026-12-10</time>|never'
    )


def test_the_ticket_page_shows_store_times(client: FlaskClient, session: Session) -> None:
    ticket = make_ticket(session, subject="Times")
    ticket.first_contact_at = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)
    session.commit()
    login(client, make_user(session).email)
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'title="2026-12-03 17:30 UTC">2026-12-03 09:30 PST</time>' in html
    assert " UTC</time>" not in html  # UTC only in tooltips
