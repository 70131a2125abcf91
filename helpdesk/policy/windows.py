"""Calendar windows and money arithmetic of the policy (dates are the store's local dates)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

RETURN_WINDOW_DAYS = 30
WARRANTY_MONTHS = {"standard": 3, "electronic": 12}
RESTOCKING_RATE = Decimal("0.15")
# The rate as people read it: "15%".
RESTOCKING_PERCENT = f"{(RESTOCKING_RATE * 100).normalize():f}%"
CREDIT_BUSINESS_DAYS = (5, 7)
ZERO = Decimal("0.00")
_CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """Rounded half-up to cents."""
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def return_window_end(purchase_date: date) -> date:
    """The last day a money-back or exchange request is accepted (both ends inclusive)."""
    return purchase_date + timedelta(days=RETURN_WINDOW_DAYS)


def warranty_end(delivery_date: date, product_type: str) -> date:
    """The last covered day: the same day of the month N months later, clamped to month end."""
    return delivery_date + relativedelta(months=WARRANTY_MONTHS[product_type])


def add_business_days(start: date, days: int) -> date:
    """The `days`-th Monday-to-Friday day after `start` (`start` itself is not counted)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current
