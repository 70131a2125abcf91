"""Importing the order export, and the policy facts a ticket's order gives."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.commands.orders import orders as orders_command
from helpdesk.models import Order, OrderItem, Ticket
from helpdesk.orders.services import (
    OrdersFileError,
    facts_for_ticket,
    import_orders,
    read_orders_csv,
)
from tests.admin_helpers import sign_in
from tests.factories import make_ticket
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail

HEADER = (
    "order_number,channel,purchase_date,delivery_date,customer_email,product_name,"
    "product_type,price\n"
)
GOOD = (
    "#100001,procase.com,2026-01-05,2026-01-09,Alice@Example.com,iPad Air case,standard,19.99\n"
    "100001,procase.com,2026-01-05,2026-01-09,alice@example.com,Screen protector,standard,9.01\n"
    "100002,amazon,2026-01-06,,bob@example.com,Smart keyboard,electronic,$59.00\n"
)
BAD = (
    "100003,ebay,2026-01-06,,carol@example.com,Case,standard,10.00\n"
    "100004,procase.com,2026-02-30,,carol@example.com,Case,standard,10.00\n"
    "100005,procase.com,2026-01-06,,no-email,Case,standard,10.00\n"
    "100002,procase.com,2026-01-06,,bob@example.com,Stylus,standard,5.00\n"
    "100006,procase.com,2026-01-06,2026-01-01,dan@example.com,Case,standard,10.00\n"
    "100007,procase.com,2026-01-06,,dan@example.com,Case,standard,10.001\n"
    "100008,procase.com,2026-01-06,,dan@example.com,Case,premium,10.00\n"
)


def _items(session: Session, number: str) -> list[tuple[str, str, Decimal]]:
    order = session.scalar(select(Order).where(Order.number == number))
    assert order is not None
    return [(i.product_name, i.product_type, i.price) for i in order.items]


def test_import_groups_items_reports_bad_lines_and_keeps_good_ones(session: Session) -> None:
    report = import_orders(session, read_orders_csv(HEADER + GOOD + BAD))
    session.commit()
    assert (report.orders_created, report.orders_updated, report.items) == (2, 0, 3)
    lines = [line for line, _ in report.errors]
    assert lines == [5, 6, 7, 8, 9, 10, 11]
    reasons = dict(report.errors)
    assert "channel" in reasons[5] and "YYYY-MM-DD" in reasons[6] and "email" in reasons[7]
    assert reasons[8] == "channel differs from line 4"
    assert "before purchase_date" in reasons[9] and "2 decimals" in reasons[10]
    assert "product_type" in reasons[11]
    order = session.scalar(select(Order).where(Order.number == "100001"))
    assert order is not None
    assert (order.channel, order.purchase_date, order.delivery_date, order.customer_email) == (
        "procase.com",
        date(2026, 1, 5),
        date(2026, 1, 9),
        "alice@example.com",
    )
    assert _items(session, "100001") == [
        ("iPad Air case", "standard", Decimal("19.99")),
        ("Screen protector", "standard", Decimal("9.01")),
    ]
    assert _items(session, "100002") == [("Smart keyboard", "electronic", Decimal("59.00"))]


def test_reimport_is_idempotent_and_replaces_items(session: Session) -> None:
    import_orders(session, read_orders_csv(HEADER + GOOD))
    session.commit()
    again = import_orders(session, read_orders_csv(HEADER + GOOD))
    session.commit()
    assert (again.orders_created, again.orders_updated, again.errors) == (0, 2, [])
    assert session.scalar(select(func.count(OrderItem.id))) == 3
    changed = (
        HEADER + "100001,procase.com,2026-01-05,2026-01-10,alice@example.com,Case,standard,25\n"
    )
    import_orders(session, read_orders_csv(changed))
    session.commit()
    assert _items(session, "100001") == [("Case", "standard", Decimal("25.00"))]
    assert session.scalar(select(func.count(OrderItem.id))) == 2
    assert session.scalar(select(func.count(Order.id))) == 2


def test_a_file_without_the_columns_is_refused() -> None:
    with pytest.raises(OrdersFileError, match="price"):
        list(read_orders_csv("order_number,channel\n1,amazon\n"))


def test_import_command_prints_summary_and_bad_lines(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + GOOD + BAD, encoding="utf-8")
    result = app.test_cli_runner().invoke(orders_command, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 orders created, 0 updated, 3 items; 7 bad lines" in result.output
    assert "line 5: channel must be one of" in result.output
    missing = app.test_cli_runner().invoke(orders_command, ["import", str(tmp_path / "no.csv")])
    assert missing.exit_code != 0 and "cannot import" in missing.output
    path.write_bytes(b"\xff\xfe\x00bad")
    assert app.test_cli_runner().invoke(orders_command, ["import", str(path)]).exit_code != 0


def wrong_item_ticket(session: Session) -> Ticket:
    """Orders 100001 (two standard items) and 100002 imported; a wrong-item mail with a photo
    about 100001, written 2026-01-20 22:30 in Los Angeles (and read 8 hours later)."""
    import_orders(session, read_orders_csv(HEADER + GOOD))
    ingest(
        session,
        make_mail(
            subject="Wrong Item Received",
            body="Order #100001, see photo",
            attachments=[("photo.jpg", "image/jpeg", b"\xff\xd8jpeg")],
            date="Tue, 20 Jan 2026 22:30:00 -0800",
        ),
    )
    ticket = session.scalar(select(Ticket))
    assert ticket is not None and ticket.order_number == "100001"
    assert ticket.first_contact_at == datetime(2026, 1, 21, 6, 30, tzinfo=UTC)
    ticket.created_at = datetime(2026, 1, 21, 14, 30, tzinfo=UTC)
    session.commit()
    return ticket


def test_facts_for_ticket_from_order_and_attachments(session: Session) -> None:
    ticket = wrong_item_ticket(session)
    facts = facts_for_ticket(session, ticket, "America/Los_Angeles")
    assert facts["request"] == "wrong_item" and facts["request_date"] == date(2026, 1, 20)
    assert facts_for_ticket(session, ticket, "Europe/Berlin")["request_date"] == date(2026, 1, 21)
    assert facts["has_photo"] is True
    assert facts["channel"] == "procase.com"
    assert (facts["purchase_date"], facts["delivery_date"]) == (date(2026, 1, 5), date(2026, 1, 9))
    assert facts["product_type"] == "standard" and facts["price"] == Decimal("29.00")
    assert facts["product_name"] == "iPad Air case, Screen protector"
    assert facts["order_number"] == "100001"
    assert facts["reason"] is None and facts["condition"] is None


def test_facts_for_ticket_mixed_types_unknown_order_and_no_photo(session: Session) -> None:
    mixed = HEADER + (
        "200001,procase.com,2026-01-05,,a@example.com,Keyboard,electronic,59.00\n"
        "200001,procase.com,2026-01-05,,a@example.com,Case,standard,19.99\n"
    )
    import_orders(session, read_orders_csv(mixed))
    ticket = make_ticket(session, subject="Broken", category="warranty")
    ticket.order_number = "200001"
    facts = facts_for_ticket(session, ticket, "America/Los_Angeles")
    assert facts["request"] == "warranty" and facts["has_photo"] is False
    assert (facts["product_type"], facts["price"], facts["product_name"]) == (
        "electronic",
        Decimal("59.00"),
        "Keyboard",
    )
    assert facts["delivery_date"] is None
    other = make_ticket(session, subject="Where is it?", category="shipping")
    other.order_number = "999999"
    facts = facts_for_ticket(session, other, "America/Los_Angeles")
    assert facts["request"] is None and facts["channel"] is None and facts["price"] is None
    assert facts["order_number"] == "999999"


def test_order_dates_outside_2000_to_2100_are_refused_with_the_line(
    app: Flask, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        HEADER
        + "100010,procase.com,9999-12-31,,erin@example.com,Case,standard,10.00\n"
        + "100011,procase.com,2026-01-06,2101-01-01,erin@example.com,Case,standard,10.00\n"
        + "100012,procase.com,1999-12-31,,erin@example.com,Case,standard,10.00\n"
        + "100013,procase.com,2100-12-30,2100-12-31,erin@example.com,Case,standard,10.00\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(orders_command, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 orders created" in result.output and "3 bad lines" in result.output
    between = "date must be between 2000-01-01 and 2100-12-31"
    assert f"line 2: The purchase_date {between}" in result.output
    assert f"line 3: The delivery_date {between}" in result.output
    assert f"line 4: The purchase_date {between}" in result.output


def test_a_ticket_whose_order_has_a_year_9999_date_still_opens(
    client: FlaskClient, session: Session
) -> None:
    """Imported before dates were checked: the ticket page and the policy panel still work."""
    ticket = wrong_item_ticket(session)
    order = session.scalar(select(Order).where(Order.number == "100001"))
    assert order is not None
    order.purchase_date = order.delivery_date = date(9999, 12, 31)
    session.commit()
    sign_in(client, session, "agent")
    for url in (f"/tickets/{ticket.number}", f"/tickets/{ticket.number}/policy"):
        assert client.get(url).status_code == 200, url
