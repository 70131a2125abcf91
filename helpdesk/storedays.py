"""Days in the store's time zone (HELPDESK_TIMEZONE), as aware datetimes to compare with UTC."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def local_midnight(day: date, timezone: str) -> datetime:
    """The moment `day` starts in `timezone`."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(timezone))


def start_of_day(now: datetime, timezone: str) -> datetime:
    """The moment `now`'s day started in `timezone`."""
    return local_midnight(local_today(now, timezone), timezone)
