"""The policy's rules (docs/policy.md): `evaluate(facts)` gives a verdict and its reasons.

A rule asks only for the facts it needs, and only while they could change the outcome:
a request outside the 30-day window is not eligible whatever the reason or price.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from helpdesk.policy.facts import FACT_LABELS, FACT_NAMES, QUALITY_REASONS, Facts
from helpdesk.policy.verdict import Verdict
from helpdesk.policy.windows import (
    CREDIT_BUSINESS_DAYS,
    RESTOCKING_PERCENT,
    RESTOCKING_RATE,
    RETURN_WINDOW_DAYS,
    WARRANTY_MONTHS,
    ZERO,
    add_business_days,
    cents,
    return_window_end,
    warranty_end,
)
from helpdesk.policy.words import CONDITION_LABELS, PRODUCT_TYPE_PHRASES, REASON_LABELS

NOT_A_DEFECT = ("changed_mind", "wrong_model", "accidental_order", "wrong_address")
GUARANTEE = f"{RETURN_WINDOW_DAYS}-day money back guarantee"


class _Case:
    """The facts plus the reasons and deadline gathered while a rule runs."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.reasons: list[str] = []
        self.deadline: date | None = None

    def say(self, sentence: str) -> None:
        self.reasons.append(sentence)

    def missing(self, *names: str) -> tuple[str, ...]:
        return tuple(n for n in FACT_NAMES if n in names and getattr(self.facts, n) is None)

    def verdict(self, decision: str, template: str, **values: object) -> Verdict:
        return Verdict(
            decision=decision,
            template=template,
            deadline=self.deadline,
            reasons=tuple(self.reasons),
            **values,  # type: ignore[arg-type]
        )

    def needs(self, missing: tuple[str, ...], template: str = "needs_information") -> Verdict:
        return self.verdict("needs_information", template, missing=missing)


def evaluate(facts: Facts) -> Verdict:
    """The verdict the store policy gives for `facts`."""
    case = _Case(facts)
    if facts.request is None:
        verdict = case.needs(("request",))
    else:
        rule: Callable[[_Case], Verdict] = {
            "return": _money_back,
            "exchange": _exchange,
            "warranty": _warranty,
            "wrong_item": _wrong_item,
        }[facts.request]
        verdict = rule(case)
    if verdict.missing:
        names = ", ".join(FACT_LABELS[m] for m in verdict.missing)
        sentence = f"Needed before a verdict: {names}. Nothing is guessed."
        verdict = replace(verdict, reasons=(*verdict.reasons, sentence))
    return verdict


def _reason(key: str | None) -> str:
    """A reason as the subject of a sentence: "Changed their mind is not a quality problem"."""
    key = key or "unknown"
    return REASON_LABELS.get(key, key.replace("_", " ").capitalize())


def _lower(words: dict[str, str], key: str) -> str:
    """A label inside a sentence: "The item is opened", "Damage caused by misuse"."""
    text = words.get(key, key.replace("_", " "))
    return text[:1].lower() + text[1:]


def _money_back(case: _Case) -> Verdict:
    return _channel_first(case, "return_not_eligible", lambda: _thirty_days(case, exchange=False))


def _exchange(case: _Case) -> Verdict:
    return _channel_first(case, "exchange_not_eligible", lambda: _thirty_days(case, exchange=True))


def _channel_first(case: _Case, not_eligible: str, rule: Callable[[], Verdict]) -> Verdict:
    """Amazon and resellers first; an unknown channel is asked for with what the rule lacks."""
    channel = case.facts.channel
    if channel == "amazon":
        case.say(
            "Bought on Amazon: returns and exchanges go through the Amazon order's own "
            "return process."
        )
        return case.verdict("refer_to_amazon", "return_refer_amazon")
    if channel == "unauthorized_reseller":
        case.say(
            f"Bought from an unauthorized reseller: the {GUARANTEE} covers "
            "only orders placed on procase.com. Not eligible."
        )
        return case.verdict("not_eligible", not_eligible, eligible=False)
    if channel == "procase.com":
        case.say(f"Bought on procase.com: the {GUARANTEE} applies.")
    verdict = rule()
    if channel is None:
        return case.needs(case.missing("channel", *verdict.missing))
    return verdict


