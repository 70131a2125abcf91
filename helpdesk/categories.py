"""Subject-line categorization: an ordered rule table, first match wins, else general."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import CategoryRule

# Reply/forward prefixes in the languages customers write in, repeated or bracketed:
# "Re: AW: Fwd:", "RE[2]:", "Antw:", "SV:", "VS:", "TR:", "WG:", "RIF:", "Odp:".
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|sv|vs|wg|tr|rif|antw|odp|res|enc|r)\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]\s*)+",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\[#(\d{1,12})\]")
MAX_ORDER_NUMBER = 40  # ticket.order_number's length; a longer match is no order number

# The store's starting point (the store's subject lines), in priority order.
DEFAULT_RULES: tuple[tuple[str, str], ...] = (
    ("wrong_item", "wrong item"),
    ("wrong_item", "wrong product"),
    ("wrong_item", "not what i ordered"),
    ("wrong_item", "incorrect item"),
    ("wrong_item", "received the wrong"),
    ("wrong_item", "wrong case"),
    ("warranty", "warranty"),
    ("warranty", "defective"),
    ("warranty", "broken"),
    ("warranty", "broke"),
    ("warranty", "stopped working"),
    ("warranty", "faulty"),
    ("return", "return"),
    ("return", "refund"),
    ("return", "money back"),
    ("return", "exchange"),
    ("return", "restocking"),
    ("shipping", "where is my order"),
    ("shipping", "tracking"),
    ("shipping", "shipping"),
    ("shipping", "shipped"),
    ("shipping", "delivery"),
    ("shipping", "delivered"),
    ("shipping", "expedite"),
    ("shipping", "overnight"),
    ("shipping", "international"),
    ("promotion", "promo"),
    ("promotion", "coupon"),
    ("promotion", "discount"),
    ("promotion", "code"),
    ("partnership", "reviewer"),
    ("partnership", "review"),
    ("partnership", "influencer"),
    ("partnership", "youtube"),
    ("partnership", "blog"),
    ("partnership", "collaboration"),
)


@dataclass(frozen=True)
class Rule:
    category: str
    pattern: str
    is_regex: bool = False


def strip_prefixes(subject: str) -> str:
    """The subject without Re:/Fwd:/AW:/SV:… prefixes."""
    return _PREFIX.sub("", subject or "").strip()


def ticket_token(subject: str) -> int | None:
    """The ticket number of a `[#1234]` token in the subject, if any."""
    match = _TOKEN.search(subject or "")
    return int(match.group(1)) if match else None


@lru_cache(maxsize=512)
def _compile(pattern: str, is_regex: bool) -> re.Pattern[str]:
    if is_regex:
        return re.compile(pattern, re.IGNORECASE)
    # A phrase matches at a word start: "return" matches "returned", "code" not "barcode".
    words = r"\s+".join(re.escape(w) for w in pattern.split())
    return re.compile(r"(?<!\w)" + words, re.IGNORECASE)


def categorize(subject: str, rules: Sequence[Rule]) -> str:
    text = _TOKEN.sub(" ", strip_prefixes(subject))
    for rule in rules:
        try:
            if _compile(rule.pattern, rule.is_regex).search(text):
                return rule.category
        except re.error:
            continue
    return "general"


def load_rules(session: Session) -> list[Rule]:
    rows = session.scalars(
        select(CategoryRule).where(CategoryRule.active.is_(True)).order_by(CategoryRule.position)
    )
    return [Rule(r.category, r.pattern, r.is_regex) for r in rows]


def seed_rules(session: Session, rules: Iterable[tuple[str, str]] = DEFAULT_RULES) -> int:
    """Insert the default rules when the table is empty; returns how many were added."""
    if session.scalar(select(CategoryRule.id).limit(1)) is not None:
        return 0
    count = 0
    for position, (category, pattern) in enumerate(rules, start=1):
        session.add(CategoryRule(position=position * 10, category=category, pattern=pattern))
        count += 1
    return count


def find_order_number(text: str, pattern: str) -> str | None:
    """The first order number in `text` (Amazon 123-1234567-1234567 or the store's #123456)."""
    if not text:
        return None
    match = re.search(pattern, _TOKEN.sub(" ", text))
    if not match:
        return None
    number = match.group(0).lstrip("#")
    return number if len(number) <= MAX_ORDER_NUMBER else None
