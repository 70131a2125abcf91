"""The report pages show the figures of small hand-built datasets; CSV, access and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy.orm import Session

from helpdesk.models import SlaTarget, Ticket, User, utcnow
from helpdesk.reports import definitions
from tests.factories import make_ticket, make_user
from tests.report_helpers import build_activity, csv_rows, page_tables
from tests.test_report_money import check
from tests.test_web import login

PAGES = ("/reports/", "/reports/activity", "/reports/sla", "/reports/money")
EVIL = '=HYPERLINK("http://evil.example/","Click me")'


def signed_in(client: FlaskClient, session: Session, role: str = "manager") -> User:
    user = make_user(session, role=role)
    assert login(client, user.email).status_code == 302
    return user


def build_backlog(session: Session) -> tuple[User, list[Ticket]]:
    """Four open tickets (one of each age) and a solved one; ann has three of them."""
    now = utcnow()
    ann = make_user(session)
    plan = [  # subject, category, status, age in hours, ann's?, waiting hours
        ("shipping new", "shipping", "new", 2, True, 2),
        ("shipping open", "shipping", "open", 30, True, 30),
        ("warranty pending", "warranty", "pending", 100, True, None),
        (EVIL, "warranty", "open", 200, False, 200),
        ("return solved", "return", "solved", 5, True, None),
    ]
    tickets = []
    for subject, category, status, age, mine, waiting in plan:
        t = make_ticket(session, subject=subject, category=category, status=status)
        t.created_at = now - timedelta(hours=age)
        t.assignee_id = ann.id if mine else None
        t.waiting_since = now - timedelta(hours=waiting) if waiting else None
        tickets.append(t)
    session.commit()
    return ann, tickets


def test_backlog_page_figures(client: FlaskClient, session: Session) -> None:
    ann, tickets = build_backlog(session)
    signed_in(client, session)
    html = client.get("/reports/").get_data(as_text=True)
    tables = page_tables(html)
    assert tables["waiting"] == [
        ["Waiting on", "Open tickets"],
        ["Us", "3"],
        ["The customer", "1"],
        ["Nobody: answered, still open", "0"],
        ["Total", "4"],
    ]
    assert escape(definitions.WAITING_ON_US) in html
    assert tables["category_status"] == [
        ["Category", "New", "Open", "Waiting on customer", "Total"],
        ["Shipping", "1", "1", "0", "2"],
        ["Warranty", "0", "1", "1", "2"],
        ["Total", "1", "2", "1", "4"],
    ]
    assert tables["age"][1:] == [
        ["Under 1 day", "1"],
        ["1-3 days", "1"],
        ["3-7 days", "1"],
        ["Over 7 days", "1"],
    ]
    assert tables["assignee"][1:] == [[ann.name, "3"], ["Unassigned", "1"]]
    oldest = tables["oldest_waiting"][1:]
    assert [(r[0], r[1], r[4]) for r in oldest] == [
        (f"#{tickets[3].number}", EVIL, "200.0"),
        (f"#{tickets[1].number}", "shipping open", "30.0"),
        (f"#{tickets[0].number}", "shipping new", "2.0"),
    ]
    assert f'href="/tickets/{tickets[3].number}"' in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert "Under 1 day: 1, 1-3 days: 1, 3-7 days: 1, Over 7 days: 1" in html  # the chart's desc
    assert "style=" not in html and "<script>" not in html


def test_csv_download_neutralises_formulas(client: FlaskClient, session: Session) -> None:
    _ann, tickets = build_backlog(session)
    signed_in(client, session)
    response = client.get("/reports/?format=csv&table=oldest_waiting")
    assert response.headers["Content-Disposition"].endswith('-oldest_waiting.csv"')
    assert 'filename="backlog-' in response.headers["Content-Disposition"]
    rows = csv_rows(client, "/reports/?format=csv&table=oldest_waiting")
    assert rows[0] == ["Ticket", "Subject", "Customer", "Waiting since", "Hours waiting"]
    assert rows[1][:2] == [str(tickets[3].number), "'" + EVIL]
    assert csv_rows(client, "/reports/?format=csv&table=category_status")[-1] == [
        "Total",
        "1",
        "2",
        "1",
        "4",
    ]
    assert client.get("/reports/?format=csv&table=nope").status_code == 404


def test_activity_page_figures(client: FlaskClient, session: Session) -> None:
    ann, bob = build_activity(session)
    signed_in(client, session)
    path = "/reports/activity?start=2026-11-10&end=2026-11-12"
    html = client.get(path).get_data(as_text=True)
    tables = page_tables(html)
    assert tables["daily"] == [
        ["Day", "Created", "Solved"],
        ["2026-11-10", "3", "1"],
        ["2026-11-11", "0", "1"],
        ["2026-11-12", "1", "2"],
        ["Total", "4", "4"],
    ]
    assert tables["reopen"] == [["Solved", "Reopened", "Reopen rate"], ["4", "1", "25.0%"]]
    assert tables["first_response_category"][1:] == [
        ["Shipping", "2", "2.0 h", "2.8 h"],
        ["Warranty", "1", "2.0 h", "2.0 h"],
    ]
    assert tables["first_response_agent"][1:] == [
        [ann.name, "1", "1.0 h", "1.0 h"],
        [bob.name, "2", "2.5 h", "2.9 h"],
    ]
    assert tables["resolution_agent"][1:] == [
        [ann.name, "2", "1.0 d", "1.5 d"],
        [bob.name, "1", "1.2 d", "1.2 d"],
        ["Unassigned", "1", "2.2 d", "2.2 d"],
    ]
    assert 'value="2026-11-10"' in html and "<polyline" in html
    assert escape(definitions.SOLVED) in html and escape(definitions.FIRST_RESPONSE) in html
    # the page shows a category's label; the CSV keeps its key (stable for scripts)
    rows = csv_rows(client, path + "&format=csv&table=resolution_category")
    assert rows == [
        ["Category", "Tickets", "Median (hours)", "90th percentile (hours)"],
        ["return", "1", "54.0", "54.0"],
        ["shipping", "2", "25.0", "37.0"],
        ["warranty", "1", "30.0", "30.0"],
    ]


def test_sla_page(client: FlaskClient, session: Session) -> None:
    now = utcnow()
    session.add(SlaTarget(category="shipping", first_response_minutes=60, resolution_minutes=1440))
    late = make_ticket(session, subject="late", category="shipping")
    soon = make_ticket(session, subject="soon", category="shipping")
    make_ticket(session, subject="no target", category="general").created_at = now - timedelta(
        days=30
    )
    late.created_at, soon.created_at = now - timedelta(hours=2), now - timedelta(minutes=30)
    session.commit()
    signed_in(client, session, role="admin")
    tables = page_tables(client.get("/reports/sla").get_data(as_text=True))
    assert ["Shipping", "1.0 h", "1.0 d", "calendar time"] in tables["targets"]
    assert ["General", "—", "—", "no target"] in tables["targets"]
    assert tables["summary"][1:] == [["Shipping", "First response", "1", "1"]]
    assert [(r[0], r[1], r[4], r[6], r[7], r[8]) for r in tables["tickets"][1:]] == [
        (f"#{late.number}", "late", "First response", "Breached", "1.0 h", "—"),
        (f"#{soon.number}", "soon", "First response", "Due soon", "—", "30 min"),
    ]


def test_money_page(client: FlaskClient, session: Session) -> None:
    r1 = make_ticket(session, category="return")
    w1 = make_ticket(session, category="warranty")
    facts = {"request": "return", "reason": "changed_mind", "price": "19.99"}
    check(session, r1.id, facts, "refund", "11.49", "3.00")
    check(session, w1.id, {"request": "warranty"}, "replacement", None, None, product="Stand")
    saved = make_ticket(session, category="return")
    check(session, saved.id, facts, "refund", "11.49", "3.00", applied=False)
    session.commit()
    signed_in(client, session)
    html = client.get("/reports/money").get_data(as_text=True)
    tables = page_tables(html)
    assert tables["category"] == [
        [
            "Category",
            "Refunds",
            "Refunded (USD)",
            "Restocking fees charged (USD)",
            "Fees waived, quality (USD)",
            "Warranty replacements",
        ],
        ["Return", "1", "11.49", "3.00", "0.00", "0"],
        ["Warranty", "0", "0.00", "0.00", "0.00", "1"],
        ["Total", "1", "11.49", "3.00", "0.00", "1"],
    ]
    assert [r[0] for r in tables["product"][1:]] == ["Folio case", "Stand", "Total"]
    assert tables["unsent"][1:] == [  # apart: not in the totals above
        ["Return", "1", "11.49", "3.00", "0.00", "0"],
        ["Total", "1", "11.49", "3.00", "0.00", "0"],
    ]
    assert escape(definitions.SAVED_UNSENT) in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-02-30", "is not a date written YYYY-MM-DD, like 2026-11-30"),
        ("end=yesterday", "is not a date written YYYY-MM-DD, like 2026-11-30"),
        ("start=2026-11-12&end=2026-11-10", "must not be after the end date"),
        ("start=2025-01-01&end=2026-11-10", "at most 366 days"),
    ],
)
def test_bad_dates_are_shown_on_the_form(
    client: FlaskClient, session: Session, query: str, message: str
) -> None:
    """The report page again, with the error on its date form and the dates as typed: no
    bare error page, no figures."""
    signed_in(client, session)
    for page in ("/reports/activity", "/reports/money"):
        response = client.get(f"{page}?{query}")
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert '<p class="field-error" id="range-error" role="alert">' in html
        assert message in html
        assert 'aria-invalid="true" aria-describedby="range-error"' in html
        assert 'class="report-nav"' in html and "Show this date range" in html
        assert "Download CSV" not in html
        for name, value in (p.split("=") for p in query.split("&")):
            assert f'name="{name}" type="date" value="{value}"' in html


def test_only_managers_and_admins_see_reports(client: FlaskClient, session: Session) -> None:
    for path in PAGES:
        assert "/login" in client.get(path).headers["Location"]
    signed_in(client, session, role="agent")
    assert 'href="/reports/"' not in client.get("/").get_data(as_text=True)
    for path in (*PAGES, "/reports/?format=csv&table=age"):
        assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_reports_link_and_pages_for_managers(
    client: FlaskClient, session: Session, role: str
) -> None:
    signed_in(client, session, role=role)
    assert 'href="/reports/"' in client.get("/").get_data(as_text=True)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Nothing to show." in response.get_data(as_text=True) or path == "/reports/sla"


def test_sla_page_names_bad_business_hours(client: FlaskClient, session: Session) -> None:
    client.application.config["HELPDESK_BUSINESS_HOURS"] = "nine to five"
    signed_in(client, session)
    response = client.get("/reports/sla")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "business-hours settings are not valid" in text and "Traceback" not in text


def test_runs_of_empty_days_fold_into_one_row(client: FlaskClient, session: Session) -> None:
    """On the page; the CSV keeps one row a day for spreadsheets."""
    build_activity(session)
    signed_in(client, session)
    path = "/reports/activity?start=2026-11-05&end=2026-11-20"
    tables = page_tables(client.get(path).get_data(as_text=True))
    assert tables["daily"] == [
        ["Day", "Created", "Solved"],
        ["No activity 5\u20138 Nov"],
        ["2026-11-09", "1", "0"],
        ["2026-11-10", "3", "1"],
        ["2026-11-11", "0", "1"],
        ["2026-11-12", "1", "2"],
        ["No activity 13\u201319 Nov"],
        ["2026-11-20", "1", "0"],
        ["Total", "6", "4"],
    ]
    rows = csv_rows(client, path + "&format=csv&table=daily")
    assert len(rows) == 1 + 16 + 1 and rows[1] == ["2026-11-05", "0", "0"]
