"""Reply templates rendered in Jinja's sandbox, with the ticket's and the verdict's variables.

Text from customers only ever enters as values, never as template source.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from jinja2 import Template, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError

from helpdesk.models import ReplyTemplate, Ticket
from helpdesk.policy import Verdict
from helpdesk.replies.errors import TemplateProblem
from helpdesk.replies.sandbox import BoundedSandbox, render

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

# What the template editor's preview fills in: a quality-related return the policy accepts
# (a full refund, no restocking fee, the store pays return shipping).
SAMPLE_VARIABLES: dict[str, str | Decimal] = {
    "customer_name": "Alex Kim",
    "ticket_number": "1042",
    "order_number": "112-4478120-5533219",
    "agent_name": "Sam Rivera",
    "store_name": "ProCase",
    "decision": "refund",
    "refund_amount": "24.99",
    "restocking_fee": Decimal("0.00"),
    "return_shipping_paid_by": "store",
    "deadline": "April 9, 2026",
    "refund_expected_by": "April 2, 2026",
    "missing": "a photo of the item",
    "reasons": "- Bought on procase.com: the 30-day money back guarantee applies.\n"
    "- Refund: the full price $24.99; no restocking fee.",
}


VARIABLES = TICKET_FIELDS + VERDICT_FIELDS

# What the template editor says about each variable (tests check these are exactly the
# names template_variables passes).
VARIABLE_HELP: dict[str, str] = {
    "customer_name": "The customer's name as their mail gave it (empty when it gave none).",
    "ticket_number": "The ticket's number, like 1042.",
    "order_number": "The order number on the ticket (empty when there is none).",
    "agent_name": "The name of the agent sending the reply.",
    "store_name": "The store's name.",
    "decision": "The policy's decision, as a key to test with {% if %}: refund, exchange, "
    "replacement, not_eligible, refer_to_amazon, request_photo or needs_information.",
    "refund_amount": "The refund the verdict gives, like 24.99 (no currency sign).",
    "restocking_fee": "The restocking fee deducted, like 4.50; false in {% if %} when none.",
    "return_shipping_paid_by": "Who pays the return label: store or customer.",
    "deadline": "The last day of the policy window that applies, like April 9, 2026.",
    "refund_expected_by": "When the refund should reach the customer, like April 2, 2026.",
    "missing": "What the policy still needs from the customer, in their words, comma-separated.",
    "reasons": "The verdict's reasons, one per line, each starting with “- ”: written for "
    "agents, so the default templates do not put them in a customer's mail.",
}


MAX_BODY = 20_000


# The facts a verdict may list as missing (helpdesk/policy.FACT_NAMES), as a customer
# reads them; tests check that every fact has one and no other name does.
FACT_LABELS = {
    "request": "whether you would like a refund, an exchange or a replacement",
    "reason": "the reason for your request",
    "channel": "where you bought the item",
    "product_type": "whether the product is an electronic device or a standard accessory",
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
}


# Plain-text email: no autoescape; an unknown name renders empty (no StrictUndefined).
_ENV = BoundedSandbox(autoescape=False, keep_trailing_newline=True)


def check_template(body: str) -> Template:
    """The compiled template; raises TemplateProblem unless `body` compiles in the sandbox."""
    if len(body) > MAX_BODY:
        raise TemplateProblem(f"The template is longer than {MAX_BODY} characters.")
    try:
        tree = _ENV.parse(body)
        template = _ENV.from_string(tree)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"Template error on line {exc.lineno}: {exc.message}") from None
    except (RecursionError, MemoryError):
        raise TemplateProblem("The template is nested too deeply.") from None
    if any(tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport))):
        raise TemplateProblem("A reply template cannot extend, include or import others.")
    return template


def render_text(body: str, variables: Mapping[str, object]) -> str:
    """Render a template body with `variables` as values; errors become TemplateProblem."""
    template = check_template(body)
    try:
        return render(template, variables)
    except TemplateProblem:
        raise
    except SecurityError as exc:
        raise TemplateProblem(f"The template uses something not allowed: {exc}") from None
    except TemplateError as exc:
        raise TemplateProblem(f"The template could not be rendered: {exc}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
        raise TemplateProblem(f"The template could not be rendered: {exc}") from None


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value.quantize(Decimal('0.01'))}"


def _day(value: date | None) -> str:
    return "" if value is None else f"{value:%B} {value.day}, {value.year}"


def _missing(names: tuple[str, ...]) -> str:
    return ", ".join(FACT_LABELS.get(n, n.replace("_", " ")) for n in names)


def verdict_variables(verdict: Verdict | None) -> dict[str, str | Decimal]:
    """The verdict's fields as text; without a verdict every field is an empty string.

    `restocking_fee` is a Decimal (it prints as "0.00") so that `{% if restocking_fee %}`
    is false when no fee is charged, also in templates stored before this was so.
    """
    if verdict is None:
        return dict.fromkeys(VERDICT_FIELDS, "")
    fee = verdict.restocking_fee
    return {
        "decision": verdict.decision,
        "refund_amount": _money(verdict.refund_amount),
        "restocking_fee": "" if fee is None else fee.quantize(Decimal("0.01")),
        "return_shipping_paid_by": verdict.return_shipping_paid_by or "",
        "deadline": _day(verdict.deadline),
        "refund_expected_by": _day(verdict.refund_expected_by),
        "missing": _missing(verdict.missing),
        "reasons": "\n".join(f"- {r}" for r in verdict.reasons),
    }


def template_variables(
    ticket: Ticket, verdict: Verdict | None, *, agent_name: str, store_name: str
) -> dict[str, str | Decimal]:
    """Every variable a template may use: strings, and the fee as a Decimal.

    `verdict` is the ticket's latest saved verdict (LatestCheck.saved_verdict), or None.
    """
    return {
        "customer_name": ticket.customer.name or "",
        "ticket_number": str(ticket.number),
        "order_number": ticket.order_number or "",
        "agent_name": agent_name,
        "store_name": store_name,
        **verdict_variables(verdict),
    }


def render_for_ticket(
    template: ReplyTemplate,
    ticket: Ticket,
    verdict: Verdict | None,
    *,
    agent_name: str,
    store_name: str,
) -> str:
    """`template` rendered for `ticket` with its saved `verdict` (or None); raises
    TemplateProblem when it cannot be rendered."""
    variables = template_variables(ticket, verdict, agent_name=agent_name, store_name=store_name)
    return render_text(template.body, variables)


def reads_verdict(template: ReplyTemplate) -> bool:
    """Whether the template's body uses any of the verdict's variables."""
    try:
        names = meta.find_undeclared_variables(_ENV.parse(template.body))
    except TemplateSyntaxError:
        return False
    return bool(names & set(VERDICT_FIELDS))


def uses_verdict(template: ReplyTemplate, verdict: Verdict) -> bool:
    """Whether replying with `template` applies the verdict: suggested by it, or uses it."""
    return verdict.template == template.key or reads_verdict(template)
