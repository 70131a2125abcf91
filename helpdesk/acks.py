"""The acknowledgement a customer gets for a new ticket: what the store needs next.

Pure: text in, text out. The wording follows the store policy (docs/policy.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A first name longer than this is not one (a display name can be anything, of any length).
FIRST_NAME_MAX = 40
_NOT_A_NAME = re.compile(r"[@<>\[\]{}()/\\|:;=+*#%$!?\"]|\d")


@dataclass(frozen=True)
class AckFacts:
    number: int
    category: str
    customer_name: str
    store_name: str
    order_number: str | None
    has_photo: bool


_NEEDS: dict[str, str] = {
    "wrong_item": (
        "We are sorry you received the wrong item. So that we can send the correct one "
        "as soon as possible, please reply with a photo of the item you received."
    ),
    "warranty": (
        "To start your warranty claim we need your order ID, the product name and a short "
        "description of the problem (a photo helps). Reply with whatever is missing."
    ),
    "return": (
        "To start your return or exchange we need your order ID, the product name and the "
        "reason for the return. Products bought on our website are covered by our 30-day "
        "money back guarantee."
    ),
    "shipping": (
        "Standard shipping within the US is free and takes 5-10 working days by DHL or "
        "USPS; you get a tracking number by email when your order ships. We cannot "
        "expedite orders; our Amazon store offers faster shipping and ships abroad."
    ),
    "promotion": (
        "Only one promotional code can be used per order, entered in the cart before "
        "checkout. If a code does not work, please clear your browser cache or try another "
        "browser, and tell us the code if it still fails."
    ),
    "partnership": (
        "Thank you for your interest in working with us. Reviewers and influencers can "
        "join our influencer program; we will get back to you shortly."
    ),
    "general": "A member of our team will get back to you shortly.",
}


def ack_subject(subject: str) -> str:
    subject = subject.strip() or "your request"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def first_name(display_name: str | None) -> str:
    """The first name to greet in a display name, or "" when there is no plausible one.

    "Kim Lee" -> "Kim"; "Lee, Kim" -> "Kim". An address, a word with digits or symbols, or
    a word longer than FIRST_NAME_MAX gives "": the greeting is then "Hello,".
    """
    name = " ".join((display_name or "")[:1000].split())
    if "," in name:
        name = name.split(",", 1)[1].strip()
    word = name.split(" ", 1)[0].strip("'.-") if name else ""
    if not word or len(word) > FIRST_NAME_MAX or _NOT_A_NAME.search(word):
        return ""
    if not any(ch.isalpha() for ch in word) or not word.isprintable():
        return ""
    return word


def ack_text(facts: AckFacts) -> str:
    name = first_name(facts.customer_name)
    greeting = f"Hello {name}," if name else "Hello,"
    needs = _NEEDS.get(facts.category, _NEEDS["general"])
    if facts.category == "wrong_item" and facts.has_photo:
        needs = (
            "We are sorry you received the wrong item. Thank you for the photo: we will "
            "check it and send the correct item as soon as possible."
        )
    lines = [
        greeting,
        "",
        f"Thank you for contacting {facts.store_name} support. Your request has been "
        f"received as ticket #{facts.number}.",
        "",
        needs,
    ]
    if not facts.order_number and facts.category != "partnership":
        lines += ["", "Please include your order ID (for example #123456) in your reply."]
    lines += [
        "",
        f"Please keep [#{facts.number}] in the subject when you write about this request.",
        "",
        f"{facts.store_name} Support",
    ]
    return "\n".join(lines) + "\n"
