"""Money from the policy verdicts agents applied (a reply based on them was sent), and apart
from it the verdicts saved but not used in a sent reply yet.

What each figure counts is written in helpdesk/reports/definitions.py.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import PolicyCheck, Status, Ticket
from helpdesk.policy import QUALITY_REASONS, RESTOCKING_RATE, cents


@dataclass
class MoneyRow:
    refunds: Decimal = Decimal("0.00")
    refund_count: int = 0
    fees_charged: Decimal = Decimal("0.00")
    fees_waived: Decimal = Decimal("0.00")
    replacements: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "refunds": str(self.refunds),
            "refund_count": self.refund_count,
            "fees_charged": str(self.fees_charged),
            "fees_waived": str(self.fees_waived),
            "replacements": self.replacements,
        }


@dataclass
class Money:
    total: MoneyRow = field(default_factory=MoneyRow)
    by_category: dict[str, MoneyRow] = field(default_factory=dict)
    by_product: dict[str, MoneyRow] = field(default_factory=dict)
    # Saved but not sent: never added to the figures above.
    unsent_total: MoneyRow = field(default_factory=MoneyRow)
    unsent_by_category: dict[str, MoneyRow] = field(default_factory=dict)


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal("0.00")
    except InvalidOperation:
        return Decimal("0.00")


def _add(row: MoneyRow, facts: dict[str, Any], verdict: dict[str, Any], check: PolicyCheck) -> None:
    decision = verdict.get("decision") or check.decision
    if decision == "refund":
        row.refunds += _decimal(check.refund_amount)
        row.refund_count += 1
        row.fees_charged += _decimal(check.restocking_fee)
        if facts.get("request") == "return" and facts.get("reason") in QUALITY_REASONS:
            row.fees_waived += cents(_decimal(facts.get("price")) * RESTOCKING_RATE)
    elif decision == "replacement" and facts.get("request") == "warranty":
        row.replacements += 1


def _latest(
    session: Session, low: datetime, high: datetime, applied: bool
) -> dict[int, tuple[PolicyCheck, str]]:
    """{ticket id: (its latest check created in [low, high) with this `applied`, category)}."""
    latest: dict[int, tuple[PolicyCheck, str]] = {}
    for check, category in session.execute(
        select(PolicyCheck, Ticket.category)
        .join(Ticket, Ticket.id == PolicyCheck.ticket_id)
        .where(
            PolicyCheck.applied.is_(applied),
            PolicyCheck.created_at >= low,
            PolicyCheck.created_at < high,
            Ticket.status != Status.SPAM,
        )
        .order_by(PolicyCheck.id)
    ):
        latest[check.ticket_id] = (check, category)
    return latest


def money(session: Session, low: datetime, high: datetime) -> Money:
    """Checks created in [low, high): the latest applied check of each ticket counts; the
    latest check of a ticket, when no sent reply used it, is shown apart (unsent)."""
    result = Money()
    applied = _latest(session, low, high, applied=True)
    by_category: dict[str, MoneyRow] = defaultdict(MoneyRow)
    by_product: dict[str, MoneyRow] = defaultdict(MoneyRow)
    for check, category in applied.values():
        facts = _loads(check.facts)
        verdict = _loads(check.verdict)
        product = check.product_name or facts.get("product_name") or "(unknown product)"
        for row in (result.total, by_category[category], by_product[str(product)]):
            _add(row, facts, verdict, check)
    result.by_category = dict(sorted(by_category.items()))
    result.by_product = dict(sorted(by_product.items()))
    unsent: dict[str, MoneyRow] = defaultdict(MoneyRow)
    for ticket_id, (check, category) in _latest(session, low, high, applied=False).items():
        if ticket_id in applied and applied[ticket_id][0].id > check.id:
            continue  # a later verdict of the ticket was sent
        for row in (result.unsent_total, unsent[category]):
            _add(row, _loads(check.facts), _loads(check.verdict), check)
    result.unsent_by_category = dict(sorted(unsent.items()))
    return result


def _loads(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
