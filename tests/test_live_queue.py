"""The live queue: every write stamps ticket.changed_at, and GET /tickets/live answers what
changed in the view since a moment (204 when nothing did, with one indexed query), with
the queue's own row template, respecting the view, filters and search, for staff only."""

from __future__ import annotations

import html as htmlmod
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from helpdesk.live.changes import OVERLAP, Since, changes_query, digest
from helpdesk.models import Direction, Ticket, User, utcnow
from helpdesk.tickets.queue import parse_params
from helpdesk.tickets.services import add_message, bulk_update, change_field, change_status
from helpdesk.tickets.snooze import cancel_snooze, snooze
from tests.factories import make_ticket, make_user
from tests.query_count import CountQueries
from tests.test_ticket_page import signed_in

LONG_AGO = timedelta(minutes=10)


def stamp_of(session: Session, ticket: Ticket) -> datetime | None:
    session.rollback()
    return session.scalar(select(Ticket.changed_at).where(Ticket.id == ticket.id))


def settle(session: Session) -> None:
    """Every ticket last changed well before the window a poll reads."""
    session.execute(update(Ticket).values(changed_at=utcnow() - LONG_AGO))
    session.commit()


def queue_page(client: FlaskClient, query: str = "view=open") -> tuple[str, str, str]:
    """The queue page's HTML, its live URL and its first `since`."""
    html = client.get(f"/?{query}").get_data(as_text=True)
    url = re.search(r'data-live-url="([^"]+)"', html)
    since = re.search(r'data-live-since="([^"]+)"', html)
    assert url and since, html
    return html, htmlmod.unescape(url.group(1)), since.group(1)


def poll(client: FlaskClient, url: str, since: str, shown: list[int] | None = None) -> Any:
    ids = ",".join(str(i) for i in shown or [])
    return client.get(f"{url}&since={since}&shown={ids}")


def test_every_write_path_stamps_the_ticket(session: Session) -> None:
    agent = make_user(session)
    ticket = make_ticket(session, subject="Stamped")
    assert stamp_of(session, ticket) is not None
    steps = [
        lambda t: change_status(session, t, "open", actor_id=agent.id),
        lambda t: change_field(session, t, "priority", "high", actor_id=agent.id),
        lambda t: add_message(session, t, direction=Direction.NOTE, text="hm", author_id=agent.id),
        lambda t: snooze(session, t, utcnow() + timedelta(days=1), agent.id, utcnow()),
        lambda t: cancel_snooze(session, t, agent.id, utcnow()),
        lambda t: bulk_update(session, [t.id], "assign", str(agent.id), agent.id),
    ]
    for step in steps:
        settle(session)
        before = stamp_of(session, ticket)
        step(session.get(Ticket, ticket.id))
        session.commit()
        after = stamp_of(session, ticket)
        assert before is not None and after is not None and after > before


def test_nothing_changed_is_one_indexed_query_and_204(
    client: FlaskClient, session: Session, count_queries: CountQueries
) -> None:
    signed_in(client, session)
    for n in range(5):
        make_ticket(session, subject=f"Quiet {n}")
    settle(session)
    _, url, since = queue_page(client, "view=all&q=Quiet")
    client.get(url + f"&since={since}")  # the sign-in's first request writes nothing more
    with count_queries() as statements:
        response = poll(client, url, since)
    assert response.status_code == 204 and response.get_data() == b""
    assert response.headers["Cache-Control"] == "no-store"
    on_tickets = [s for s in statements if "ticket" in s.split("FROM", 1)[-1]]
    assert len(on_tickets) == 1, statements
    assert "changed_at" in on_tickets[0]
    assert len(statements) <= 3, statements  # the signed-in user and their session


def test_a_new_ticket_comes_as_a_row_of_the_page_and_then_nothing(
    client: FlaskClient, session: Session
) -> None:
    signed_in(client, session)
    old = make_ticket(session, subject="Old one")
    settle(session)
    _, url, since = queue_page(client)
    assert poll(client, url, since, [old.id]).status_code == 204
    new = make_ticket(session, subject="Brand new")
    answer = poll(client, url, since, [old.id])
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["order"] == [old.id, new.id] and data["reload"] is False
    assert data["counts"]["open"] == 2 and data["counts"]["unassigned"] == 2
    assert "Brand new" in data["rows"] and "Old one" not in data["rows"]
    # The same row as the page renders for that ticket.
    page = client.get("/?view=open").get_data(as_text=True)
    row = re.search(rf'<tr data-ticket-id="{new.id}".*?</tr>', data["rows"], re.S)
    assert row and row.group(0) in page
    # Answered: the next poll with the new `since` hears nothing.
    assert poll(client, url, data["since"], [old.id, new.id]).status_code == 204


