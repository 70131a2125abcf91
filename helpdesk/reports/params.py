"""Date ranges from a request's `start` and `end` (YYYY-MM-DD, both days included)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from helpdesk.storedays import local_midnight

DEFAULT_DAYS = 30
MAX_DAYS = 366
# Far enough apart for any store; keeps day arithmetic away from date.min/date.max.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


class RangeError(ValueError):
    """A start or end the report cannot use; `message` says why, for the user."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _day(args: Mapping[str, str], name: str, default: date) -> date:
    text = (args.get(name) or "").strip()
    if not text:
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError:
        message = f"The {name} date {text[:40]!r} is not a date like 2026-11-30."
        raise RangeError(name, message) from None
    if not EARLIEST <= day <= LATEST:
        raise RangeError(name, f"The {name} date must be between {EARLIEST} and {LATEST}.")
    return day


def parse_range(args: Mapping[str, str], today: date) -> tuple[date, date]:
    """The requested days; by default the last 30 days up to today."""
    end = _day(args, "end", today)
    start = _day(args, "start", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise RangeError("start", "The start date must not be after the end date.")
    if (end - start).days + 1 > MAX_DAYS:
        raise RangeError("end", f"A report covers at most {MAX_DAYS} days; choose a shorter range.")
    return start, end


def day_bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """[low, high) in UTC: from the start day's local midnight to the one after the end day."""
    low = local_midnight(start, timezone).astimezone(UTC)
    high = local_midnight(end + timedelta(days=1), timezone).astimezone(UTC)
    return low, high
