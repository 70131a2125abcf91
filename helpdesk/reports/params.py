"""Date ranges from a request's `start` and `end` (YYYY-MM-DD, both days included)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from helpdesk.params import ParamError, parse_date
from helpdesk.storedays import local_midnight

DEFAULT_DAYS = 30
MAX_DAYS = 366


class RangeError(ParamError):
    """A start or end the report cannot use; `message` says why, for the user."""


def _day(args: Mapping[str, str], name: str, default: date) -> date:
    try:
        day = parse_date(args.get(name), name)
    except ParamError as exc:
        raise RangeError(exc.field, exc.message) from None
    return default if day is None else day


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
