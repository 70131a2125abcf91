"""What a person reads for every key we store: one place for all of them.

Pages and customer mail show `label(kind, key)`, never the key. An unknown key falls back
to a readable form of itself ("wrong_item" -> "Wrong item") so a new key is never shown raw;
`tests/test_labels.py` checks that every known key has a label written here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import Flask
from wtforms.fields.choices import SelectChoice

from helpdesk.models.ticket import CATEGORIES, PRIORITIES
from helpdesk.models.user import ROLES
from helpdesk.models.vocabulary import (
    ALL_STATUSES,
    DIRECTIONS,
    EVENT_KINDS,
    OUTBOX_KINDS,
    OUTBOX_STATUSES,
    OUTCOMES,
)
from helpdesk.policy import words
from helpdesk.policy.facts import (
    CHANNELS,
    CONDITIONS,
    FACT_LABELS,
    FACT_NAMES,
    PRODUCT_TYPES,
    REASONS,
    REQUESTS,
)
from helpdesk.policy.verdict import DECISIONS
from helpdesk.replies.defaults import DEFAULT_TEMPLATES
from mail_ingest.rules import AUTOMATIC_RULES, AUTOMATIC_WORDS

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
    "spam": "Spam",
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
    "forward": "Forwarded",
    "fwd_reply": "Reply to a forward",
}
OUTCOME: Mapping[str, str] = {
    "ticket": "New ticket",
    "reply": "Added to a ticket",
    "ignored": "Ignored",
    "quarantined": "Quarantined",
    "blocked": "Blocked",
}
EVENT_KIND: Mapping[str, str] = {
    "created": "Created",
    "status": "Status",
    "category": "Category",
    "priority": "Priority",
    "assignee_id": "Assignee",
    "order_number": "Order number",
    "reply": "Reply sent",
    "snooze": "Snooze",
    "merge": "Merged",
    "split": "Split",
    "note": "Note added",
    "mail_retry": "Mail retried",
    "policy_check": "Policy checked",
    "automatic": "Automatic mail",
    "not_acknowledged": "Not acknowledged",
    "forward": "Forwarded",
}

ROLE: Mapping[str, str] = {
    "agent": "Agent",
    "manager": "Manager",
    "admin": "Administrator",
}
OUTBOX_STATUS: Mapping[str, str] = {
    "queued": "Waiting to be sent",
    "sending": "Sending",
    "sent": "Sent",
    "failed": "Failed",
}
OUTBOX_KIND: Mapping[str, str] = {
    "ack": "Acknowledgement",
    "reply": "Reply",
    "account": "Account mail",
    "notify": "Notification",
    "forward": "Forward",
}
# What `record_audit` is called with (tests/test_labels.py finds every call's action).
AUDIT_ACTION: Mapping[str, str] = {
    "user.create": "User added",
    "user.role": "Role changed",
    "user.deactivate": "User deactivated",
    "user.reactivate": "User reactivated",
    "user.reset_link": "Password reset link sent",
    "user.password": "Password set from the command line",
    "user.two_factor_off": "Two-factor sign-in turned off",
    "setting.two_factor_required": "Two-factor requirement changed",
    "rule.create": "Rule added",
    "rule.update": "Rule changed",
    "rule.move": "Rule moved",
    "rule.delete": "Rule deleted",
    "sla.update": "SLA targets changed",
    "template.create": "Reply template added",
    "template.update": "Reply template changed",
    "quarantine.reprocess": "Quarantined mail processed again",
    "quarantine.discard": "Quarantined mail discarded",
    "mailbox.connect": "Mailbox connected",
    "ticket.merge": "Ticket merged into another",
    "ticket.split": "Messages split into a new ticket",
    "ticket.spam": "Ticket marked as spam",
    "ticket.not_spam": "Ticket marked as not spam",
    "blocklist.add": "Blocked an address or domain",
    "blocklist.remove": "Unblocked an address or domain",
    "blocked.release": "Blocked mail released",
}
AUDIT_ACTIONS: tuple[str, ...] = tuple(AUDIT_ACTION)
AUDIT_TARGET: Mapping[str, str] = {
    "user": "User",
    "category_rule": "Category rule",
    "sla_target": "SLA target",
    "reply_template": "Reply template",
    "fetched_mail": "Fetched mail",
    "mailbox": "Mailbox",
    "setting": "Setting",
    "ticket": "Ticket",
    "blocked_sender": "Blocklist entry",
}
AUDIT_TARGETS: tuple[str, ...] = tuple(AUDIT_TARGET)
# The store's default reply templates by key (an agent sees the stored template's name).
TEMPLATE: Mapping[str, str] = {key: name for key, name, _, _ in DEFAULT_TEMPLATES}
FACT: Mapping[str, str] = {name: text[:1].upper() + text[1:] for name, text in FACT_LABELS.items()}

# kind -> (labels, the keys that must all have one)
KINDS: dict[str, tuple[Mapping[str, str], tuple[str, ...]]] = {
    "category": (CATEGORY, CATEGORIES),
    "status": (STATUS, ALL_STATUSES),
    "priority": (PRIORITY, PRIORITIES),
    "direction": (DIRECTION, DIRECTIONS),
    "outcome": (OUTCOME, OUTCOMES),
    "event_kind": (EVENT_KIND, EVENT_KINDS),
    "role": (ROLE, ROLES),
    "outbox_status": (OUTBOX_STATUS, OUTBOX_STATUSES),
    "outbox_kind": (OUTBOX_KIND, OUTBOX_KINDS),
    "audit_action": (AUDIT_ACTION, AUDIT_ACTIONS),
    "audit_target": (AUDIT_TARGET, AUDIT_TARGETS),
    "template": (TEMPLATE, tuple(TEMPLATE)),
    "decision": (words.DECISION_LABELS, DECISIONS),
    "request": (words.REQUEST_LABELS, REQUESTS),
    "reason": (words.REASON_LABELS, REASONS),
    "channel": (words.CHANNEL_LABELS, CHANNELS),
    "product_type": (words.PRODUCT_TYPE_LABELS, PRODUCT_TYPES),
    "condition": (words.CONDITION_LABELS, CONDITIONS),
    "payer": (words.PAYER_LABELS, words.PAYERS),
    "fact": (FACT, FACT_NAMES),
    "automatic_rule": (AUTOMATIC_WORDS, AUTOMATIC_RULES),
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


def select_choices(kind: str) -> list[SelectChoice]:
    """The same pairs for a WTForms SelectField."""
    return [SelectChoice(key, text) for key, text in choices(kind)]


def record_words(target_type: str, target_id: str | None) -> str:
    """An audit event's record: "Category rule 7", "SLA target Wrong item"."""
    words = label(target_type, "audit_target")
    if not target_id:
        return words
    shown = label(target_id, "category") if target_type == "sla_target" else target_id
    return f"{words} {shown}"


