from __future__ import annotations

from helpdesk.auth.sessions import session_user
from helpdesk.extensions import db
from helpdesk.models import User


def load_user(user_id: str) -> User | None:
    """The active user whose live server-side session the cookie names ("id:token")."""
    number, _, token = user_id.partition(":")
    if not token:
        return None  # a cookie from before server-side sessions
    try:
        user = session_user(db.session, int(number), token)
    except ValueError:
        return None
    if user is not None:
        user.session_token = token
    return user
