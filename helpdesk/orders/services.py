"""Importing the store's order export, and the policy facts a ticket's order gives.

None of these commit; the caller owns the transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpdesk.models import Attachment, Direction, Message, Order, OrderItem, Ticket
from helpdesk.params import ParamError, parse_date
from helpdesk.policy import CHANNELS, FACT_NAMES, PRODUCT_TYPES

COLUMNS = (
    "order_number",
    "channel",
    "purchase_date",
    "delivery_date",
    "customer_email",
    "product_name",
    "product_type",
    "price",
)
REQUEST_FOR_CATEGORY = {"wrong_item": "wrong_item", "warranty": "warranty", "return": "return"}
_CHUNK = 500
# An order dated outside these is a typo or a broken export (year 9999 broke ticket pages).
ORDERS_EARLIEST, ORDERS_LATEST = date(2000, 1, 1), date(2100, 12, 31)


class OrdersFileError(ValueError):
    """A file that cannot be imported at all (the message says why)."""


@dataclass
class ImportReport:
    orders_created: int = 0
    orders_updated: int = 0
    items: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


@dataclass
class _OrderRow:
    line: int
    number: str
    channel: str
    purchase_date: date
    delivery_date: date | None
    customer_email: str
    product_name: str
    product_type: str
    price: Decimal


def read_orders_csv(text: str) -> Iterator[dict[str, str]]:
    """The rows of a CSV export (header line first); OrdersFileError when columns are missing."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    lacking = [c for c in COLUMNS if c not in header]
    if lacking:
        raise OrdersFileError(f"the header lacks the column(s) {', '.join(lacking)}")
    reader.fieldnames = header
    for row in reader:
        yield {k: v for k, v in row.items() if k is not None}


def normalize_order_number(value: str) -> str:
    """As tickets store it: no leading '#', no spaces (see categories.find_order_number)."""
    return value.strip().lstrip("#").strip()


def import_orders(session: Session, rows: Iterable[Mapping[str, str]]) -> ImportReport:
    """Upsert orders from rows (one per item, line 1 being the header).

    An order's items are replaced by those in the file, so importing twice changes nothing.
    A bad row is reported and skipped; the other rows are still imported.
    """
    report = ImportReport()
    orders: dict[str, list[_OrderRow]] = {}
    for line, raw in enumerate(rows, start=2):
        try:
            row = _parse_row(line, raw)
        except ValueError as exc:
            report.errors.append((line, str(exc)))
            continue
        group = orders.setdefault(row.number, [])
        if group and (conflict := _conflict(group[0], row)):
            report.errors.append((line, f"{conflict} differs from line {group[0].line}"))
            continue
        group.append(row)
    numbers = list(orders)
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start : start + _CHUNK]
        existing = {
            order.number: order
            for order in session.scalars(
                select(Order).where(Order.number.in_(chunk)).options(selectinload(Order.items))
            )
        }
        for number in chunk:
            group = orders[number]
            order = existing.get(number)
            if order is None:
                order = Order(number=number)
                session.add(order)
                report.orders_created += 1
            else:
                report.orders_updated += 1
            _apply(order, group)
            report.items += len(group)
        session.flush()
    return report


def _parse_row(line: int, raw: Mapping[str, str]) -> _OrderRow:
    def value(name: str) -> str:
        return (raw.get(name) or "").strip()

    number = normalize_order_number(value("order_number"))
    if not number or len(number) > 40:
        raise ValueError("order_number is empty or longer than 40 characters")
    channel = value("channel")
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    email = value("customer_email").lower()
    if "@" not in email:
        raise ValueError("customer_email is not an email address")
    name = value("product_name")
    if not name:
        raise ValueError("product_name is empty")
    product_type = value("product_type") or "standard"
    if product_type not in PRODUCT_TYPES:
        raise ValueError(f"product_type must be one of {', '.join(PRODUCT_TYPES)}")
    try:
        price = Decimal(value("price").removeprefix("$"))
    except InvalidOperation:
        raise ValueError("price is not a number such as 19.99") from None
    if not price.is_finite() or price < 0 or price != price.quantize(Decimal("0.01")):
        raise ValueError("price must be 0 or more, with at most 2 decimals")
    purchase = _date(value("purchase_date"), "purchase_date")
    if purchase is None:
        raise ValueError("purchase_date is empty")
    delivery = _date(value("delivery_date"), "delivery_date")
    if delivery is not None and delivery < purchase:
        raise ValueError("delivery_date is before purchase_date")
    return _OrderRow(
        line, number, channel, purchase, delivery, email, name[:300], product_type, price
    )


