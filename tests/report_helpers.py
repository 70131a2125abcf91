"""Report tests: a hand-built activity dataset, each table of a page as text, CSV rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk.models import TicketEvent, User
from helpdesk.tickets.services import change_status
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


def build_activity(session: Session) -> tuple[User, User]:
    """Five tickets, Nov 10-20, 2026 (UTC); figures worked out in tests/test_report_activity.py."""
    ann, bob = make_user(session), make_user(session)
    specs = [  # created, first response after (h), resolved after (h), category, agent
        (at(10, 12), 1, 10, "shipping", ann),
        (at(10, 20), 3, None, "shipping", ann),
        (at(11, 7), 2, 30, "warranty", bob),  # 07:00 UTC = Nov 10, 23:00 in Los Angeles
        (at(12, 18), None, None, "warranty", None),
        (at(20, 18), 5, None, "return", bob),  # outside Nov 10-12
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
    return ann, bob
