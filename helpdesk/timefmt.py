"""Dates and timestamps as text.

For machines (the API's JSON, the export): `iso`, ISO 8601. For people: `storetime` and
`storedate` in the store's time zone (HELPDESK_TIMEZONE) with its abbreviation, and `utctime`
for the tooltip that gives the same moment in UTC. The `when` macro of templates/_time.html
puts them together in a <time> element. A naive datetime is a bug (ours are all aware),
so it raises ValueError instead of being guessed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask, current_app

MINUTES = "%Y-%m-%d %H:%M"


def iso(value: date | None) -> str | None:
    """ISO 8601 (a datetime keeps its offset: ours are UTC); None stays None."""
    return None if value is None else value.isoformat()


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: its time zone is unknown")
    return value


def storetime(value: datetime | None, timezone: str, fmt: str = MINUTES) -> str:
    """ "2026-12-03 16:05 PST": the moment in the store's zone with its abbreviation."""
    if value is None:
        return ""
    local = _aware(value).astimezone(zone(timezone))
    return f"{local.strftime(fmt)} {local.tzname()}"


def storedate(value: date | None, timezone: str) -> str:
    """The store's calendar day of a moment ("2026-12-03"); a date is shown as it is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _aware(value).astimezone(zone(timezone)).date().isoformat()
    return value.isoformat()


def utctime(value: datetime | None, fmt: str = MINUTES) -> str:
    """ "2026-12-04 00:05 UTC": the tooltip next to a store time."""
    if value is None:
        return ""
    return _aware(value).astimezone(UTC).strftime(fmt) + " UTC"


def register(app: Flask) -> None:
    """Filters `storetime`, `storedate`, `utctime`, and `storeclock`/`utcclock` (the time
    of day only); the zone comes from the app's HELPDESK_TIMEZONE."""

    def tz() -> str:
        return str(current_app.config["HELPDESK_TIMEZONE"])

    app.jinja_env.filters["storetime"] = lambda value: storetime(value, tz())
    app.jinja_env.filters["storeclock"] = lambda value: storetime(value, tz(), "%H:%M")
    app.jinja_env.filters["storedate"] = lambda value: storedate(value, tz())
    app.jinja_env.filters["utctime"] = utctime
    app.jinja_env.filters["utcclock"] = lambda value: utctime(value, "%H:%M")
