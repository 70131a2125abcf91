from __future__ import annotations

import hmac

from helpdesk.extensions import db
from helpdesk.models import User


def load_user(user_id: str) -> User | None:
    """The active user a session names, if it was made with their current password."""
    number, _, stamp = user_id.partition(":")
    try:
        user = db.session.get(User, int(number))
    except ValueError:
        return None
    if user is None or not user.active:
        return None
    return user if hmac.compare_digest(stamp, user.session_stamp) else None
