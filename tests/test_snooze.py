"""Snooze: a ticket waits until its "back on" time, then reopens marked "back from snooze";
a customer's mail wakes it earlier. Domain functions, the API, the ticket page and the CLI,
on SQLite and PostgreSQL. Times are passed in: nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.commands.snooze import snooze as snooze_command
from helpdesk.models import EventKind, Ticket, TicketEvent, utcnow
from helpdesk.tickets.services import TicketError, change_field
from helpdesk.tickets.snooze import cancel_snooze, snooze, wake_due
from tests.factories import make_ticket, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.test_api_policy import bearer
from tests.test_api_tickets import API, fresh, mail_ticket, token_for
from tests.test_ticket_page import signed_in
from tests.test_web import csrf_token

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def events(session: Session, ticket: Ticket, kind: str) -> list[TicketEvent]:
    return list(
        session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == kind)
            .order_by(TicketEvent.id)
        )
    )


def test_snooze_then_wake_due_reopens_and_marks_it(session: Session) -> None:
    agent = make_user(session)
    ticket = make_ticket(session, status="open")
    until = NOW + timedelta(days=2)
    snooze(session, ticket, until, agent.id, NOW)
    session.commit()
    assert (ticket.status, ticket.snoozed_until) == ("pending", until)
    assert [e.new_value for e in events(session, ticket, EventKind.SNOOZE)] == [until.isoformat()]

    assert wake_due(session, until - timedelta(seconds=1)) == 0  # not yet
    assert ticket.status == "pending"
    assert wake_due(session, until) == 1
    session.commit()
    assert (ticket.status, ticket.snoozed_until, ticket.woke_at) == ("open", None, until)
    last = events(session, ticket, EventKind.STATUS)[-1]
    assert (last.old_value, last.new_value, last.actor_id) == ("pending", "open", None)
    assert last.detail == "back from snooze"
    assert wake_due(session, until + timedelta(days=1)) == 0  # once only

    change_field(session, ticket, "priority", "high", actor_id=agent.id)  # someone acts
    assert ticket.woke_at is None


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (NOW, "in the future"),
        (NOW - timedelta(minutes=1), "in the future"),
        (NOW + timedelta(days=400), "at most a year"),
    ],
)
def test_snooze_refuses_past_and_far_times(session: Session, until: datetime, message: str) -> None:
    ticket = make_ticket(session, status="open")
    with pytest.raises(TicketError, match=message):
        snooze(session, ticket, until, None, NOW)
    assert (ticket.status, ticket.snoozed_until) == ("open", None)


def test_solved_ticket_cannot_be_snoozed_and_cancel_keeps_it_pending(session: Session) -> None:
    with pytest.raises(TicketError, match="solved or closed"):
        snooze(session, make_ticket(session, status="solved"), NOW + timedelta(days=1), None, NOW)
    ticket = make_ticket(session, status="pending")
    assert not cancel_snooze(session, ticket, None, NOW)
    snooze(session, ticket, NOW + timedelta(days=1), None, NOW)
    assert cancel_snooze(session, ticket, None, NOW)
    assert (ticket.status, ticket.snoozed_until) == ("pending", None)
    assert wake_due(session, NOW + timedelta(days=2)) == 0


def test_customer_mail_wakes_it_earlier(session: Session) -> None:
    ticket = mail_ticket(session, subject="Broken case")
    snooze(session, ticket, utcnow() + timedelta(days=3), None, utcnow())
    session.commit()
    ingest(
        session,
        make_mail(
            subject=f"Re: [#{ticket.number}] Broken case",
            sender=("Alice Smith", "alice@example.com"),
            in_reply_to="m1@example.com",
        ),
    )
    ticket = fresh(session, ticket.number)
    assert (ticket.status, ticket.snoozed_until) == ("open", None)
    assert events(session, ticket, EventKind.STATUS)[-1].detail == "the customer replied"
    assert wake_due(session, utcnow() + timedelta(days=4)) == 0


def test_api_patch_snoozes_cancels_and_refuses(client: FlaskClient, session: Session) -> None:
    ticket = make_ticket(session, status="open")
    headers = bearer(token_for(session))
    url = f"{API}/tickets/{ticket.number}"
    until = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    response = client.patch(url, json={"snoozed_until": until.isoformat()}, headers=headers)
    assert response.status_code == 200, response.json
    body = response.get_json()
    assert body["status"] == "pending"
    assert datetime.fromisoformat(body["snoozed_until"]) == until
    assert fresh(session, ticket.number).snoozed_until == until

    for bad, words in [
        ("2020-01-01T00:00:00Z", "in the future"),
        ("tomorrow", "ISO 8601"),
        ("2030-01-01T09:00:00", "UTC offset"),
        (12, "must be a string"),
    ]:
        response = client.patch(url, json={"snoozed_until": bad}, headers=headers)
        assert response.status_code == 400, bad
        assert words in response.get_json()["error"], response.json
    assert fresh(session, ticket.number).snoozed_until == until  # unchanged

    response = client.patch(url, json={"snoozed_until": None}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["snoozed_until"] is None
    assert fresh(session, ticket.number).status == "pending"


def test_ticket_page_form_snoozes_in_the_store_zone(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    app.config["HELPDESK_TIMEZONE"] = "America/Los_Angeles"
    signed_in(client, session)
    ticket = make_ticket(session, status="open")
    page = f"/tickets/{ticket.number}"
    token = csrf_token(client, page)
    day = (utcnow() + timedelta(days=2)).date()
    form = {"csrf_token": token, "day": day.isoformat(), "time": "09:30", "submit": "Snooze"}
    assert client.post(f"{page}/snooze", data=form).status_code == 302
    stored = fresh(session, ticket.number)
    assert stored.status == "pending"
    # 09:30 in Los Angeles in December (PST, UTC-8) is 17:30 UTC.
    assert stored.snoozed_until == datetime(day.year, day.month, day.day, 17, 30, tzinfo=UTC)
    html = client.get(page).get_data(as_text=True)
    assert "Snoozed until" in html and f"{day.isoformat()} 09:30 PST" in html
    queue = client.get("/?view=all").get_data(as_text=True)
    assert f"{day.isoformat()} 09:30 PST" in queue

    past = {**form, "day": "2020-01-01"}
    response = client.post(f"{page}/snooze", data=past)
    assert response.status_code == 400
    assert "choose a time in the future" in response.get_data(as_text=True)
    no_csrf = {k: v for k, v in form.items() if k != "csrf_token"}
    assert client.post(f"{page}/snooze", data=no_csrf).status_code == 400
    assert fresh(session, ticket.number).snoozed_until == stored.snoozed_until

    cancel = {"csrf_token": token, "cancel": "Cancel snooze"}
    assert client.post(f"{page}/snooze", data=cancel).status_code == 302
    assert fresh(session, ticket.number).snoozed_until is None
    assert "Snooze cancelled" in client.get(page).get_data(as_text=True)


def test_woken_ticket_is_marked_in_the_queue(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    ticket = make_ticket(session, status="pending")
    snooze(session, ticket, NOW + timedelta(hours=1), None, NOW)
    wake_due(session, NOW + timedelta(hours=1))
    session.commit()
    assert "Back from snooze" in client.get("/?view=all").get_data(as_text=True)
    assert "Back from snooze" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)


def test_cli_wakes_due_tickets(app: Flask, session: Session) -> None:
    ticket = make_ticket(session, status="pending")
    ticket.snoozed_until = utcnow() - timedelta(minutes=1)  # as if its time came meanwhile
    session.commit()
    result = app.test_cli_runner().invoke(snooze_command, ["wake"])
    assert result.exit_code == 0, result.output
    assert "1 tickets back from snooze" in result.output
    assert fresh(session, ticket.number).status == "open"
