"""The money report from applied policy checks, against hand-computed sums."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from helpdesk.models import PolicyCheck, utcnow
from helpdesk.reports.money import money
from tests.factories import make_ticket


def check(
    session: Session,
    ticket_id: int,
    facts: dict,
    decision: str,
    refund: str | None,
    fee: str | None,
    applied: bool = True,
    product: str = "Folio case",
) -> None:
    session.add(
        PolicyCheck(
            ticket_id=ticket_id,
            facts=json.dumps(facts),
            verdict=json.dumps({"decision": decision}),
            decision=decision,
            refund_amount=Decimal(refund) if refund else None,
            restocking_fee=Decimal(fee) if fee else None,
            product_name=product,
            applied=applied,
        )
    )


def test_money_figures(session: Session) -> None:
    r1 = make_ticket(session, category="return")
    r2 = make_ticket(session, category="return")
    w1 = make_ticket(session, category="warranty")
    n1 = make_ticket(session, category="return")
    # changed mind: 19.99 - 3.00 fee - 5.50 shipping = 11.49
    check(
        session,
        r1.id,
        {"request": "return", "reason": "changed_mind", "price": "19.99"},
        "refund",
        "11.49",
        "3.00",
    )
    # defective: full refund, fee of 15% of 40.00 = 6.00 waived; an earlier check is superseded
    check(
        session,
        r2.id,
        {"request": "return", "reason": "defective", "price": "10.00"},
        "refund",
        "10.00",
        "0.00",
        product="Keyboard case",
    )
    check(
        session,
        r2.id,
        {"request": "return", "reason": "defective", "price": "40.00"},
        "refund",
        "40.00",
        "0.00",
        product="Keyboard case",
    )
    check(
        session,
        w1.id,
        {"request": "warranty", "reason": "defective"},
        "replacement",
        None,
        None,
        product="Keyboard case",
    )
    check(
        session,
        n1.id,
        {"request": "return", "reason": "changed_mind", "price": "9.00"},
        "refund",
        "7.65",
        "1.35",
        applied=False,
    )  # never sent: shown apart
    warranty = {"request": "warranty", "reason": "defective"}
    for applied in (False, True):  # a check saved, not sent, then one sent: superseded
        check(session, w1.id, warranty, "replacement", None, None, applied, "Keyboard case")
    session.commit()
    now = utcnow()
    report = money(session, now - timedelta(days=1), now + timedelta(days=1))
    assert report.total.to_dict() == {
        "refunds": "51.49",
        "refund_count": 2,
        "fees_charged": "3.00",
        "fees_waived": "6.00",
        "replacements": 1,
    }
    assert report.by_category["warranty"].replacements == 1
    assert report.by_product["Keyboard case"].refunds == Decimal("40.00")
    assert report.by_product["Folio case"].fees_charged == Decimal("3.00")
    assert report.unsent_total.to_dict() == {
        "refunds": "7.65",
        "refund_count": 1,
        "fees_charged": "1.35",
        "fees_waived": "0.00",
        "replacements": 0,
    }
    assert list(report.unsent_by_category) == ["return"]
