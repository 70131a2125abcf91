"""A verdict: the decision, the amounts and dates it rests on, and the reasons in words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

DECISIONS = (
    "refund",
    "exchange",
    "replacement",
    "not_eligible",
    "refer_to_amazon",
    "request_photo",
    "needs_information",
)
TEMPLATES = (
    "return_eligible_refund",
    "return_not_eligible",
    "return_refer_amazon",
    "exchange_steps",
    "exchange_not_eligible",
    "warranty_covered",
    "warranty_not_covered",
    "warranty_information_needed",
    "wrong_item_photo_request",
    "wrong_item_replacement",
    "wrong_item_refund",
    "needs_information",
)


@dataclass(frozen=True)
class Verdict:
    """`eligible` is None when the store does not decide (missing facts, Amazon, no photo yet).

    `template` is the key of the suggested reply template.
    """

    decision: str
    template: str
    eligible: bool | None = None
    refund_amount: Decimal | None = None
    restocking_fee: Decimal | None = None
    return_shipping_paid_by: str | None = None
    deadline: date | None = None
    refund_expected_by: date | None = None
    missing: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "decision": self.decision,
            "eligible": self.eligible,
            "refund_amount": _str(self.refund_amount),
            "restocking_fee": _str(self.restocking_fee),
            "return_shipping_paid_by": self.return_shipping_paid_by,
            "deadline": _str(self.deadline),
            "refund_expected_by": _str(self.refund_expected_by),
            "missing": list(self.missing),
            "reasons": list(self.reasons),
            "template": self.template,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Verdict:
        """Read back what `to_dict` wrote (a stored verdict)."""

        def money(key: str) -> Decimal | None:
            value = data.get(key)
            return None if value is None else Decimal(str(value))

        def day(key: str) -> date | None:
            value = data.get(key)
            return None if value is None else date.fromisoformat(str(value))

        eligible = data.get("eligible")
        return cls(
            decision=str(data["decision"]),
            template=str(data["template"]),
            eligible=None if eligible is None else bool(eligible),
            refund_amount=money("refund_amount"),
            restocking_fee=money("restocking_fee"),
            return_shipping_paid_by=_opt_str(data.get("return_shipping_paid_by")),
            deadline=day("deadline"),
            refund_expected_by=day("refund_expected_by"),
            missing=tuple(str(m) for m in _list(data.get("missing"))),
            reasons=tuple(str(r) for r in _list(data.get("reasons"))),
        )


def _str(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []
