"""Server-side sign-in sessions: the cookie names a row of user_session, which sign-out and
a new password revoke. None of these commit; the caller owns the transaction."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from helpdesk.models import AppSetting, User, UserSession, utcnow

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


def session_user(session: Session, user_id: int, token: str) -> User | None:
    """The active user whose live session `token` is, else None; in the same query, whether
    the user must set up two-factor sign-in first (`two_factor_due`)."""
    required = (
        select(AppSetting.value).where(AppSetting.key == TWO_FACTOR_REQUIRED).scalar_subquery()
    )
    row = session.execute(
        select(User, required)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == user_id,
            User.active.is_(True),
            UserSession.token_hash == digest(token),
            UserSession.revoked_at.is_(None),
        )
    ).first()
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


def live_sessions(session: Session, user_id: int) -> list[UserSession]:
    """The user's sessions that still sign in, newest first."""
    return list(
        session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .order_by(UserSession.created_at.desc(), UserSession.id.desc())
        )
    )
