"""Reply templates, agents' replies and internal notes: the one write path for them.

Functions take explicit arguments and never commit; the caller owns the transaction.
Templates are Jinja run in a sandbox; text from customers only ever enters as values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.acks import ack_subject
from helpdesk.models import (
    CATEGORIES,
    Message,
    OutboxMail,
    PolicyCheck,
    ReplyTemplate,
    Ticket,
    User,
    utcnow,
)
from helpdesk.outbox import sender
from helpdesk.outbox.services import queue_reply_message
from helpdesk.replies.defaults import DEFAULT_TEMPLATES
from helpdesk.tickets.services import add_message, change_status, record_event

REPLY_STATUSES = ("pending", "open", "solved", "closed")
DEFAULT_REPLY_STATUS = "pending"
VERDICT_FIELDS = (
    "decision",
    "refund_amount",
    "restocking_fee",
    "return_shipping_paid_by",
    "deadline",
    "refund_expected_by",
    "missing",
    "reasons",
)
TICKET_FIELDS = ("customer_name", "ticket_number", "order_number", "agent_name", "store_name")
VARIABLES = TICKET_FIELDS + VERDICT_FIELDS
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
MAX_TEXT = 100_000
MAX_BODY = 20_000
# The facts a verdict may list as missing (helpdesk/policy), as a customer reads them;
# any other name prints with its underscores as spaces.
FACT_LABELS = {
    "request": "whether you would like a refund, an exchange or a replacement",
    "reason": "the reason for your request",
    "channel": "where you bought the item",
    "product_type": "the product name",
    "product_name": "the product name",
    "order_number": "your order ID",
    "purchase_date": "the order date",
    "delivery_date": "the date the order was delivered",
    "request_date": "the date you first wrote to us about this",
    "condition": "the condition of the item (new and unopened, opened, or damaged)",
    "price": "the price you paid",
    "return_shipping_cost": "the return shipping cost",
    "has_photo": "a photo of the item you received",
    "wants_refund": "whether you would like your money back",
    "problem": "a description of the problem",
}


class ReplyError(ValueError):
    """A reply, note or template that cannot be saved (the message says why; `field`
    names the field when it is one)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TemplateProblem(ReplyError):
    """A template that does not compile or render in the sandbox."""


class NewMessagesSince(Exception):
    """The customer wrote after the agent opened the ticket; nothing was sent."""

    def __init__(self, messages: list[Message]) -> None:
        super().__init__(f"{len(messages)} new message(s) from the customer")
        self.messages = messages


@dataclass(frozen=True)
class ReplySettings:
    """What sending needs from the app's configuration."""

    support_address: str
    store_name: str
    message_id_domain: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReplySettings:
        return cls(
            support_address=str(config["HELPDESK_SUPPORT_ADDRESS"]).lower(),
            store_name=str(config["HELPDESK_STORE_NAME"]),
            message_id_domain=str(config["HELPDESK_MESSAGE_ID_DOMAIN"]).lower(),
        )


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, also refusing arithmetic that would build huge values."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            sizes = [len(v) for v in (left, right) if isinstance(v, str | list | tuple)]
            counts = [v for v in (left, right) if isinstance(v, int)]
            if sizes and counts and sizes[0] * abs(counts[0]) > MAX_TEXT:
                raise SecurityError("repeated value too large")
        return super().call_binop(context, operator, left, right)


# Plain-text email: no autoescape; an unknown name renders empty (no StrictUndefined).
_ENV = _Sandbox(autoescape=False, keep_trailing_newline=True)


def check_template(body: str) -> None:
    """Raise TemplateProblem unless `body` compiles in the sandbox."""
    if len(body) > MAX_BODY:
        raise TemplateProblem(f"The template is longer than {MAX_BODY} characters.")
    try:
        tree = _ENV.parse(body)
        _ENV.compile(tree)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"Template error on line {exc.lineno}: {exc.message}") from None
    if tree.find(nodes.Extends | nodes.Include | nodes.Import | nodes.FromImport):
        raise TemplateProblem("A reply template cannot extend, include or import others.")