def _date(text: str, name: str) -> date | None:
    try:
        return parse_date(text, name, ORDERS_EARLIEST, ORDERS_LATEST)
    except ParamError as exc:
        raise ValueError(exc.message) from None


def _conflict(first: _OrderRow, row: _OrderRow) -> str | None:
    """The order-level column in which two rows of one order disagree."""
    for name in ("channel", "purchase_date", "delivery_date", "customer_email"):
        if getattr(first, name) != getattr(row, name):
            return name
    return None


def _apply(order: Order, group: list[_OrderRow]) -> None:
    first = group[0]
    order.channel = first.channel
    order.purchase_date = first.purchase_date
    order.delivery_date = first.delivery_date
    order.customer_email = first.customer_email
    order.items = [
        OrderItem(product_name=r.product_name, product_type=r.product_type, price=r.price)
        for r in group
    ]


@dataclass(frozen=True)
class Prefill:
    """Facts known from a ticket and its order; `order_found` is None when the ticket has
    no order number, else whether that number is among the imported orders."""

    facts: dict[str, object]
    order_found: bool | None


def find_order(session: Session, number: str) -> Order | None:
    """The imported order with this number (as a ticket or an agent wrote it), with items."""
    return session.scalar(
        select(Order)
        .where(Order.number == normalize_order_number(number))
        .options(selectinload(Order.items))
    )


def order_known(session: Session, number: str) -> bool:
    """Whether an order with this number was imported (one query)."""
    found = session.scalar(
        select(Order.id).where(Order.number == normalize_order_number(number)).limit(1)
    )
    return found is not None


def facts_for_ticket(session: Session, ticket: Ticket, store_timezone: str) -> dict[str, object]:
    """Policy facts known from the ticket and its order (every fact name; None = unknown)."""
    return prefill_for_ticket(session, ticket, store_timezone).facts


def prefill_for_ticket(session: Session, ticket: Ticket, store_timezone: str) -> Prefill:
    """Policy facts known from the ticket and its order, and whether the order was found.

    Items: one product type across the order gives the sum of the prices; mixed types give
    the first item, which the agent can correct.
    """
    facts: dict[str, object] = dict.fromkeys(FACT_NAMES)
    facts["request"] = REQUEST_FOR_CATEGORY.get(ticket.category)
    facts["request_date"] = ticket.first_contact_at.astimezone(ZoneInfo(store_timezone)).date()
    facts["order_number"] = ticket.order_number
    facts["has_photo"] = (
        session.scalar(
            select(Attachment.id)
            .join(Message, Message.id == Attachment.message_pk)
            .where(
                Message.ticket_id == ticket.id,
                Message.direction == Direction.INBOUND,
                Attachment.content_type.like("image/%"),
            )
            .limit(1)
        )
        is not None
    )
    if not ticket.order_number:
        return Prefill(facts, None)
    order = find_order(session, ticket.order_number)
    if order is None:
        return Prefill(facts, False)
    facts.update(
        channel=order.channel,
        purchase_date=order.purchase_date,
        delivery_date=order.delivery_date,
    )
    if order.items:
        types = {item.product_type for item in order.items}
        items = order.items if len(types) == 1 else order.items[:1]
        facts.update(
            product_type=items[0].product_type,
            price=sum((item.price for item in items), Decimal("0.00")),
            product_name=", ".join(item.product_name for item in items)[:300],
        )
    return Prefill(facts, True)
