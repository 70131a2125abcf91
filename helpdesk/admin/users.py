"""Staff accounts as an admin manages them: invite, change role, deactivate, reactivate.

Every change is audited. None of these commit; the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from helpdesk.audit import record_audit
from helpdesk.auth.services import AccountError, create_user, set_password
from helpdesk.auth.sessions import revoke_sessions
from helpdesk.models import ROLES, ApiToken, User, utcnow

LAST_ADMIN = "{email} is the last active admin; make someone else an admin first."


@dataclass(frozen=True)
class UserRow:
    user: User
    live_tokens: int
    token_last_used_at: datetime | None


def list_users(session: Session) -> list[UserRow]:
    """Every user, active first then by name, with their live API tokens (two queries)."""
    users = session.scalars(select(User).order_by(User.active.desc(), User.name, User.id)).all()
    tokens = {
        user_id: (count, last)
        for user_id, count, last in session.execute(
            select(ApiToken.user_id, func.count(ApiToken.id), func.max(ApiToken.last_used_at))
            .where(ApiToken.revoked_at.is_(None))
            .group_by(ApiToken.user_id)
        )
    }
    return [UserRow(u, *tokens.get(u.id, (0, None))) for u in users]


def invite_user(
    session: Session, actor_id: int, *, email: str, name: str, role: str, password: str
) -> User:
    """A new active user who signs in with `password` (raises AccountError)."""
    user = create_user(session, email, name, role, password)
    record_audit(session, actor_id, "user.create", "user", user.id, email=user.email, role=role)
    return user


def change_role(session: Session, actor_id: int, user: User, role: str) -> None:
    """Give `user` another role; the last active admin keeps theirs."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if role == user.role:
        return
    if user.role == "admin" and role != "admin":
        _keep_an_admin(session, user)
    record_audit(session, actor_id, "user.role", "user", user.id, old=user.role, new=role)
    user.role = role


def deactivate_user(
    session: Session, actor_id: int, user: User, now: datetime | None = None
) -> int:
    """Stop `user` signing in, end their sessions and revoke their API tokens; returns how
    many tokens were revoked."""
    if not user.active:
        return 0
    if user.role == "admin":
        _keep_an_admin(session, user)
    user.active = False
    revoke_sessions(session, user.id, now=now)
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    revoked = cast("CursorResult[Any]", result).rowcount
    record_audit(
        session, actor_id, "user.deactivate", "user", user.id, email=user.email, tokens=revoked
    )
    return revoked


def reactivate_user(session: Session, actor_id: int, user: User, password: str) -> None:
    """Let `user` sign in again with a new password (so no session from before comes back).

    Their revoked API tokens stay revoked.
    """
    if user.active:
        return
    set_password(session, user, password)
    user.active = True
    record_audit(session, actor_id, "user.reactivate", "user", user.id, email=user.email)


def _keep_an_admin(session: Session, leaving: User) -> None:
    """Refuse when `leaving` is the only active admin (rows locked on PostgreSQL)."""
    admins = session.scalars(
        select(User.id).where(User.role == "admin", User.active.is_(True)).with_for_update()
    ).all()
    if set(admins) <= {leaving.id}:
        raise AccountError(LAST_ADMIN.format(email=leaving.email))