def render_text(body: str, variables: Mapping[str, str]) -> str:
    """Render a template body with `variables` as values; errors become TemplateProblem."""
    check_template(body)
    try:
        text = _ENV.from_string(body).render(dict(variables))
    except SecurityError as exc:
        raise TemplateProblem(f"The template uses something not allowed: {exc}") from None
    except TemplateError as exc:
        raise TemplateProblem(f"The template could not be rendered: {exc}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
        raise TemplateProblem(f"The template could not be rendered: {exc}") from None
    if len(text) > MAX_TEXT:
        raise TemplateProblem("The rendered text is too long.")
    return text


def latest_policy_check(session: Session, ticket: Ticket) -> PolicyCheck | None:
    return session.scalar(
        select(PolicyCheck)
        .where(PolicyCheck.ticket_id == ticket.id)
        .order_by(PolicyCheck.created_at.desc(), PolicyCheck.id.desc())
        .limit(1)
    )


def verdict_of(check: PolicyCheck | None) -> dict[str, Any]:
    """The check's verdict JSON as a dict; anything unreadable is an empty dict."""
    if check is None:
        return {}
    try:
        data = json.loads(check.verdict or "")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _money(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"
    except (InvalidOperation, ValueError):
        return str(value)


def _day(value: Any) -> str:
    if not value:
        return ""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day:%B} {day.day}, {day.year}"


def _item_text(item: Any) -> str:
    if isinstance(item, dict):
        for name in ("text", "message", "reason", "detail", "fact", "name"):
            if item.get(name):
                return str(item[name])
    return "" if item is None else str(item)


def _missing(value: Any) -> str:
    items = value if isinstance(value, list | tuple) else [value] if value else []
    labels = [FACT_LABELS.get(_item_text(i), _item_text(i).replace("_", " ")) for i in items]
    return ", ".join(dict.fromkeys(label for label in labels if label))


def _reasons(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "\n".join(f"- {_item_text(r)}" for r in value if _item_text(r))
    return _item_text(value)


def verdict_variables(check: PolicyCheck | None) -> dict[str, str]:
    """The verdict's fields as text; a field the verdict lacks is an empty string."""
    verdict = verdict_of(check)
    if check is not None:
        verdict.setdefault("decision", check.decision)
        verdict.setdefault("refund_amount", check.refund_amount)
        verdict.setdefault("restocking_fee", check.restocking_fee)
    paid_by = verdict.get("return_shipping_paid_by")
    return {
        "decision": _item_text(verdict.get("decision")),
        "refund_amount": _money(verdict.get("refund_amount")),
        "restocking_fee": _money(verdict.get("restocking_fee")),
        "return_shipping_paid_by": "" if paid_by is None else str(paid_by),
        "deadline": _day(verdict.get("deadline")),
        "refund_expected_by": _day(verdict.get("refund_expected_by")),
        "missing": _missing(verdict.get("missing")),
        "reasons": _reasons(verdict.get("reasons")),
    }


def template_variables(
    session: Session, ticket: Ticket, *, agent_name: str, store_name: str
) -> dict[str, str]:
    """Every variable a template may use, all plain strings."""
    return {
        "customer_name": ticket.customer.name or "",
        "ticket_number": str(ticket.number),
        "order_number": ticket.order_number or "",
        "agent_name": agent_name,
        "store_name": store_name,
        **verdict_variables(latest_policy_check(session, ticket)),
    }


def active_templates(session: Session) -> list[ReplyTemplate]:
    return list(
        session.scalars(
            select(ReplyTemplate)
            .where(ReplyTemplate.active.is_(True))
            .order_by(ReplyTemplate.position, ReplyTemplate.id)
        )
    )


def suggested_key(session: Session, ticket: Ticket, templates: list[ReplyTemplate]) -> str | None:
    """The latest verdict's template if active, else the first for the ticket's category."""
    keys = {t.key for t in templates}
    wanted = verdict_of(latest_policy_check(session, ticket)).get("template")
    if isinstance(wanted, str) and wanted in keys:
        return wanted
    for template in templates:
        if template.category == ticket.category:
            return template.key
    return "general" if "general" in keys else None


def uses_verdict(template: ReplyTemplate, verdict: Mapping[str, Any]) -> bool:
    """Whether replying with `template` applies the verdict: suggested by it, or uses it."""
    if verdict.get("template") == template.key:
        return True
    try:
        names = meta.find_undeclared_variables(_ENV.parse(template.body))
    except TemplateSyntaxError:
        return False
    return bool(names & set(VERDICT_FIELDS))


def seed_templates(session: Session) -> int:
    """Add the default templates when there are none; returns how many were added."""
    if session.scalar(select(func.count(ReplyTemplate.id))):
        return 0
    for index, (key, name, category, body) in enumerate(DEFAULT_TEMPLATES, start=1):
        session.add(
            ReplyTemplate(
                key=key, name=name, category=category, body=body, position=index * 10, active=True
            )
        )
    session.flush()
    return len(DEFAULT_TEMPLATES)


def _check_fields(name: str, category: str | None, body: str) -> None:
    if not name.strip():
        raise ReplyError("Give the template a name.")
    if category is not None and category not in CATEGORIES:
        raise ReplyError(f"Unknown category {category!r}.")
    if not body.strip():
        raise ReplyError("The template body is empty.")
    check_template(body)


def create_template(
    session: Session,
    *,
    key: str,
    name: str,
    category: str | None,
    body: str,
    active: bool = True,
    position: int | None = None,
) -> ReplyTemplate:
    """A new template; the key is lowercase letters, digits and underscores, and unique."""
    if not KEY_PATTERN.match(key):
        raise ReplyError("The key uses lowercase letters, digits and _ and starts with a letter.")
    if session.scalar(select(ReplyTemplate.id).where(ReplyTemplate.key == key)) is not None:
        raise ReplyError(f"A template with the key {key!r} exists already.")
    _check_fields(name, category, body)
    if position is None:
        position = (session.scalar(select(func.max(ReplyTemplate.position))) or 0) + 10
    template = ReplyTemplate(
        key=key,
        name=name.strip(),
        category=category,
        body=body,
        active=active,
        position=position,
        updated_at=utcnow(),
    )
    session.add(template)
    session.flush()
    return template


def update_template(
    session: Session,
    template: ReplyTemplate,
    *,
    name: str,
    category: str | None,
    body: str,
    active: bool,
    position: int | None = None,
) -> None:
    """Change a template's name, category, body, active flag (and position)."""
    _check_fields(name, category, body)
    template.name, template.category, template.body = name.strip(), category, body
    template.active = active
    if position is not None:
        template.position = position
    template.updated_at = utcnow()


def newer_inbound(session: Session, ticket: Ticket, seen_message_id: int | None) -> list[Message]:
    """Mail from people on the ticket that arrived after message `seen_message_id`."""
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.ticket_id == ticket.id,
                Message.direction == "inbound",
                Message.automatic.is_(False),
                Message.id > (seen_message_id or 0),
            )
            .order_by(Message.id)
        )
    )