# Names in an audit event's detail whose values are keys of a vocabulary.
_DETAIL_KINDS = {"category": "category", "role": "role"}


def audit_detail(action: str, detail: str | None) -> list[tuple[str, str]]:
    """An audit event's detail (JSON) as (name, value) words: names humanized, keys of a
    vocabulary labelled, nested values ("old", "new") written out; what is not JSON shown
    as it is."""
    try:
        data = json.loads(detail or "{}")
    except ValueError:
        return [("Detail", detail or "")]
    if not isinstance(data, dict):
        return [("Detail", json.dumps(data))]
    # user.role stores the roles themselves as old and new
    kinds = {**_DETAIL_KINDS, "old": "role", "new": "role"} if action == "user.role" else {}
    kinds = kinds or _DETAIL_KINDS
    return [(humanize(str(k)), _detail_value(str(k), v, kinds)) for k, v in data.items()]


def _detail_value(name: str, value: object, kinds: Mapping[str, str]) -> str:
    if isinstance(value, dict):
        parts = (
            f"{humanize(str(k)).lower()}: {_detail_value(str(k), v, kinds)}"
            for k, v in value.items()
        )
        return "; ".join(parts)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, str):
        return label(value, kinds[name]) if name in kinds else value
    return json.dumps(value)


def register(app: Flask) -> None:
    """`{{ ticket.category|label("category") }}` in templates."""
    app.jinja_env.filters["label"] = label
    app.jinja_env.globals["label_choices"] = choices
    app.jinja_env.globals["audit_detail"] = audit_detail
    app.jinja_env.globals["record_words"] = record_words
