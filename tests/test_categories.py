"""Subject rules, prefixes, tokens and order numbers: pure functions, no app."""

from __future__ import annotations

import pytest

from helpdesk.categories import (
    DEFAULT_RULES,
    Rule,
    categorize,
    find_order_number,
    strip_prefixes,
    ticket_token,
)
from helpdesk.settings import DEFAULT_ORDER_PATTERNS

RULES = [Rule(category, pattern) for category, pattern in DEFAULT_RULES]


@pytest.mark.parametrize(
    ("subject", "category"),
    [
        ("Wrong Item Received", "wrong_item"),
        ("WRONG ITEM RECEIVED!!", "wrong_item"),
        ("Re: Fwd: AW: wrong item received", "wrong_item"),
        ("I got the wrong product", "wrong_item"),
        ("This is not what I ordered", "wrong_item"),
        ("Received the wrong case", "wrong_item"),
        ("Wrong item - I want a refund", "wrong_item"),
        ("Warranty claim", "warranty"),
        ("Keyboard stopped working", "warranty"),
        ("Defective charger", "warranty"),
        ("My case broke after a week", "warranty"),
        ("Faulty hinge", "warranty"),
        ("Return request", "return"),
        ("Returning my order", "return"),
        ("Refund please", "return"),
        ("Money back guarantee", "return"),
        ("Exchange for another model", "return"),
        ("Restocking fee?", "return"),
        ("Where is my order?", "shipping"),
        ("Tracking number", "shipping"),
        ("Can you expedite?", "shipping"),
        ("Overnight shipping", "shipping"),
        ("International delivery to Canada", "shipping"),
        ("Promo code not working", "promotion"),
        ("Coupon", "promotion"),
        ("Discount for students?", "promotion"),
        ("YouTube reviewer collaboration", "partnership"),
        ("Influencer program", "partnership"),
        ("Blog feature", "partnership"),
        ("Question about case compatibility", "general"),
        ("Barcode on the box", "general"),
        ("", "general"),
        ("SV: Hej", "general"),
        ("RE[2]: tracking", "shipping"),
        ("[#1234] Re: Where is my order", "shipping"),
    ],
)
def test_default_rules(subject: str, category: str) -> None:
    assert categorize(subject, RULES) == category


def test_first_matching_rule_wins_and_bad_regex_is_skipped() -> None:
    rules = [
        Rule("promotion", "([", is_regex=True),
        Rule("partnership", r"^vip\b", is_regex=True),
        Rule("promotion", "vip"),
    ]
    assert categorize("VIP club", rules) == "partnership"
    assert categorize("About the VIP club", rules) == "promotion"


@pytest.mark.parametrize(
    ("subject", "stripped"),
    [
        ("Re: Re: hello", "hello"),
        ("FWD: AW: Sv: hi", "hi"),
        ("Re[3]: x", "x"),
        ("Reply needed", "Reply needed"),
        ("Antw: test", "test"),
        ("re\uff1afullwidth", "fullwidth"),
    ],
)
def test_strip_prefixes(subject: str, stripped: str) -> None:
    assert strip_prefixes(subject) == stripped


def test_ticket_token() -> None:
    assert ticket_token("Re: [#1042] Where is my order?") == 1042
    assert ticket_token("#1042 without brackets") is None
    assert ticket_token("") is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("My Amazon order 123-1234567-1234567 arrived broken", "123-1234567-1234567"),
        ("Order #204518 never came", "204518"),
        ("Re: [#100234] order #204518", "204518"),
        ("[#100234] no order here", None),
        ("call me at 555-1234", None),
        ("", None),
    ],
)
def test_order_numbers(text: str, number: str | None) -> None:
    assert find_order_number(text, DEFAULT_ORDER_PATTERNS) == number
