"""The acknowledgement greets the customer by a plausible first name, or not by name."""

from __future__ import annotations

import pytest

from helpdesk.acks import FIRST_NAME_MAX, AckFacts, ack_text, first_name


@pytest.mark.parametrize(
    ("display", "first"),
    [
        ("Kim Lee", "Kim"),
        ("  Kim   Lee ", "Kim"),
        ("Lee, Kim", "Kim"),
        ("José María García", "José"),
        ("O'Brien", "O'Brien"),
        ("Anne-Marie Dupont", "Anne-Marie"),
        ("", ""),
        (None, ""),
        ("kim@example.com", ""),
        ("Shop4u Support", ""),
        ("=HYPERLINK()", ""),
        ("...", ""),
        ("A" * (FIRST_NAME_MAX + 1), ""),
        ("x" * 5000, ""),
        ("Kim\u0000Lee", ""),
    ],
)
def test_first_name(display: str | None, first: str) -> None:
    assert first_name(display) == first


def _ack(name: str) -> str:
    facts = AckFacts(
        number=1001,
        category="general",
        customer_name=name,
        store_name="ProCase",
        order_number="123456",
        has_photo=False,
    )
    return ack_text(facts)


def test_the_acknowledgement_greets_by_first_name() -> None:
    assert _ack("Kim Lee").startswith("Hello Kim,\n")
    assert _ack("").startswith("Hello,\n")


def test_a_huge_display_name_stays_out_of_the_mail() -> None:
    text = _ack("Ann" + "a" * 4997)
    assert text.startswith("Hello,\n") and len(text) < 1000
