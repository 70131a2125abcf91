"""Forgotten passwords: a single-use link, valid 30 minutes, mailed through the outbox.

Only the token's sha256 is stored. Setting the password ends every session of the user
(but the one given). None of these commit; the caller owns the transaction.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from helpdesk.account.mail import queue_account_mail
from helpdesk.audit import record_audit
from helpdesk.auth.services import AccountError, set_password
from helpdesk.auth.sessions import digest
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import PasswordReset, User, utcnow

VALID_FOR = timedelta(minutes=30)
LINK_GONE = "This link has expired or was already used. Ask for a new one."


def reset_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/password/reset/{token}"


def send_reset_link(
    session: Session,
    user: User,
    *,
    identity: MailIdentity,
    base_url: str,
    requested_by: User | None = None,
    now: datetime | None = None,
) -> PasswordReset:
    """Store a new reset link for `user` and queue the one mail that carries it."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(
        user_id=user.id,
        token_hash=digest(token),
        requested_by_id=requested_by.id if requested_by else None,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    session.add(reset)
    who = f"{requested_by.name}, an admin," if requested_by else "Someone (we hope you)"
    minutes = int(VALID_FOR.total_seconds() // 60)
    text = (
        f"Hello {user.name},\n\n"
        f"{who} asked for a link to set a new password for your account ({user.email}) "
        f"on the {identity.store_name} helpdesk:\n\n"
        f"{reset_link(base_url, token)}\n\n"
        f"It works once, for the next {minutes} minutes. Setting a new password signs you "
        "out everywhere else. If you did not ask for it, ignore this mail: your password "
        "stays as it is.\n"
    )
    queue_account_mail(session, identity, user.email, "set a new password", text)
    if requested_by is not None:
        record_audit(session, requested_by.id, "user.reset_link", "user", user.id, email=user.email)
    session.flush()
    return reset


def request_reset(
    session: Session,
    email: str,
    *,
    identity: MailIdentity,
    base_url: str,
    now: datetime | None = None,
) -> bool:
    """Someone forgot the password of `email`: mail a link if it is an active account.
    The caller answers the same either way; the result is for tests and logs."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        return False
    send_reset_link(session, user, identity=identity, base_url=base_url, now=now)
    return True


def valid_reset(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The active user a live (unused, unexpired) link is for, else None."""
    return session.scalar(
        select(User)
        .join(PasswordReset, PasswordReset.user_id == User.id)
        .where(
            PasswordReset.token_hash == digest(token),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > (now or utcnow()),
            User.active.is_(True),
        )
    )


def use_reset(session: Session, token: str, password: str, now: datetime | None = None) -> User:
    """Set the password through a live link, once: the link (and every other of the user's)
    is used up, and every session of the user ends. Raises AccountError."""
    now = now or utcnow()
    user = valid_reset(session, token, now)
    if user is None:
        raise AccountError(LINK_GONE)
    taken = session.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == digest(token), PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", taken).rowcount != 1:  # used meanwhile by another request
        raise AccountError(LINK_GONE)
    set_password(session, user, password, now=now)
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return user