def _thirty_days(case: _Case, *, exchange: bool) -> Verdict:
    """Money back (`exchange=False`) or exchange, for a procase.com order."""
    f = case.facts
    not_eligible = "exchange_not_eligible" if exchange else "return_not_eligible"
    if _inside_return_window(case) is False:
        if f.reason == "defective":
            months = WARRANTY_MONTHS
            case.say(
                "The item is reported defective: a warranty claim may still apply "
                f"({months['standard']} months from delivery, {months['electronic'] // 12} "
                "year for electronic products)."
            )
        return case.verdict("not_eligible", not_eligible, eligible=False)
    needed = ["reason", "purchase_date", "request_date"] + ([] if exchange else ["price"])
    quality = None if f.reason is None else f.reason in QUALITY_REASONS
    if quality:
        case.say(
            f"{_reason(f.reason)} is a quality problem, so the store pays return shipping, "
            "charges no restocking fee, and the item's condition does not matter."
        )
    elif quality is False:
        charges = (
            "the customer pays return shipping (no restocking fee: nothing is refunded)"
            if exchange
            else f"a {RESTOCKING_PERCENT} restocking fee and the return shipping cost are "
            "deducted from the refund"
        )
        case.say(
            f"{_reason(f.reason)} is not a quality problem, so the item must be new, unopened "
            f"and sellable, and {charges}."
        )
        needed += ["condition"] + ([] if exchange else ["return_shipping_cost"])
        if f.condition is not None and f.condition != "new_unopened":
            case.say(f"The item is {_lower(CONDITION_LABELS, f.condition)}: not eligible.")
            return case.verdict("not_eligible", not_eligible, eligible=False)
        if f.condition == "new_unopened":
            case.say("The item is new and unopened.")
    missing = case.missing(*needed)
    if missing:
        return case.needs(missing)
    payer = "store" if quality else "customer"
    if exchange:
        case.say(f"Exchange: the {payer} pays return shipping; no restocking fee.")
        return case.verdict(
            "exchange",
            "exchange_steps",
            eligible=True,
            restocking_fee=ZERO,
            return_shipping_paid_by=payer,
        )
    assert f.price is not None
    if quality:
        return _full_refund(case, f.price, "return_eligible_refund")
    assert f.return_shipping_cost is not None
    fee, refund = _refund_after_fee(case, f.price, f.return_shipping_cost)
    return case.verdict(
        "refund",
        "return_eligible_refund",
        eligible=True,
        refund_amount=refund,
        restocking_fee=fee,
        return_shipping_paid_by=payer,
        refund_expected_by=_credit_window(case),
    )


def _full_refund(case: _Case, price: Decimal, template: str) -> Verdict:
    """Quality-related: the whole price back, no fee, the store pays return shipping."""
    refund = cents(price)
    case.say(f"Refund: the full price ${refund}; no restocking fee.")
    return case.verdict(
        "refund",
        template,
        eligible=True,
        refund_amount=refund,
        restocking_fee=ZERO,
        return_shipping_paid_by="store",
        refund_expected_by=_credit_window(case),
    )


def _inside_return_window(case: _Case) -> bool | None:
    f = case.facts
    if f.purchase_date is None:
        return None
    end = return_window_end(f.purchase_date)
    case.deadline = end
    if f.request_date is None:
        case.say(f"Purchased {f.purchase_date}; the {RETURN_WINDOW_DAYS}-day window ends {end}.")
        return None
    inside = f.request_date <= end
    where = "inside the window" if inside else "outside the window, not eligible"
    case.say(
        f"Purchased {f.purchase_date}; the {RETURN_WINDOW_DAYS}-day window ends {end}; "
        f"asked on {f.request_date}: {where}."
    )
    return inside


def _refund_after_fee(case: _Case, price: Decimal, shipping: Decimal) -> tuple[Decimal, Decimal]:
    fee = cents(price * RESTOCKING_RATE)
    raw = cents(price - fee - shipping)
    refund = max(raw, ZERO)
    sentence = (
        f"Refund: price ${cents(price)} - restocking fee ${fee} "
        f"({RESTOCKING_PERCENT} of the price, rounded half-up to cents) "
        f"- return shipping ${cents(shipping)} = ${raw}."
    )
    if raw < ZERO:
        sentence += " That is below zero, so the refund is $0.00."
    case.say(sentence)
    return fee, refund


