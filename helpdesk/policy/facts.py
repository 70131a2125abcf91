"""The facts a verdict is computed from (docs/policy.md), and parsing them from loose input."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal

from helpdesk.params import EARLIEST_DAY, LATEST_DAY, day_in_range

REQUESTS = ("return", "exchange", "warranty", "wrong_item")
REASONS = (
    "defective",
    "missing_item",
    "wrong_item",
    "our_error",
    "changed_mind",
    "wrong_model",
    "accidental_order",
    "wrong_address",
    "misuse",
    "accident",
)
QUALITY_REASONS = ("defective", "missing_item", "wrong_item", "our_error")
CHANNELS = ("procase.com", "amazon", "unauthorized_reseller")
PRODUCT_TYPES = ("standard", "electronic")
CONDITIONS = ("new_unopened", "opened", "damaged")

CHOICES: dict[str, tuple[str, ...]] = {
    "request": REQUESTS,
    "reason": REASONS,
    "channel": CHANNELS,
    "product_type": PRODUCT_TYPES,
    "condition": CONDITIONS,
}
DATE_FACTS = ("purchase_date", "delivery_date", "request_date")
MONEY_FACTS = ("price", "return_shipping_cost")
BOOL_FACTS = ("has_photo", "wants_refund")
TEXT_FACTS = ("product_name", "order_number")
TEXT_MAX = {"product_name": 300, "order_number": 40}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONEY = re.compile(r"\d+(\.\d{1,2})?")
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_BLANK = {"", "unknown", "none", "null"}


class FactsError(ValueError):
    """An invalid fact: `field` names it, `message` says what is wrong, for a person."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Facts:
    """What is known about a request; None means nobody has entered it (missing)."""

    request: str | None = None
    reason: str | None = None
    channel: str | None = None
    product_type: str | None = None
    purchase_date: date | None = None
    delivery_date: date | None = None
    request_date: date | None = None
    condition: str | None = None
    price: Decimal | None = None
    return_shipping_cost: Decimal | None = None
    has_photo: bool | None = None
    wants_refund: bool | None = None
    product_name: str | None = None
    order_number: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: dates YYYY-MM-DD, money as decimal strings; `parse_facts` reads it back."""
        out: dict[str, object] = {}
        for name in FACT_NAMES:
            value = getattr(self, name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            out[name] = value
        return out


FACT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Facts))
FACT_LABELS = {
    "request": "request",
    "reason": "reason",
    "channel": "where it was bought",
    "product_type": "product type",
    "purchase_date": "purchase date",
    "delivery_date": "delivery date",
    "request_date": "request date",
    "condition": "item condition",
    "price": "price",
    "return_shipping_cost": "return shipping cost",
    "has_photo": "photo of the item received",
    "wants_refund": "customer wants money back",
    "product_name": "product name",
    "order_number": "order number",
}


def parse_facts(data: Mapping[str, object]) -> Facts:
    """Facts from strings or Python values (form, JSON, prefill); unknown keys are ignored.

    None, blank and "unknown" mean missing. Raises FactsError for a value that is not
    allowed, including dates out of order (delivered or asked before the purchase).
    """
    values: dict[str, object] = {}
    for name in FACT_NAMES:
        raw = data.get(name)
        if _is_blank(raw):
            continue
        if name in CHOICES:
            values[name] = _choice(name, raw)
        elif name in DATE_FACTS:
            values[name] = _date(name, raw)
        elif name in MONEY_FACTS:
            values[name] = _money(name, raw)
        elif name in BOOL_FACTS:
            values[name] = _bool(name, raw)
        else:
            values[name] = _text(name, raw)
    facts = Facts(**values)  # type: ignore[arg-type]
    _check_order(facts)
    return facts


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in _BLANK)


def _choice(name: str, raw: object) -> str:
    allowed = CHOICES[name]
    value = raw.strip() if isinstance(raw, str) else raw
    if value not in allowed:
        raise FactsError(name, f"must be one of {', '.join(allowed)}")
    return str(value)


def _date(name: str, raw: object) -> date:
    if isinstance(raw, datetime):
        raise FactsError(name, "must be a date, not a date and time")
    if isinstance(raw, str) and _DATE.fullmatch(raw.strip()):
        try:
            raw = date.fromisoformat(raw.strip())
        except ValueError:
            raise FactsError(name, "must be a date written YYYY-MM-DD") from None
    if isinstance(raw, date):
        if not day_in_range(raw):  # the windows add days: year 9999 would overflow
            raise FactsError(name, f"must be a date from {EARLIEST_DAY} to {LATEST_DAY}")
        return raw
    raise FactsError(name, "must be a date written YYYY-MM-DD")


def _money(name: str, raw: object) -> Decimal:
    text = "" if isinstance(raw, bool) else str(raw).strip().removeprefix("$").strip()
    if not _MONEY.fullmatch(text):
        raise FactsError(name, "must be an amount of 0 or more, such as 19.99 (at most 2 decimals)")
    return Decimal(text)


def _bool(name: str, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FactsError(name, "must be yes or no")


def _text(name: str, raw: object) -> str:
    text = " ".join(str(raw).split())
    if len(text) > TEXT_MAX[name]:
        raise FactsError(name, f"must be at most {TEXT_MAX[name]} characters")
    return text


def _check_order(facts: Facts) -> None:
    if facts.purchase_date is None:
        return
    if facts.delivery_date is not None and facts.delivery_date < facts.purchase_date:
        raise FactsError("delivery_date", "is before the purchase date")
    if facts.request_date is not None and facts.request_date < facts.purchase_date:
        raise FactsError("request_date", "is before the purchase date")
