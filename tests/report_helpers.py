"""Report tests: a hand-built activity dataset, each table of a page as text, CSV rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from html.parser import HTMLParser

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import Direction, Ticket, TicketEvent, User
from helpdesk.tickets.services import add_message, change_status
from tests.factories import make_ticket, make_user


class _Tables(HTMLParser):
    """Collects the text of every cell of each report table, keyed by its section's table key."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._key: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        labelled = dict(attrs).get("aria-labelledby") or ""
        if tag == "section" and labelled.startswith("table-"):
            self._key = labelled.removeprefix("table-")
            self.tables[self._key] = []
        elif tag == "tr" and self._key:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._key and self._row is not None:
            self.tables[self._key].append(self._row)
            self._row = None
        elif tag == "section":
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    """{table key: rows of cell texts, the header row first}."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def csv_rows(client: FlaskClient, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def at(day: int, hour: int) -> datetime:
    """November 2026, in UTC (Los Angeles is UTC-8 then)."""
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def reply(session: Session, ticket: Ticket, author: User, when: datetime) -> None:
    """An agent's reply as send_reply records it (without the outbox)."""
    message = add_message(
        session, ticket, direction=Direction.OUTBOUND, author_id=author.id, text="Hi", at=when
    )
    message.created_at = when
    if ticket.first_response_at is None:
        ticket.first_response_at, ticket.first_responder_id = when, author.id


def move(
    session: Session, ticket: Ticket, status: str, when: datetime, actor: User | None = None
) -> None:
    """change_status, as if it had happened at `when`."""
    assert change_status(session, ticket, status, actor_id=actor.id if actor else None)
    session.flush()
    event = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.id.desc())
    ).first()
    assert event is not None
    event.created_at = when
    if ticket.resolved_at is not None:
        ticket.resolved_at = min(ticket.resolved_at, when) if status == "closed" else when


def new_ticket(session: Session, created: datetime, category: str, assignee: User | None) -> Ticket:
    """A ticket from a customer's mail, acknowledged automatically (the ack is no reply)."""
    ticket = make_ticket(session, category=category)
    ticket.created_at = created
    ticket.assignee_id = assignee.id if assignee else None
    add_message(session, ticket, direction=Direction.INBOUND, text="Help", at=created)
    ack = add_message(
        session, ticket, direction=Direction.OUTBOUND, automatic=True, text="Thanks", at=created
    )
    ack.created_at = created
    session.flush()
    return ticket


def build_activity(session: Session) -> tuple[User, User]:
    """Nov 9-20, 2026 (UTC): figures for Nov 10-12 in Los Angeles worked out in
    tests/test_report_activity.py. Built with the services, as the app records things."""
    ann, bob, boss = make_user(session), make_user(session), make_user(session, role="manager")
    t0 = new_ticket(session, at(10, 12), "shipping", ann)
    reply(session, t0, ann, at(10, 13))  # 1 h
    reply(session, t0, bob, at(10, 14))  # a second reply: not the first response
    move(session, t0, "solved", at(10, 22), ann)  # 10 h, Nov 10 in LA
    move(session, t0, "open", at(12, 20))  # reopened by the customer's mail
    t1 = new_ticket(session, at(10, 20), "shipping", ann)
    reply(session, t1, bob, at(10, 23))  # 3 h, answered by bob, not the assignee
    move(session, t1, "solved", at(12, 12), bob)  # 40 h, Nov 12 04:00 in LA
    move(session, t1, "closed", at(12, 22))  # closing a solved ticket: no second solve
    t2 = new_ticket(session, at(11, 7), "warranty", bob)  # Nov 10, 23:00 in Los Angeles
    reply(session, t2, bob, at(11, 9))  # 2 h
    move(session, t2, "solved", at(12, 13), bob)  # 30 h
    new_ticket(session, at(12, 18), "warranty", None)  # not answered
    t4 = new_ticket(session, at(20, 18), "return", bob)  # outside Nov 10-12
    reply(session, t4, bob, at(20, 23))
    t5 = new_ticket(session, at(9, 12), "return", None)  # created before the range
    move(session, t5, "open", at(9, 13))
    move(session, t5, "closed", at(11, 18), boss)  # a bulk close: 54 h, Nov 11 in LA
    session.commit()
    return ann, bob
