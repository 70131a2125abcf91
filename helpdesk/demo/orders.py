"""Sample orders for the demo (procase.com and Amazon): the orders the demo mails mention,
dated around today, so the policy panel is prefilled on the demo's tickets."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from helpdesk.orders.services import ImportReport, import_orders

# (order number, channel, days since purchase, days since delivery or None, customer,
#  [(product, product type, price)]); the mail naming each order is in demo/mails.py.
_ORDERS: tuple[tuple[str, str, int, int | None, str, list[tuple[str, str, str]]], ...] = (
    ("204377", "procase.com", 9, 0, "emily.carter@gmail.com",
     [("ProCase iPad Air 5 folio case, navy", "standard", "34.99")]),
    ("204518", "procase.com", 125, 120, "m.nguyen@outlook.com",
     [("ProCase iPad 10th Gen keyboard case, black", "electronic", "59.99")]),
    ("112-4455667-8899001", "amazon", 12, 8, "sarahj1987@yahoo.com",
     [("Rugged case for Galaxy S23", "standard", "19.99")]),
    ("205102", "procase.com", 8, None, "dkim.design@gmail.com",
     [("iPhone 15 tempered glass screen protector", "standard", "12.99"),
      ("MagSafe leather wallet", "standard", "24.99")]),
    ("205877", "procase.com", 20, 15, "robert.chen@comcast.net",
     [("Aluminum tablet stand", "standard", "39.99")]),
    ("205233", "procase.com", 10, 4, "laura.schmidt@web.de",
     [("Galaxy S24 Ultra slim case, black", "standard", "24.99")]),
    ("205311", "procase.com", 7, None, "maria.gonzalez77@hotmail.com",
     [("Galaxy Tab S9 rugged case", "standard", "29.99")]),
    ("205640", "procase.com", 6, 2, "brian.walsh@yahoo.com",
     [("iPad Pro 11 inch case", "standard", "44.99")]),
)  # fmt: skip


def _january(today: date) -> date:
    """The mail says the USB-C hub was bought "in January": this year's, or last year's."""
    this_year = date(today.year, 1, 10)
    return this_year if this_year <= today - timedelta(days=14) else date(today.year - 1, 1, 10)


def demo_order_rows(today: date) -> list[dict[str, str]]:
    """The sample orders as rows of the order export (helpdesk orders import), one per item."""
    rows = []
    hub_bought = _january(today)
    orders = [
        *_ORDERS,
        (
            "204902",
            "procase.com",
            (today - hub_bought).days,
            (today - hub_bought).days - 4,
            "jimoconnor@gmail.com",
            [("7-in-1 USB-C hub", "electronic", "49.99")],
        ),
    ]
    for number, channel, bought, delivered, email, items in orders:
        for product, product_type, price in items:
            rows.append(
                {
                    "order_number": number,
                    "channel": channel,
                    "purchase_date": (today - timedelta(days=bought)).isoformat(),
                    "delivery_date": ""
                    if delivered is None
                    else (today - timedelta(days=delivered)).isoformat(),
                    "customer_email": email,
                    "product_name": product,
                    "product_type": product_type,
                    "price": price,
                }
            )
    return rows


def import_demo_orders(session: Session, today: date) -> ImportReport:
    """Import (or refresh, dated from `today`) the sample orders; does not commit."""
    return import_orders(session, demo_order_rows(today))
