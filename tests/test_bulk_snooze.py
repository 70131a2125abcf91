"""Snoozing several tickets from the queue (issue 11): one bulk action with a "back on" date
and time in the store's zone, the snooze domain function for each; when they come back,
their assignee is mailed (if they chose it) through the SMTP server. Times passed in."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk.models import utcnow
from helpdesk.notifications import Notifier
from helpdesk.tickets.snooze import wake_due
from tests.factories import make_ticket
from tests.test_notifications import _body, _delivered
from tests.test_queue import bulk_post
from tests.test_ticket_page import signed_in
from tests.test_web import csrf_token

STORE = ZoneInfo("America/Los_Angeles")  # HELPDESK_TIMEZONE


def _tomorrow_at_nine() -> datetime:
    day = (utcnow().astimezone(STORE) + timedelta(days=1)).date()
    return datetime.combine(day, datetime.min.time().replace(hour=9), tzinfo=STORE)


def test_the_queue_snoozes_the_selected_tickets_until_the_store_time_given(
    app: Flask,
    client: FlaskClient,
    session: Session,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    agent = signed_in(client, session)
    agent.notify_snoozed = True
    page = client.get("/?view=all").get_data(as_text=True)
    assert '<option value="snooze">Snooze: until the date and time given</option>' in page
    assert 'name="snooze_day" type="date"' in page
    tickets = [make_ticket(session, status=s) for s in ("new", "open", "solved")]
    for ticket in tickets:
        ticket.assignee_id = agent.id
    session.commit()
    ids = [t.id for t in tickets]
    until = _tomorrow_at_nine()
    response = bulk_post(
        client, ids, "snooze", snooze_day=until.date().isoformat(), snooze_time="09:00"
    )
    assert response.status_code == 302
    flashed = client.get("/?view=all").get_data(as_text=True)
    assert "Snoozed 2 tickets (1 solved or closed left as they were)" in flashed
    session.rollback()
    assert [(t.status, t.snoozed_until) for t in tickets] == [
        ("pending", until),
        ("pending", until),
        ("solved", None),
    ]
    assert wake_due(session, until, notify=Notifier.from_config(app.config)) == 2
    session.commit()
    mails = _delivered(session, smtp)[agent.email]
    assert sorted(_body(m).split("\n")[0] for m in mails) == sorted(
        f"#{t.number} is back from snooze." for t in tickets[:2]
    )


def test_a_bad_or_missing_time_snoozes_nothing(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    ticket = make_ticket(session, status="open")
    yesterday = (utcnow().astimezone(STORE) - timedelta(days=1)).date().isoformat()
    for extra in (
        {"snooze_day": yesterday, "snooze_time": "09:00"},
        {"snooze_day": yesterday},
        {"snooze_day": "not a day", "snooze_time": "09:00"},
    ):
        response = bulk_post(client, [ticket.id], "snooze", **extra)
        assert response.status_code == 302
        page = client.get("/?view=all").get_data(as_text=True)
        assert "Nothing was snoozed" in page or "Not a valid date" in page
        session.rollback()
        assert (ticket.status, ticket.snoozed_until) == ("open", None)


def test_bulk_snooze_needs_csrf(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    ticket = make_ticket(session, status="open")
    csrf_token(client, "/")
    response = client.post(
        "/tickets/bulk",
        data={"ticket_ids": [ticket.id], "action": "snooze", "snooze_day": "2099-01-01"},
    )
    assert response.status_code in (302, 400)
    session.rollback()
    assert ticket.snoozed_until is None
