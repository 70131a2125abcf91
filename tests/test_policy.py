"""The store policy (docs/policy.md) as a table: facts in, verdict out. Pure, no app or DB."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from helpdesk.policy import (
    DECISIONS,
    FACT_NAMES,
    QUALITY_REASONS,
    REASONS,
    TEMPLATES,
    Facts,
    FactsError,
    Verdict,
    evaluate,
    parse_facts,
)
from helpdesk.policy.windows import add_business_days, warranty_end

# 2026-01-05 is a Monday; the 30-day window ends Wednesday 2026-02-04.
RETURN = {
    "request": "return",
    "reason": "changed_mind",
    "channel": "procase.com",
    "purchase_date": "2026-01-05",
    "request_date": "2026-01-20",
    "condition": "new_unopened",
    "price": "19.99",
    "return_shipping_cost": "5.50",
}
EXCHANGE = {
    "request": "exchange",
    "reason": "wrong_model",
    "channel": "procase.com",
    "purchase_date": "2026-01-05",
    "request_date": "2026-01-20",
    "condition": "new_unopened",
}
WARRANTY = {
    "request": "warranty",
    "reason": "defective",
    "channel": "procase.com",
    "product_type": "standard",
    "purchase_date": "2026-01-20",
    "delivery_date": "2026-01-31",
    "request_date": "2026-04-30",
    "product_name": "iPad Air case",
    "order_number": "123456",
}
WRONG = {
    "request": "wrong_item",
    "has_photo": "yes",
    "price": "24.99",
    "request_date": "2026-01-20",
}

REFUND = {"decision": "refund", "eligible": True, "template": "return_eligible_refund"}
RETURN_NO = {"decision": "not_eligible", "eligible": False, "template": "return_not_eligible"}
EXCHANGE_NO = {"decision": "not_eligible", "eligible": False, "template": "exchange_not_eligible"}
AMAZON = {"decision": "refer_to_amazon", "eligible": None, "template": "return_refer_amazon"}
COVERED = {"decision": "replacement", "eligible": True, "template": "warranty_covered"}
NOT_COVERED = {"decision": "not_eligible", "eligible": False, "template": "warranty_not_covered"}
NEEDS = {"decision": "needs_information", "eligible": None, "template": "needs_information"}
WARRANTY_NEEDS = {**NEEDS, "template": "warranty_information_needed"}


def case(id: str, base: dict[str, str], changes: dict[str, str | None], **expected: object):  # type: ignore[no-untyped-def]
    facts = {k: v for k, v in {**base, **changes}.items() if v is not None}
    return pytest.param(facts, expected, id=id)


TABLE = [
    # --- money back: arithmetic -------------------------------------------------------------
    case(
        "return-changed-mind-fee-and-shipping-deducted",
        RETURN,
        {},
        **REFUND,
        refund_amount="11.49",
        restocking_fee="3.00",
        return_shipping_paid_by="customer",
        deadline="2026-02-04",
        refund_expected_by="2026-01-29",
        missing=[],
    ),
    case(
        "return-fee-rounds-half-up-not-half-even",
        RETURN,
        {"price": "0.30", "return_shipping_cost": "0"},
        **REFUND,
        restocking_fee="0.05",
        refund_amount="0.25",
    ),
    case(
        "return-whole-dollar-price",
        RETURN,
        {"price": "100", "return_shipping_cost": "7.25"},
        **REFUND,
        restocking_fee="15.00",
        refund_amount="77.75",
    ),
    case(
        "return-refund-never-below-zero",
        RETURN,
        {"price": "10.00", "return_shipping_cost": "12.00"},
        **REFUND,
        restocking_fee="1.50",
        refund_amount="0.00",
    ),
    case(
        "return-refund-exactly-zero",
        RETURN,
        {"price": "10.00", "return_shipping_cost": "8.50"},
        **REFUND,
        restocking_fee="1.50",
        refund_amount="0.00",
    ),
    *[
        case(
            f"return-quality-{reason}-full-refund-any-condition",
            RETURN,
            {"reason": reason, "condition": "damaged", "return_shipping_cost": None},
            **REFUND,
            refund_amount="19.99",
            restocking_fee="0.00",
            return_shipping_paid_by="store",
            missing=[],
        )
        for reason in QUALITY_REASONS
    ],
    case(
        "return-quality-condition-not-asked",
        RETURN,
        {"reason": "defective", "condition": None, "return_shipping_cost": None},
        **REFUND,
        refund_amount="19.99",
    ),
    # --- money back: the 30-day window ------------------------------------------------------
    case("return-asked-on-purchase-day", RETURN, {"request_date": "2026-01-05"}, **REFUND),
    case(
        "return-day-30-inside",
        RETURN,
        {"request_date": "2026-02-04"},
        **REFUND,
        deadline="2026-02-04",
        refund_expected_by="2026-02-13",
    ),
    case(
        "return-day-31-outside",
        RETURN,
        {"request_date": "2026-02-05"},
        **RETURN_NO,
        deadline="2026-02-04",
        refund_amount=None,
        refund_expected_by=None,
    ),
    case(
        "return-window-across-february-leap-year",
        RETURN,
        {"purchase_date": "2024-02-10", "request_date": "2024-03-11"},
        **REFUND,
        deadline="2024-03-11",
    ),
    case(
        "return-outside-window-needs-nothing-else",
        RETURN,
        {"request_date": "2026-03-01", "reason": None, "price": None, "condition": None},
        **RETURN_NO,
        missing=[],
    ),
    # --- money back: condition --------------------------------------------------------------
    case("return-opened-not-eligible", RETURN, {"condition": "opened"}, **RETURN_NO),
    case("return-damaged-not-eligible", RETURN, {"condition": "damaged"}, **RETURN_NO),
    case(
        "return-opened-decides-without-dates-or-price",
        RETURN,
        {"condition": "opened", "purchase_date": None, "request_date": None, "price": None},
        **RETURN_NO,
        deadline=None,
        missing=[],
    ),
    case("return-misuse-is-not-quality", RETURN, {"reason": "misuse"}, **REFUND),
    # --- money back: channels ---------------------------------------------------------------
    case("return-amazon-refer", RETURN, {"channel": "amazon"}, **AMAZON, deadline=None),
    case(
        "return-amazon-needs-nothing-else",
        {"request": "return", "channel": "amazon"},
        {},
        **AMAZON,
        missing=[],
    ),
    case("return-reseller", RETURN, {"channel": "unauthorized_reseller"}, **RETURN_NO),
    # --- money back: missing facts ----------------------------------------------------------
    case("nothing-known", {}, {}, **NEEDS, missing=["request"]),
    case(
        "return-only-request",
        {"request": "return"},
        {},
        **NEEDS,
        missing=["reason", "channel", "purchase_date", "request_date", "price"],
    ),
    case(
        "return-missing-condition-and-shipping-for-non-quality",
        RETURN,
        {"condition": None, "return_shipping_cost": None},
        **NEEDS,
        missing=["condition", "return_shipping_cost"],
    ),
    case(
        "return-reason-unknown-asks-reason-only",
        RETURN,
        {"reason": None, "condition": None, "return_shipping_cost": None},
        **NEEDS,
        missing=["reason"],
    ),
    case(
        "return-missing-request-date-keeps-deadline",
        RETURN,
        {"request_date": None},
        **NEEDS,
        missing=["request_date"],
        deadline="2026-02-04",
    ),
    case(
        "return-channel-unknown-and-price",
        RETURN,
        {"channel": None, "price": None},
        **NEEDS,
        missing=["channel", "price"],
    ),
    case(
        "return-channel-unknown-outside-window-asks-channel-only",
        RETURN,
        {"channel": None, "request_date": "2026-02-05", "price": None},
        **NEEDS,
        missing=["channel"],
    ),
    # --- refund credit: business days -------------------------------------------------------
    case(
        "credit-from-friday-skips-two-weekends",
        RETURN,
        {"request_date": "2026-01-09"},
        **REFUND,
        refund_expected_by="2026-01-20",
    ),
    case(
        "credit-from-saturday",
        RETURN,
        {"request_date": "2026-01-10"},
        **REFUND,
        refund_expected_by="2026-01-20",
    ),
    case(
        "credit-from-sunday",
        RETURN,
        {"request_date": "2026-01-11"},
        **REFUND,
        refund_expected_by="2026-01-20",
    ),
    case(
        "credit-from-monday",
        RETURN,
        {"request_date": "2026-01-12"},
        **REFUND,
        refund_expected_by="2026-01-21",
    ),
    # --- exchange ---------------------------------------------------------------------------
    case(
        "exchange-wrong-model-customer-pays-shipping",
        EXCHANGE,
        {},
        decision="exchange",
        eligible=True,
        template="exchange_steps",
        refund_amount=None,
        restocking_fee="0.00",
        return_shipping_paid_by="customer",
        deadline="2026-02-04",
        refund_expected_by=None,
    ),
    case(
        "exchange-defective-store-pays-condition-irrelevant",
        EXCHANGE,
        {"reason": "defective", "condition": "opened"},
        decision="exchange",
        return_shipping_paid_by="store",
    ),
    case(
        "exchange-accidental-order-day-30",
        EXCHANGE,
        {"reason": "accidental_order", "request_date": "2026-02-04"},
        decision="exchange",
    ),
    case("exchange-day-31", EXCHANGE, {"request_date": "2026-02-05"}, **EXCHANGE_NO),
    case("exchange-opened-wrong-address", EXCHANGE, {"condition": "opened"}, **EXCHANGE_NO),
    case("exchange-amazon", EXCHANGE, {"channel": "amazon"}, **AMAZON),
    case("exchange-reseller", EXCHANGE, {"channel": "unauthorized_reseller"}, **EXCHANGE_NO),
    case(
        "exchange-never-asks-price-or-shipping",
        EXCHANGE,
        {"condition": None},
        **NEEDS,
        missing=["condition"],
    ),
    # --- warranty: windows and month ends ---------------------------------------------------
    case(
        "warranty-jan31-plus-3-months-is-apr30-last-day-in",
        WARRANTY,
        {},
        **COVERED,
        deadline="2026-04-30",
        return_shipping_paid_by="store",
        refund_amount=None,
        missing=[],
    ),
    case(
        "warranty-day-after-apr30-out",
        WARRANTY,
        {"request_date": "2026-05-01"},
        **NOT_COVERED,
        deadline="2026-04-30",
    ),
    case(
        "warranty-nov30-leap-feb29-in",
        WARRANTY,
        {
            "purchase_date": "2023-11-20",
            "delivery_date": "2023-11-30",
            "request_date": "2024-02-29",
        },
        **COVERED,
        deadline="2024-02-29",
    ),
    case(
        "warranty-nov30-leap-mar1-out",
        WARRANTY,
        {
            "purchase_date": "2023-11-20",
            "delivery_date": "2023-11-30",
            "request_date": "2024-03-01",
        },
        **NOT_COVERED,
    ),
    case(
        "warranty-nov30-common-year-feb28",
        WARRANTY,
        {
            "purchase_date": "2025-11-20",
            "delivery_date": "2025-11-30",
            "request_date": "2026-02-28",
        },
        **COVERED,
        deadline="2026-02-28",
    ),
    case(
        "warranty-feb28-not-month-end-clamped",
        WARRANTY,
        {
            "purchase_date": "2026-02-20",
            "delivery_date": "2026-02-28",
            "request_date": "2026-05-29",
        },
        **NOT_COVERED,
        deadline="2026-05-28",
    ),
    case(
        "warranty-electronic-feb29-plus-1-year-feb28-in",
        WARRANTY,
        {
            "product_type": "electronic",
            "purchase_date": "2024-02-20",
            "delivery_date": "2024-02-29",
            "request_date": "2025-02-28",
        },
        **COVERED,
        deadline="2025-02-28",
    ),
    case(
        "warranty-electronic-feb29-plus-1-year-mar1-out",
        WARRANTY,
        {
            "product_type": "electronic",
            "purchase_date": "2024-02-20",
            "delivery_date": "2024-02-29",
            "request_date": "2025-03-01",
        },
        **NOT_COVERED,
    ),
    case(
        "warranty-electronic-covers-past-3-months",
        WARRANTY,
        {"product_type": "electronic", "request_date": "2026-12-01"},
        **COVERED,
        deadline="2027-01-31",
    ),
    case(
        "warranty-outside-needs-nothing-else",
        WARRANTY,
        {"request_date": "2026-06-01", "channel": None, "order_number": None},
        **NOT_COVERED,
        missing=[],
    ),
    # --- warranty: exclusions and channels --------------------------------------------------
    case("warranty-amazon-covered", WARRANTY, {"channel": "amazon"}, **COVERED),
    case("warranty-reseller", WARRANTY, {"channel": "unauthorized_reseller"}, **NOT_COVERED),
    case("warranty-misuse", WARRANTY, {"reason": "misuse"}, **NOT_COVERED),
    case(
        "warranty-accident-needs-nothing-else",
        {"request": "warranty", "reason": "accident"},
        {},
        **NOT_COVERED,
        missing=[],
        deadline=None,
    ),
    case("warranty-changed-mind-not-a-defect", WARRANTY, {"reason": "changed_mind"}, **NOT_COVERED),
    case("warranty-missing-item-covered", WARRANTY, {"reason": "missing_item"}, **COVERED),
    # --- warranty: missing facts ------------------------------------------------------------
    case(
        "warranty-asks-order-id-and-product-name",
        WARRANTY,
        {"order_number": None, "product_name": None},
        **WARRANTY_NEEDS,
        missing=["product_name", "order_number"],
        deadline="2026-04-30",
    ),
    case(
        "warranty-product-type-unknown",
        WARRANTY,
        {"product_type": None},
        **WARRANTY_NEEDS,
        missing=["product_type"],
        deadline=None,
    ),
    case(
        "warranty-channel-unknown",
        WARRANTY,
        {"channel": None},
        **WARRANTY_NEEDS,
        missing=["channel"],
    ),
    case(
        "warranty-only-request",
        {"request": "warranty"},
        {},
        **WARRANTY_NEEDS,
        missing=[
            "reason",
            "channel",
            "product_type",
            "delivery_date",
            "request_date",
            "product_name",
            "order_number",
        ],
    ),
    # --- wrong item -------------------------------------------------------------------------
    case(
        "wrong-item-no-photo-ask-first",
        WRONG,
        {"has_photo": "no", "wants_refund": "yes"},
        decision="request_photo",
        eligible=None,
        template="wrong_item_photo_request",
        missing=[],
    ),
    case(
        "wrong-item-photo-unknown",
        WRONG,
        {"has_photo": None},
        **{**NEEDS, "template": "wrong_item_photo_request"},
        missing=["has_photo"],
    ),
    case(
        "wrong-item-default-replacement",
        WRONG,
        {},
        decision="replacement",
        eligible=True,
        template="wrong_item_replacement",
        refund_amount=None,
        deadline=None,
    ),
    case(
        "wrong-item-does-not-want-money",
        {"request": "wrong_item", "has_photo": "true", "wants_refund": "no"},
        {},
        decision="replacement",
        missing=[],
    ),
    case(
        "wrong-item-refund-full-price",
        WRONG,
        {"wants_refund": "yes"},
        decision="refund",
        eligible=True,
        template="wrong_item_refund",
        refund_amount="24.99",
        restocking_fee="0.00",
        return_shipping_paid_by="store",
        refund_expected_by="2026-01-29",
        deadline=None,
    ),
    case(
        "wrong-item-refund-needs-price",
        WRONG,
        {"wants_refund": "yes", "price": None, "request_date": None},
        **NEEDS,
        missing=["request_date", "price"],
    ),
]


@pytest.mark.parametrize(("facts", "expected"), TABLE)
def test_policy_table(facts: dict[str, str], expected: dict[str, object]) -> None:
    verdict = evaluate(parse_facts(facts)).to_dict()
    assert {key: verdict[key] for key in expected} == expected, verdict["reasons"]
    assert verdict["decision"] in DECISIONS and verdict["template"] in TEMPLATES
    assert verdict["reasons"], "every verdict says why"
    if verdict["decision"] == "needs_information":
        assert verdict["missing"] and verdict["refund_amount"] is None
    else:
        assert verdict["missing"] == []
    if verdict["refund_amount"] is not None:
        assert Decimal(verdict["refund_amount"]) >= 0  # type: ignore[arg-type]


def test_reasons_name_the_dates_and_amounts() -> None:
    reasons = evaluate(parse_facts(RETURN)).reasons
    assert (
        "Purchased 2026-01-05; the 30-day window ends 2026-02-04; asked on 2026-01-20: "
        "inside the window."
    ) in reasons
    assert any("$19.99" in r and "$3.00" in r and "$5.50" in r and "$11.49" in r for r in reasons)
    assert any("between 2026-01-27 and 2026-01-29" in r for r in reasons)


def test_reasons_for_negative_refund_warranty_hint_and_amazon_reading() -> None:
    negative = evaluate(parse_facts({**RETURN, "price": "10", "return_shipping_cost": "12"}))
    assert any("below zero" in r for r in negative.reasons)
    late = evaluate(parse_facts({**RETURN, "reason": "defective", "request_date": "2026-02-05"}))
    assert late.decision == "not_eligible"
    assert any("warranty claim may still apply" in r for r in late.reasons)
    amazon = evaluate(parse_facts({**WARRANTY, "channel": "amazon"}))
    assert any("reading" in r for r in amazon.reasons)
    missing = evaluate(parse_facts({"request": "return", "channel": "procase.com"}))
    assert (
        "Needed before a verdict: reason, purchase date, request date, price."
        in (missing.reasons[-1])
    )


@pytest.mark.parametrize(
    ("delivered", "product_type", "last_day"),
    [
        (date(2026, 1, 31), "standard", date(2026, 4, 30)),
        (date(2023, 11, 30), "standard", date(2024, 2, 29)),
        (date(2025, 11, 30), "standard", date(2026, 2, 28)),
        (date(2025, 11, 29), "standard", date(2026, 2, 28)),
        (date(2026, 1, 15), "standard", date(2026, 4, 15)),
        (date(2024, 2, 29), "electronic", date(2025, 2, 28)),
        (date(2023, 2, 28), "electronic", date(2024, 2, 28)),
        (date(2025, 12, 31), "electronic", date(2026, 12, 31)),
    ],
)
def test_warranty_end_clamps_to_month_end(
    delivered: date, product_type: str, last_day: date
) -> None:
    assert warranty_end(delivered, product_type) == last_day


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 1, 5), 5, date(2026, 1, 12)),  # Monday + 5 = next Monday
        (date(2026, 1, 9), 1, date(2026, 1, 12)),  # Friday + 1 = Monday
        (date(2026, 1, 10), 1, date(2026, 1, 12)),  # Saturday + 1 = Monday
        (date(2026, 1, 8), 7, date(2026, 1, 19)),  # Thursday + 7
        (date(2026, 1, 5), 0, date(2026, 1, 5)),
    ],
)
def test_add_business_days(start: date, days: int, expected: date) -> None:
    assert add_business_days(start, days) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("request", "refund"),
        ("reason", "bored"),
        ("channel", "ebay"),
        ("product_type", "premium"),
        ("condition", "used"),
        ("purchase_date", "2026-02-30"),
        ("purchase_date", "01/05/2026"),
        ("purchase_date", "20260105"),
        ("purchase_date", "9999-12-31"),  # the windows add days: this would overflow
        ("delivery_date", "0001-01-01"),
        ("request_date", date(9999, 12, 31)),
        ("price", "-1"),
        ("price", "1.999"),
        ("price", "abc"),
        ("price", "1,50"),
        ("return_shipping_cost", True),
        ("has_photo", "maybe"),
        ("product_name", "x" * 301),
    ],
)
def test_invalid_values_name_the_field(field: str, value: object) -> None:
    with pytest.raises(FactsError) as error:
        parse_facts({field: value})
    assert error.value.field == field and error.value.message


def test_dates_out_of_order_are_invalid() -> None:
    with pytest.raises(FactsError) as error:
        parse_facts({"purchase_date": "2026-01-05", "delivery_date": "2026-01-04"})
    assert error.value.field == "delivery_date"
    with pytest.raises(FactsError) as error:
        parse_facts({"purchase_date": "2026-01-05", "request_date": "2026-01-04"})
    assert error.value.field == "request_date"


def test_blank_unknown_and_extra_values_are_missing() -> None:
    facts = parse_facts(
        {"request": "", "reason": "  ", "channel": "unknown", "price": None, "colour": "red"}
    )
    assert facts == Facts()


def test_python_values_and_round_trip() -> None:
    facts = parse_facts(
        {
            "request": "return",
            "purchase_date": date(2026, 1, 5),
            "price": Decimal("19.99"),
            "return_shipping_cost": "$5.50",
            "has_photo": False,
            "wants_refund": "Yes",
            "product_name": "  iPad   case ",
        }
    )
    assert facts.purchase_date == date(2026, 1, 5) and facts.price == Decimal("19.99")
    assert facts.return_shipping_cost == Decimal("5.50")
    assert facts.has_photo is False and facts.wants_refund is True
    assert facts.product_name == "iPad case"
    data = facts.to_dict()
    assert list(data) == list(FACT_NAMES)
    assert parse_facts(json.loads(json.dumps(data))) == facts


def test_verdict_round_trips_through_json() -> None:
    verdict = evaluate(parse_facts(RETURN))
    again = Verdict.from_dict(json.loads(json.dumps(verdict.to_dict())))
    assert again == verdict


def _reasons(facts: dict[str, str]) -> tuple[str, ...]:
    return evaluate(parse_facts(facts)).reasons


def test_reason_sentences_read_as_plain_words() -> None:
    """Reasons name a reason by its words, never its key, and read as sentences."""
    assert (
        "Changed their mind is not a quality problem, so the item must be new, unopened and "
        "sellable, and a 15% restocking fee and the return shipping cost are deducted from "
        "the refund."
    ) in _reasons(RETURN)
    assert (
        "Defective is a quality problem, so the store pays return shipping, charges no "
        "restocking fee, and the item's condition does not matter."
    ) in _reasons({**RETURN, "reason": "defective"})
    assert "The item is opened: not eligible." in _reasons({**RETURN, "condition": "opened"})
    assert "Damage caused by misuse is not covered by the warranty." in _reasons(
        {**WARRANTY, "reason": "misuse"}
    )
    assert (
        "Ordered the wrong model is not a defect, and the warranty covers only defects "
        "(reading); a 30-day return or exchange may apply instead."
    ) in _reasons({**WARRANTY, "reason": "wrong_model"})
    assert "Reported problem: missing item." in _reasons({**WARRANTY, "reason": "missing_item"})
    electronic = _reasons({**WARRANTY, "product_type": "electronic"})
    assert any("the 1-year warranty for an electronic product" in r for r in electronic)
    standard = _reasons(WARRANTY)
    assert any("the 3-month warranty for a standard product" in r for r in standard)


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize(
    "base", [RETURN, EXCHANGE, WARRANTY], ids=["return", "exchange", "warranty"]
)
def test_no_reason_shows_a_key(base: dict[str, str], reason: str) -> None:
    for sentence in _reasons({**base, "reason": reason}):
        assert "_" not in sentence and "(" + reason not in sentence, sentence
