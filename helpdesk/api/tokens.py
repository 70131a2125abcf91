"""API tokens: created for a user, stored as sha256, shown in clear once, revocable.

None of these commit; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from helpdesk.access import RANK
from helpdesk.models import ApiToken, User, utcnow

TOUCH_INTERVAL = timedelta(minutes=1)


class TokenError(ValueError):
    """A token operation that cannot be done (the message says why)."""


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(
    session: Session, email: str, name: str = "", role: str | None = None
) -> tuple[ApiToken, str]:
    """A new token for the active user `email`, and its secret.

    The token's role is `role`, which may be lower than the user's but not higher;
    by default the user's current role.
    """
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise TokenError(f"there is no user with the email {email}")
    if not user.active:
        raise TokenError(f"{user.email} is deactivated")
    role = role or user.role
    if role not in RANK:
        raise TokenError(f"unknown role {role!r}: choose one of {', '.join(RANK)}")
    if RANK[role] > RANK.get(user.role, 0):
        raise TokenError(f"{user.email} is {user.role}: a token cannot have the role {role}")
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name.strip()[:200], token_hash=hash_token(raw), role=role
    )
    session.add(token)
    session.flush()
    return token, raw


def list_tokens(session: Session) -> list[tuple[ApiToken, str]]:
    """Every token with its user's email, newest first."""
    rows = session.execute(
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.id.desc())
    ).all()
    return [(token, email) for token, email in rows]


def revoke_token(session: Session, token_id: int, now: datetime | None = None) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenError(f"there is no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
    return token


def find_token(session: Session, raw: str) -> tuple[ApiToken, User] | None:
    """The live token with this secret and its active user, else None."""
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash == hash_token(raw),
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).first()
    return None if row is None else (row[0], row[1])


def effective_role(token: ApiToken, user: User) -> str:
    """The token's role, lowered to the user's if the user has since been demoted."""
    return min(token.role, user.role, key=lambda role: RANK.get(role, 0))


def touch_token(session: Session, token: ApiToken, now: datetime | None = None) -> None:
    """Record use, at most once per TOUCH_INTERVAL (one conditional UPDATE, no read)."""
    now = now or utcnow()
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOUCH_INTERVAL),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