def _credit_window(case: _Case) -> date:
    """The last day the credit should show: 5-7 business days after the refund is issued."""
    issued = case.facts.request_date
    assert issued is not None
    first, last = (add_business_days(issued, n) for n in CREDIT_BUSINESS_DAYS)
    case.say(
        "The refund is issued when the returned item arrives; counting from the request date "
        f"{issued}, the credit shows on the customer's account within "
        f"{CREDIT_BUSINESS_DAYS[0]} to {CREDIT_BUSINESS_DAYS[1]} business days "
        f"(Monday to Friday): between {first} and {last}."
    )
    return last


def _warranty(case: _Case) -> Verdict:
    f = case.facts
    if f.channel == "unauthorized_reseller":
        case.say("Bought from an unauthorized reseller: not covered by the warranty.")
        return case.verdict("not_eligible", "warranty_not_covered", eligible=False)
    if f.channel == "amazon":
        case.say(
            "Bought on Amazon: covered (reading: the FAQ excludes only unauthorized resellers)."
        )
    elif f.channel == "procase.com":
        case.say("Bought on procase.com: covered by the warranty.")
    if f.reason in ("misuse", "accident"):
        case.say(
            f"Damage caused by {_lower(REASON_LABELS, f.reason)} is not covered by the warranty."
        )
        return case.verdict("not_eligible", "warranty_not_covered", eligible=False)
    if f.reason in NOT_A_DEFECT:
        case.say(
            f"{_reason(f.reason)} is not a defect, and the warranty covers only defects "
            f"(reading); a {RETURN_WINDOW_DAYS}-day return or exchange may apply instead."
        )
        return case.verdict("not_eligible", "warranty_not_covered", eligible=False)
    if f.reason is not None:
        case.say(f"Reported problem: {_lower(REASON_LABELS, f.reason)}.")
    if _inside_warranty(case) is False:
        return case.verdict("not_eligible", "warranty_not_covered", eligible=False)
    missing = case.missing(
        "reason",
        "channel",
        "product_type",
        "delivery_date",
        "request_date",
        "product_name",
        "order_number",
    )
    if missing:
        return case.needs(missing, "warranty_information_needed")
    about = f"{f.product_name} (order {f.order_number})"
    case.say(f"Covered: the store replaces {about} at no cost to the customer.")
    return case.verdict(
        "replacement", "warranty_covered", eligible=True, return_shipping_paid_by="store"
    )


def _inside_warranty(case: _Case) -> bool | None:
    f = case.facts
    if f.delivery_date is None or f.product_type is None:
        return None
    months = WARRANTY_MONTHS[f.product_type]
    end = warranty_end(f.delivery_date, f.product_type)
    case.deadline = end
    period = f"{months}-month" if months < 12 else f"{months // 12}-year"
    product = PRODUCT_TYPE_PHRASES[f.product_type]
    start = f"Delivered {f.delivery_date}; the {period} warranty for {product}"
    if f.request_date is None:
        case.say(f"{start} covers up to {end}.")
        return None
    inside = f.request_date <= end
    where = "inside the warranty" if inside else "after the warranty ended, not covered"
    case.say(f"{start} covers up to {end}; asked on {f.request_date}: {where}.")
    return inside


def _wrong_item(case: _Case) -> Verdict:
    f = case.facts
    if f.has_photo is None:
        return case.needs(("has_photo",), "wrong_item_photo_request")
    if not f.has_photo:
        case.say(
            "No photo of the item received yet: ask for one before anything else "
            '(ideally with "Wrong Item Received" in the subject).'
        )
        return case.verdict("request_photo", "wrong_item_photo_request")
    case.say("The customer sent a photo of the item received.")
    if not f.wants_refund:
        asked = "did not say they want" if f.wants_refund is None else "does not want"
        case.say(
            f"The customer {asked} money back: the correct item is sent out as soon as possible."
        )
        return case.verdict("replacement", "wrong_item_replacement", eligible=True)
    case.say(
        "The customer wants money back: all wrong items (or the whole order) come back for a "
        "full refund and the store pays return shipping. If they keep some items, the refund "
        "is the price of the items returned: enter that as the price."
    )
    missing = case.missing("price", "request_date")
    if missing:
        return case.needs(missing)
    assert f.price is not None
    return _full_refund(case, f.price, "wrong_item_refund")
