"""Where a `next` parameter may send a user back to: only a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None) -> str:
    """`target` when it is a local path; anything else goes to the queue."""
    if not target or "\\" in target:
        return url_for("tickets.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("tickets.index")
    return target
