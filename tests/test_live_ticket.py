"""The ticket page's live banner: GET /tickets/N/live says what others did after the page's
last message and event (the customer wrote, someone else replied, changed the status or
the assignee), never one's own actions, and answers 204 when nothing happened."""

from __future__ import annotations

import html as htmlmod
import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk.models import Direction, Ticket
from helpdesk.tickets.services import add_message, change_field, change_status
from tests.factories import make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.query_count import CountQueries
from tests.test_api_tickets import mail_ticket
from tests.test_ticket_page import signed_in


def live_url(client: FlaskClient, number: int) -> str:
    html = client.get(f"/tickets/{number}").get_data(as_text=True)
    found = re.search(r'id="ticket-live"[^>]*data-live-url="([^"]+)"', html)
    assert found, html
    return htmlmod.unescape(found.group(1))


def news(client: FlaskClient, url: str) -> Any:
    response = client.get(url)
    return None if response.status_code == 204 else response.get_json()


def again(url: str, data: dict[str, Any]) -> str:
    """The URL the page asks next, after `data`."""
    base = url.split("?", 1)[0]
    return f"{base}?message={data['message']}&event={data['event']}"


def ticket_of(session: Session, ticket: Ticket) -> Ticket:
    session.rollback()
    found = session.get(Ticket, ticket.id)
    assert found is not None
    return found


def test_the_customer_writing_is_news_and_then_nothing(
    client: FlaskClient, session: Session, count_queries: CountQueries
) -> None:
    signed_in(client, session)
    ticket = mail_ticket(session, subject="Cracked case")
    url = live_url(client, ticket.number)
    with count_queries() as statements:
        assert client.get(url).status_code == 204
    assert len(statements) <= 5, statements  # the user, the ticket, its messages and events
    ingest(
        session,
        make_mail(
            subject=f"Re: [#{ticket.number}] Cracked case",
            sender=("Alice Smith", "alice@example.com"),
            in_reply_to="m1@example.com",
        ),
    )
    data = news(client, url)
    assert data["news"] == ["The customer wrote."]
    assert news(client, again(url, data)) is None


def test_others_actions_are_news_and_ones_own_are_not(
    client: FlaskClient, session: Session
) -> None:
    me = signed_in(client, session)
    other = make_user(session)
    other.name = "Bea Other"
    ticket = mail_ticket(session, subject="Late parcel")
    url = live_url(client, ticket.number)
    mine = ticket_of(session, ticket)
    change_status(session, mine, "open", actor_id=me.id)
    add_message(session, mine, direction=Direction.OUTBOUND, text="On it", author_id=me.id)
    session.commit()
    data = news(client, url)
    assert data is not None and data["news"] == []  # the page moves on, nothing to say
    url = again(url, data)
    theirs = ticket_of(session, ticket)
    add_message(session, theirs, direction=Direction.OUTBOUND, text="Sent", author_id=other.id)
    add_message(session, theirs, direction=Direction.NOTE, text="FYI", author_id=other.id)
    change_status(session, theirs, "pending", actor_id=other.id)
    change_field(session, theirs, "assignee_id", me.id, actor_id=other.id)
    session.commit()
    assert news(client, url)["news"] == [
        "Bea Other replied.",
        "Bea Other added an internal note.",
        "Bea Other set the status to Waiting on customer.",
        f"Bea Other assigned the ticket to {me.name}.",
    ]


def test_access_and_bad_input(client: FlaskClient, session: Session) -> None:
    ticket = mail_ticket(session, subject="Private")
    path = f"/tickets/{ticket.number}/live?message=0&event=0"
    assert client.get(path).status_code == 401
    signed_in(client, session)
    assert client.post(path).status_code == 405
    assert client.get("/tickets/999999/live").status_code == 404
    bad = client.get(f"/tickets/{ticket.number}/live?message=x")
    assert bad.status_code == 400 and "record number" in bad.get_data(as_text=True)
