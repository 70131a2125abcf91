"""Server-side sign-in sessions: the cookie names a row of user_session, which sign-out and
a new password revoke. None of these commit; the caller owns the transaction."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from helpdesk.models import AppSetting, PasswordReset, User, UserSession, utcnow

TWO_FACTOR_REQUIRED = "two_factor_required"  # the app_setting key (account/policy.py)


def digest(secret: str) -> str:
    """The sha256 stored for a random token (sessions, reset links, recovery codes)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(
    session: Session, user: User, user_agent: str = "", now: datetime | None = None
) -> str:
    """A new session for `user`; returns the token for the cookie (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=digest(token),
            user_agent=user_agent[:200],
            created_at=now or utcnow(),
        )
    )
    session.flush()
    return token


def session_user(
    session: Session, user_id: int, token: str, started_after: datetime | None = None
) -> User | None:
    """The active user whose live session `token` is, else None; in the same query, whether
    the user must set up two-factor sign-in first (`two_factor_due`). A session started
    before `started_after` has outlived its lifetime and signs nobody in."""
    required = (
        select(AppSetting.value).where(AppSetting.key == TWO_FACTOR_REQUIRED).scalar_subquery()
    )
    query = (
        select(User, required)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == user_id,
            User.active.is_(True),
            UserSession.token_hash == digest(token),
            UserSession.revoked_at.is_(None),
        )
    )
    if started_after is not None:
        query = query.where(UserSession.created_at >= started_after)
    row = session.execute(query).first()
    if row is None:
        return None
    user, setting = row
    user.two_factor_due = setting == "1" and not user.has_two_factor
    return user


def revoke_session(session: Session, token: str, now: datetime | None = None) -> None:
    """End one session (sign-out): its cookie no longer signs anyone in."""
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def revoke_sessions(
    session: Session, user_id: int, keep_token: str = "", now: datetime | None = None
) -> int:
    """End every live session of the user but the one holding `keep_token`; returns how many."""
    query = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep_token:
        query = query.where(UserSession.token_hash != digest(keep_token))
    result = session.execute(
        query.values(revoked_at=now or utcnow()).execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount or 0


def revoke_one_session(
    session: Session, user_id: int, session_id: int, keep_token: str, now: datetime | None = None
) -> bool:
    """End the user's live session `session_id` unless it holds `keep_token` (the current
    one: signing out here is the sign-out button); False when there is no such session."""
    result = session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            UserSession.token_hash != digest(keep_token),
        )
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(cast("CursorResult[Any]", result).rowcount)


def live_sessions(
    session: Session, user_id: int, started_after: datetime | None = None
) -> list[UserSession]:
    """The user's sessions that still sign in, newest first."""
    query = select(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if started_after is not None:
        query = query.where(UserSession.created_at >= started_after)
    return list(
        session.scalars(query.order_by(UserSession.created_at.desc(), UserSession.id.desc()))
    )


KEEP_ENDED = timedelta(days=7)  # ended sessions and spent reset links, kept for a look back


def purge_stale(session: Session, started_after: datetime, now: datetime | None = None) -> int:
    """Delete sessions that ended (or outlived `started_after`) and reset links that were
    used or expired, more than a week ago; returns how many rows went."""
    now = now or utcnow()
    cutoff = now - KEEP_ENDED
    gone = session.execute(
        delete(UserSession)
        .where(
            or_(
                UserSession.revoked_at < cutoff, UserSession.created_at < started_after - KEEP_ENDED
            )
        )
        .execution_options(synchronize_session=False)
    )
    links = session.execute(
        delete(PasswordReset)
        .where(or_(PasswordReset.used_at < cutoff, PasswordReset.expires_at < cutoff))
        .execution_options(synchronize_session=False)
    )
    total = cast("CursorResult[Any]", gone).rowcount + cast("CursorResult[Any]", links).rowcount
    return total or 0


class OtherSession(NamedTuple):
    """Another signed-in browser, as the profile lists it."""

    id: int
    browser: str
    created_at: datetime


_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_name(user_agent: str) -> str:
    """'Firefox on Windows' from a User-Agent header; 'A browser' when it tells nothing."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "A browser")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    return f"{browser} on {system}" if system else browser
