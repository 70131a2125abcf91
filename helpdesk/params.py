"""Reading ids, numbers and dates from requests: one strict helper each, used everywhere.

Python's int() and str.isdigit() accept more than ASCII digits ('²', Arabic-Indic digits)
and numbers of any size; the database stores ids as 32-bit integers (PostgreSQL refuses
larger ones where SQLite forgives). These helpers accept plain ASCII digits within range
and say what is wrong otherwise. Pure code: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

MAX_ID = 2**31 - 1  # every id and ticket number is an `integer` column
MAX_DIGITS = 19  # longer digit strings are refused before int() is asked
# Far enough apart for any store; keeps day arithmetic away from date.min/date.max.
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2999, 12, 31)


class ParamError(ValueError):
    """A parameter the request cannot use; `message` says why, for the user."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def is_digits(text: str) -> bool:
    """Only ASCII 0-9, at least one, and not absurdly many."""
    return 0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit()


def parse_int(text: str | None, low: int, high: int) -> int | None:
    """`text` as a whole number within [low, high]; None when it is not one."""
    text = (text or "").strip()
    if not is_digits(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_id(text: str | None) -> int | None:
    """A database id (1 .. MAX_ID) or None: callers treat None as "no such record"."""
    return parse_int(text, 1, MAX_ID)


def record_id(text: str) -> int:
    """An id or ValueError (what WTForms' `coerce` expects)."""
    value = parse_id(text)
    if value is None:
        raise ValueError(f"not a record number: {text[:20]!r}")
    return value


def optional_id(args: Mapping[str, str], name: str) -> int | None:
    """`args[name]` as an id; absent gives None, anything but an id raises ParamError."""
    text = (args.get(name) or "").strip()
    if not text:
        return None
    value = parse_id(text)
    if value is None:
        raise ParamError(name, f"{name} must be a record number from 1 to {MAX_ID}.")
    return value


def parse_limit(text: str | None, default: int, maximum: int, name: str = "limit") -> int:
    """A page size from 1 to `maximum`; empty gives `default`."""
    text = (text or "").strip()
    if not text:
        return default
    value = parse_int(text, 1, maximum)
    if value is None:
        raise ParamError(name, f"{name} must be a whole number from 1 to {maximum}.")
    return value


def parse_date(
    text: str | None, name: str, earliest: date = EARLIEST_DAY, latest: date = LATEST_DAY
) -> date | None:
    """A day written YYYY-MM-DD from `earliest` to `latest`; empty gives None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if text.isascii() else None
    except ValueError:
        day = None
    if day is None:
        raise ParamError(
            name,
            f"The {name} date {text[:40]!r} is not a date written YYYY-MM-DD, like 2026-11-30.",
        )
    if not earliest <= day <= latest:
        raise ParamError(name, f"The {name} date must be between {earliest} and {latest}.")
    return day


def day_in_range(day: date | None) -> bool:
    """Whether a day (e.g. from a form's DateField) is one the helpdesk can compute with."""
    return day is None or EARLIEST_DAY <= day <= LATEST_DAY
