"""What a person reads for every key we store: one place for all of them.

Pages and customer mail show `label(kind, key)`, never the key. An unknown key falls back
to a readable form of itself ("wrong_item" -> "Wrong item") so a new key is never shown raw;
`tests/test_labels.py` checks that every known key has a label written here.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from helpdesk.models.ticket import CATEGORIES, PRIORITIES
from helpdesk.models.vocabulary import DIRECTIONS, EVENT_KINDS, OUTCOMES, STATUSES

CATEGORY: Mapping[str, str] = {
    "wrong_item": "Wrong item",
    "warranty": "Warranty",
    "return": "Return",
    "shipping": "Shipping",
    "promotion": "Promotion",
    "partnership": "Partnership",
    "general": "General",
}
STATUS: Mapping[str, str] = {
    "new": "New",
    "open": "Open",
    "pending": "Waiting on customer",
    "solved": "Solved",
    "closed": "Closed",
}
PRIORITY: Mapping[str, str] = {
    "low": "Low",
    "normal": "Normal",
    "high": "High",
    "urgent": "Urgent",
}
DIRECTION: Mapping[str, str] = {
    "inbound": "Customer",
    "outbound": "Reply",
    "note": "Internal note",
}
OUTCOME: Mapping[str, str] = {
    "ticket": "New ticket",
    "reply": "Added to a ticket",
    "ignored": "Ignored",
    "quarantined": "Quarantined",
}
EVENT_KIND: Mapping[str, str] = {
    "created": "Created",
    "status": "Status",
    "category": "Category",
    "priority": "Priority",
    "assignee_id": "Assignee",
    "order_number": "Order number",
    "reply": "Reply sent",
    "note": "Note added",
    "mail_retry": "Mail retried",
    "policy_check": "Policy checked",
    "automatic": "Automatic mail",
    "not_acknowledged": "Not acknowledged",
}

# kind -> (labels, the keys that must all have one)
KINDS: dict[str, tuple[Mapping[str, str], tuple[str, ...]]] = {
    "category": (CATEGORY, CATEGORIES),
    "status": (STATUS, STATUSES),
    "priority": (PRIORITY, PRIORITIES),
    "direction": (DIRECTION, DIRECTIONS),
    "outcome": (OUTCOME, OUTCOMES),
    "event_kind": (EVENT_KIND, EVENT_KINDS),
}


def humanize(key: str) -> str:
    """The fallback for a key nobody labelled: "wrong_item" -> "Wrong item"."""
    words = str(key).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def label(key: object, kind: str) -> str:
    """The words for `key` of `kind` ("category", "status", ...); None reads as ""."""
    if key is None:
        return ""
    labels, _ = KINDS[kind]
    return labels.get(str(key)) or humanize(str(key))


def choices(kind: str) -> list[tuple[str, str]]:
    """(key, label) pairs in the vocabulary's order, for select fields."""
    labels, keys = KINDS[kind]
    return [(key, labels.get(key) or humanize(key)) for key in keys]


def register(app: Flask) -> None:
    """`{{ ticket.category|label("category") }}` in templates."""
    app.jinja_env.filters["label"] = label
    app.jinja_env.globals["label_choices"] = choices