def reply_parent(session: Session, ticket: Ticket) -> Message | None:
    """The message a reply threads under: the latest inbound mail, else the latest mail."""
    base = select(Message).where(
        Message.ticket_id == ticket.id,
        Message.message_id.is_not(None),
        Message.direction != "note",
        Message.delivery_failure.is_(False),
    )
    inbound = base.where(Message.direction == "inbound").order_by(Message.id.desc()).limit(1)
    return session.scalar(inbound) or session.scalar(base.order_by(Message.id.desc()).limit(1))


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return text.rstrip() + "\n" if text.strip() else ""


def send_reply(
    session: Session,
    ticket: Ticket,
    *,
    author: User,
    text: str,
    seen_message_id: int | None,
    settings: ReplySettings,
    status: str = DEFAULT_REPLY_STATUS,
    template_key: str | None = None,
) -> Message:
    """Queue the agent's reply to the customer, threaded, and set the ticket's status.

    Raises NewMessagesSince (sending nothing) when the customer wrote after message
    `seen_message_id`, so the agent reads it first.
    """
    text = _clean(text)
    if not text:
        raise ReplyError("Write a reply before sending it.", "text")
    if len(text) > MAX_TEXT:
        raise ReplyError("The reply is too long.", "text")
    if status not in REPLY_STATUSES:
        raise ReplyError(f"Unknown status {status!r}.", "status")
    # Wait for a mail being ingested for this ticket right now (PostgreSQL row lock).
    session.execute(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    newer = newer_inbound(session, ticket, seen_message_id)
    if newer:
        raise NewMessagesSince(newer)
    parent = reply_parent(session, ticket)
    message = queue_reply_message(
        session,
        ticket,
        kind="reply",
        from_address=settings.support_address,
        from_name=author.name,
        to_address=ticket.customer.email,
        subject=ack_subject(ticket.subject),
        text=text,
        message_id_domain=settings.message_id_domain,
        parent_id=parent.message_id if parent else None,
        parent_references=parent.references.split() if parent else (),
        automatic=False,
        author_id=author.id,
    )
    now = utcnow()
    record_event(
        session,
        ticket,
        "reply",
        actor_id=author.id,
        detail=f"template {template_key}" if template_key else None,
        at=now,
    )
    change_status(session, ticket, status, actor_id=author.id, detail="reply sent")
    ticket.first_response_at = ticket.first_response_at or now
    if template_key:
        _mark_applied(session, ticket, template_key)
    return message


def _mark_applied(session: Session, ticket: Ticket, template_key: str) -> None:
    check = latest_policy_check(session, ticket)
    template = session.scalar(select(ReplyTemplate).where(ReplyTemplate.key == template_key))
    if check is not None and template is not None and uses_verdict(template, verdict_of(check)):
        check.applied = True


def add_note(session: Session, ticket: Ticket, *, author: User, text: str) -> Message:
    """An internal note on the ticket: seen by agents, never emailed."""
    text = _clean(text)
    if not text:
        raise ReplyError("Write a note before adding it.", "text")
    if len(text) > MAX_TEXT:
        raise ReplyError("The note is too long.", "text")
    note = add_message(
        session,
        ticket,
        direction="note",
        sender=author.email,
        sender_name=author.name,
        date=utcnow(),
        text=text,
        author_id=author.id,
    )
    record_event(session, ticket, "note", actor_id=author.id)
    return note


def failed_mail(session: Session, ticket: Ticket) -> list[OutboxMail]:
    return list(
        session.scalars(
            select(OutboxMail)
            .where(OutboxMail.ticket_id == ticket.id, OutboxMail.status == "failed")
            .order_by(OutboxMail.id)
        )
    )


def retry_mail(session: Session, row: OutboxMail, *, actor_id: int | None) -> bool:
    """Queue a failed outbox row again (same Message-ID); False if it had not failed."""
    if row.status != "failed":
        return False
    sender.retry(session, row)
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    if ticket is not None:
        record_event(session, ticket, "mail_retry", actor_id=actor_id, detail=row.kind)
    return True
