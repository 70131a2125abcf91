"""Reply templates rendered in Jinja's sandbox, with the ticket's and the verdict's variables.

Text from customers only ever enters as values, never as template source.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from jinja2 import Template, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import (
    PolicyCheck,
    ReplyTemplate,
    Ticket,
)
from helpdesk.replies.errors import TemplateProblem

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

# What the template editor's preview fills in: a return the policy accepts.
SAMPLE_VARIABLES = {
    "customer_name": "Alex Kim",
    "ticket_number": "1042",
    "order_number": "112-4478120-5533219",
    "agent_name": "Sam Rivera",
    "store_name": "ProCase",
    "decision": "eligible",
    "refund_amount": "24.99",
    "restocking_fee": "0.00",
    "return_shipping_paid_by": "customer",
    "deadline": "April 9, 2026",
    "refund_expected_by": "April 2, 2026",
    "missing": "a photo of the item",
    "reasons": "- Returned within 30 days of delivery\n- Unused, in its original packaging",
}


VARIABLES = TICKET_FIELDS + VERDICT_FIELDS


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


def check_template(body: str) -> Template:
    """The compiled template; raises TemplateProblem unless `body` compiles in the sandbox."""
    if len(body) > MAX_BODY:
        raise TemplateProblem(f"The template is longer than {MAX_BODY} characters.")
    try:
        tree = _ENV.parse(body)
        template = _ENV.from_string(tree)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"Template error on line {exc.lineno}: {exc.message}") from None
    if any(tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport))):
        raise TemplateProblem("A reply template cannot extend, include or import others.")
    return template


def render_text(body: str, variables: Mapping[str, str]) -> str:
    """Render a template body with `variables` as values; errors become TemplateProblem."""
    template = check_template(body)
    try:
        text = template.render(dict(variables))
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


def uses_verdict(template: ReplyTemplate, verdict: Mapping[str, Any]) -> bool:
    """Whether replying with `template` applies the verdict: suggested by it, or uses it."""
    if verdict.get("template") == template.key:
        return True
    try:
        names = meta.find_undeclared_variables(_ENV.parse(template.body))
    except TemplateSyntaxError:
        return False
    return bool(names & set(VERDICT_FIELDS))
