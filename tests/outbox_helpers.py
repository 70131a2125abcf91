"""Running the outbox sender in the test's process."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from helpdesk.outbox.sender import SenderSettings, send_due


def send_now(session: Session, now: datetime | None = None) -> dict[str, int]:
    """One pass of the sender with the current app's settings, as `helpdesk outbox send`
    builds them; what is due at `now` (default: the clock)."""
    return send_due(session, SenderSettings.from_app(current_app), now=now)
