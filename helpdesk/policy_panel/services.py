"""Policy checks on tickets: the last one (or a preview from the order), and saving one.

None of these commit; the caller owns the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy.orm import Session

from helpdesk.models import PolicyCheck, Ticket
from helpdesk.orders.services import facts_for_ticket
from helpdesk.policy import FACT_NAMES, Facts, FactsError, Verdict, evaluate, parse_facts
from helpdesk.replies.rendering import latest_policy_check
from helpdesk.tickets.services import record_event


def panel_state(
    session: Session, ticket: Ticket, tz: str
) -> tuple[dict[str, object], Verdict, PolicyCheck | None]:
    """The facts (JSON-ready) and verdict of the last check; without one, a preview from
    `facts_for_ticket` (a prefilled value that is invalid, e.g. out of order, is left out)."""
    check = latest_policy_check(session, ticket)
    if check is not None:
        facts = json.loads(check.facts)
        return facts, Verdict.from_dict(json.loads(check.verdict)), check
    parsed = _parse_leniently(facts_for_ticket(session, ticket, tz))
    return parsed.to_dict(), evaluate(parsed), None


def latest_verdict(session: Session, ticket: Ticket, tz: str) -> tuple[dict[str, object], Verdict]:
    """The facts and verdict the panel shows: the last saved check, or the preview."""
    facts, verdict, _ = panel_state(session, ticket, tz)
    return facts, verdict


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