def test_changes_outside_the_view_or_search_are_not_news(
    client: FlaskClient, session: Session
) -> None:
    me = signed_in(client, session)
    other = make_user(session)
    mine = make_ticket(session, subject="Zebra case cracked")
    theirs = make_ticket(session, subject="Zebra case too")
    for ticket, user in ((mine, me), (theirs, other)):
        change_field(session, ticket, "assignee_id", user.id, actor_id=user.id)
    session.commit()
    settle(session)
    _, url, since = queue_page(client, "view=mine&q=zebra")
    change_field(session, session.get(Ticket, theirs.id), "priority", "high", actor_id=other.id)
    make_ticket(session, subject="Giraffe")  # unassigned, and no zebra
    session.commit()
    assert poll(client, url, since, [mine.id]).status_code == 204
    change_field(session, session.get(Ticket, mine.id), "priority", "high", actor_id=other.id)
    session.commit()
    data = poll(client, url, since, [mine.id]).get_json()
    assert data["order"] == [mine.id] and "High" in data["rows"]


def test_a_shown_ticket_that_left_the_view_is_not_in_the_order(
    client: FlaskClient, session: Session
) -> None:
    agent = signed_in(client, session)
    stays, leaves = make_ticket(session, subject="Stays"), make_ticket(session, subject="Leaves")
    settle(session)
    _, url, since = queue_page(client)
    change_status(session, session.get(Ticket, leaves.id), "solved", actor_id=agent.id)
    session.commit()
    data = poll(client, url, since, [stays.id, leaves.id]).get_json()
    assert data["order"] == [stays.id] and data["rows"].strip() == ""


def test_a_late_commit_with_an_older_stamp_is_still_seen(
    client: FlaskClient, session: Session
) -> None:
    """A writer stamps with its clock and commits later: within OVERLAP it is still news."""
    signed_in(client, session)
    settle(session)
    _, url, since = queue_page(client)
    answered = Since(Since.decode(since).at + timedelta(seconds=5), digest([]))
    late = make_ticket(session, subject="Committed late")
    session.execute(
        update(Ticket).where(Ticket.id == late.id).values(changed_at=utcnow() - OVERLAP / 2)
    )
    session.commit()
    data = poll(client, url, answered.encode()).get_json()
    assert data["order"] == [late.id]


def test_access_and_bad_input(client: FlaskClient, session: Session) -> None:
    since = Since(utcnow()).encode()
    anonymous = client.get(f"/tickets/live?view=open&since={since}")
    assert anonymous.status_code == 401
    assert client.post(f"/tickets/live?view=open&since={since}").status_code == 405
    user = signed_in(client, session)
    for query, words in (
        ("view=open&since=nonsense", "lost its place"),
        ("view=open", "lost its place"),
        (f"view=nope&since={since}", "Unknown view"),
        (f"view=open&since={since}&shown=1,x", "shown tickets"),
    ):
        response = client.get(f"/tickets/live?{query}")
        assert response.status_code == 400, query
        assert words in response.get_data(as_text=True)
    session.execute(update(User).where(User.id == user.id).values(active=False))
    session.commit()
    assert client.get(f"/tickets/live?view=open&since={since}").status_code == 401


def test_too_many_changes_ask_for_a_reload(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("helpdesk.live.changes.MAX_CHANGES", 2)
    monkeypatch.setattr("helpdesk.live.views.MAX_CHANGES", 2)
    signed_in(client, session)
    _, url, since = queue_page(client)
    for n in range(3):
        make_ticket(session, subject=f"Flood {n}")
    data = poll(client, url, since).get_json()
    assert data["reload"] is True and data["order"] == []


@pytest.mark.parametrize("query", [{"view": "open"}, {"view": "all", "q": "zebra case"}])
def test_postgresql_reads_changes_through_the_changed_at_index(
    session: Session, query: dict[str, str]
) -> None:
    """The partial index serves the query (its `changed_at > x` implies IS NOT NULL)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    params = parse_params(query)
    now = utcnow()
    stmt = changes_query("postgresql", params, 1, now, [1, 2], now)
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    for setting in ("enable_seqscan", "enable_bitmapscan"):  # an empty table: any plan is cheap
        session.execute(text(f"SET LOCAL {setting} = off"))
    plan = "\n".join(session.scalars(text(f"EXPLAIN {compiled}")))
    assert "ix_ticket_changed_at" in plan, plan
    session.rollback()
