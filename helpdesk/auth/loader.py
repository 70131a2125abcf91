from __future__ import annotations

from helpdesk.extensions import db
from helpdesk.models import User


def load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None
