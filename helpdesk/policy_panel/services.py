"""Policy checks on tickets: the latest one read once (or a preview from the order), saving one.

None of these commit; the caller owns the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import PolicyCheck, Ticket
from helpdesk.orders.services import order_known, prefill_for_ticket
from helpdesk.policy import FACT_NAMES, Facts, FactsError, Verdict, evaluate, parse_facts
from helpdesk.tickets.services import record_event


@dataclass(frozen=True)
class LatestCheck:
    """A ticket's latest policy check, read once and typed: `check` is the saved row, or None
    when `facts` and `verdict` are only a preview from the ticket and its order."""

    facts: Facts
    verdict: Verdict
    check: PolicyCheck | None
    # Whether the facts' order number is among the imported orders (None: no order number).
    order_found: bool | None = None

    @property
    def saved_verdict(self) -> Verdict | None:
        """The verdict of the saved check (what replies use); None for a preview."""
        return None if self.check is None else self.verdict

    @property
    def suggesting_verdict(self) -> Verdict | None:
        """The verdict whose template the reply suggestion follows: the saved one, or a
        preview that knows what the customer asks for (else the ticket's category decides)."""
        if self.check is not None or self.facts.request is not None:
            return self.verdict
        return None


def latest_policy_check(session: Session, ticket: Ticket) -> PolicyCheck | None:
    """The ticket's newest saved check (one query)."""
    return session.scalar(
        select(PolicyCheck)
        .where(PolicyCheck.ticket_id == ticket.id)
        .order_by(PolicyCheck.created_at.desc(), PolicyCheck.id.desc())
        .limit(1)
    )


def read_check(check: PolicyCheck) -> LatestCheck:
    """A saved check as typed values, read defensively: a stored fact no longer valid is left
    out; an unreadable verdict keeps only the check's own columns (decision and amounts)."""
    facts = _parse_leniently(_json_object(check.facts))
    data = _json_object(check.verdict)
    data.setdefault("decision", check.decision)
    data.setdefault("template", "")
    data.setdefault("refund_amount", check.refund_amount)
    data.setdefault("restocking_fee", check.restocking_fee)
    try:
        verdict = Verdict.from_dict(data)
    except (ValueError, ArithmeticError):
        verdict = Verdict(
            decision=check.decision,
            template="",
            refund_amount=check.refund_amount,
            restocking_fee=check.restocking_fee,
        )
    return LatestCheck(facts, verdict, check)


def _json_object(text: str | None) -> dict[str, object]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def saved_check(session: Session, ticket: Ticket) -> LatestCheck | None:
    """The latest saved check, typed; None when the ticket has none."""
    check = latest_policy_check(session, ticket)
    return None if check is None else read_check(check)


def latest_check(session: Session, ticket: Ticket, tz: str) -> LatestCheck:
    """The latest saved check; without one, a preview from `prefill_for_ticket` (a prefilled
    value that is invalid, e.g. out of order, is left out). Either says whether its order
    number is among the imported orders."""
    saved = saved_check(session, ticket)
    if saved is not None:
        number = saved.facts.order_number
        found = order_known(session, number) if number else None
        return replace(saved, order_found=found)
    prefill = prefill_for_ticket(session, ticket, tz)
    parsed = _parse_leniently(prefill.facts)
    return LatestCheck(parsed, evaluate(parsed), None, prefill.order_found)


def record_check(
    session: Session, ticket: Ticket, facts: Facts, actor_id: int | None
) -> tuple[PolicyCheck, Verdict]:
    """Evaluate and store a check; the ticket's policy_deadline follows the verdict."""
    verdict = evaluate(facts)
    check = PolicyCheck(
        ticket_id=ticket.id,
        actor_id=actor_id,
        facts=json.dumps(facts.to_dict()),
        verdict=json.dumps(verdict.to_dict()),
        decision=verdict.decision,
        refund_amount=verdict.refund_amount,
        restocking_fee=verdict.restocking_fee,
        product_name=facts.product_name,
    )
    session.add(check)
    ticket.policy_deadline = verdict.deadline
    record_event(session, ticket, "policy_check", actor_id=actor_id, new=verdict.decision)
    session.flush()
    return check, verdict


def _parse_leniently(prefill: Mapping[str, object]) -> Facts:
    data = dict(prefill)
    for _ in FACT_NAMES:
        try:
            return parse_facts(data)
        except FactsError as exc:
            data[exc.field] = None
    return Facts()
