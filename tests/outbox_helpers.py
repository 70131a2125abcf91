"""Running the outbox sender in the test's process."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from helpdesk.outbox.sender import SenderSettings, send_due


def send_now(session: Session) -> dict[str, int]:
    """One pass of the sender with the current app's settings, as `helpdesk outbox send`
    builds them."""
    return send_due(session, SenderSettings.from_app(current_app))
