from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from helpdesk.auth.sessions import session_user
from helpdesk.extensions import db
from helpdesk.models import User, utcnow


def sessions_started_after(now: datetime | None = None) -> datetime:
    """The oldest sign-in still honoured (SESSION_LIFETIME_DAYS before `now`)."""
    days = int(current_app.config.get("SESSION_LIFETIME_DAYS", 30))
    return (now or utcnow()) - timedelta(days=days)


def load_user(user_id: str) -> User | None:
    """The active user whose live server-side session the cookie names ("id:token")."""
    number, _, token = user_id.partition(":")
    if not token:
        return None  # a cookie from before server-side sessions
    try:
        user = session_user(db.session, int(number), token, sessions_started_after())
    except ValueError:
        return None
    if user is not None:
        user.session_token = token
    return user
