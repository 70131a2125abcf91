"""Business-time arithmetic (pure): due times and elapsed minutes that count only the
store's working hours on its working days, in its time zone.

Each local day's window is turned into UTC before any arithmetic: Python subtracts two
aware datetimes of the same zone by wall clock, which is an hour off across a DST change.
All results are aware datetimes in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class BusinessHours:
    """Working hours (`closes` None: until midnight, written "24:00") on `days` (0 = Monday)."""

    opens: time
    closes: time | None
    days: frozenset[int]
    timezone: ZoneInfo

    def window(self, day: date) -> Window | None:
        """The day's working hours in UTC, or None on a day off."""
        if day.weekday() not in self.days:
            return None
        start = datetime.combine(day, self.opens, self.timezone)
        if self.closes is None:
            end = datetime.combine(day + timedelta(days=1), time.min, self.timezone)
        else:
            end = datetime.combine(day, self.closes, self.timezone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.timezone).date()


def _clock(text: str) -> time | None:
    hour, sep, minute = text.strip().partition(":")
    if not sep or not (hour.isdigit() and minute.isdigit() and len(minute) == 2):
        raise ValueError(f"{text.strip()!r} is not a time like 09:00")
    if (int(hour), int(minute)) == (24, 0):
        return None
    return time(int(hour), int(minute))


def _days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(f"{part!r} is not a day or range like mon-fri")
        a, b = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    return frozenset(days)


def parse_business_hours(hours: str, days: str, timezone: str) -> BusinessHours:
    """From settings like "09:00-17:00", "mon-fri" (or "mon-fri,sun"), "America/Los_Angeles".

    Raises ValueError with a message that names the bad part.
    """
    opens_text, sep, closes_text = hours.partition("-")
    if not sep:
        raise ValueError(f"business hours {hours!r} must look like 09:00-17:00")
    opens, closes = _clock(opens_text), _clock(closes_text)
    if opens is None or (closes is not None and closes <= opens):
        raise ValueError(f"business hours {hours!r} must open before they close")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{timezone!r} is not a known time zone") from None
    return BusinessHours(opens, closes, _days(days), zone)


def _windows(hours: BusinessHours, day: date, step: int) -> Iterator[Window]:
    """Working windows from `day` on, forwards (step 1) or backwards (step -1)."""
    if not hours.days:
        raise ValueError("there are no business days")
    while True:
        window = hours.window(day)
        if window is not None:
            yield window
        day += timedelta(days=step)


def add_business_minutes(start: datetime, minutes: float, hours: BusinessHours) -> datetime:
    """The moment when `minutes` of business time have passed since `start`."""
    remaining = timedelta(minutes=minutes)
    cursor = start.astimezone(UTC)
    if remaining <= timedelta(0):
        return cursor
    for opens, closes in _windows(hours, hours.local_day(cursor), 1):
        if closes <= cursor:
            continue
        begin = max(opens, cursor)
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise AssertionError("unreachable")


def subtract_business_minutes(end: datetime, minutes: float, hours: BusinessHours) -> datetime:
    """The latest start from which `minutes` of business time have passed by `end`.

    So `add_business_minutes(s, minutes) <= end` exactly when `s <= this`.
    """
    remaining = timedelta(minutes=minutes)
    cursor = end.astimezone(UTC)
    if remaining <= timedelta(0):
        return cursor
    for opens, closes in _windows(hours, hours.local_day(cursor), -1):
        if opens >= cursor:
            continue
        finish = min(closes, cursor)
        if remaining <= finish - opens:
            return finish - remaining
        remaining -= finish - opens
    raise AssertionError("unreachable")


def business_minutes_between(start: datetime, end: datetime, hours: BusinessHours) -> float:
    """Business minutes from `start` to `end` (0 when end is not after start)."""
    low, high = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta(0)
    if high <= low:
        return 0.0
    for opens, closes in _windows(hours, hours.local_day(low), 1):
        if opens >= high:
            break
        overlap = min(closes, high) - max(opens, low)
        if overlap > timedelta(0):
            total += overlap
    return total.total_seconds() / 60
