"""Dates and timestamps as text for machines (the API's JSON, the export): ISO 8601."""

from __future__ import annotations

from datetime import date


def iso(value: date | None) -> str | None:
    """ISO 8601 (a datetime keeps its offset: ours are UTC); None stays None."""
    return None if value is None else value.isoformat()
