"""Account operations shared by the CLI and the web views."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from helpdesk.auth.sessions import revoke_sessions
from helpdesk.models import CATEGORIES, ROLES, CategoryFollow, User

MIN_PASSWORD = 8


class AccountError(ValueError):
    """A request about accounts that cannot be done (the message says why)."""


def create_user(session: Session, email: str, name: str, role: str, password: str) -> User:
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if "@" not in email:
        raise AccountError(f"{email!r} is not an email address")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise AccountError(f"a user with the email {email} already exists")
    user = User(email=email, name=name.strip() or email, role=role)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, else None (same answer for both faults)."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        User(email="", name="", password_hash="").set_password(password)  # same cost either way
        return None
    return user if user.check_password(password) else None


def set_password(
    session: Session, user: User, password: str, keep_token: str = "", now: datetime | None = None
) -> int:
    """Give `user` a new password and end their other sessions (all but the one holding
    `keep_token`); returns how many ended."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the new password must have at least {MIN_PASSWORD} characters")
    user.set_password(password)
    return revoke_sessions(session, user.id, keep_token, now)


def change_own_password(
    session: Session, user: User, current: str, new: str, keep_token: str
) -> int:
    """The signed-in user changes their password, proving they know the current one."""
    if not user.check_password(current):
        raise AccountError("the current password is not right")
    return set_password(session, user, new, keep_token)


def update_profile(user: User, name: str, signature: str) -> None:
    """The user's own name (shown to customers) and reply signature."""
    name = name.strip()
    if not name:
        raise AccountError("the name cannot be empty")
    user.name = name[:200]
    user.signature = signature.strip()


def set_notifications(
    session: Session,
    user: User,
    *,
    assigned: bool,
    customer_wrote: bool,
    sla: bool,
    snoozed: bool,
    categories: Collection[str] = (),
) -> None:
    """Which notification mails the user gets (helpdesk/notifications.py), and the
    categories whose new tickets they follow (an unknown one raises AccountError)."""
    unknown = set(categories) - set(CATEGORIES)
    if unknown:
        raise AccountError(f"unknown category {min(unknown)!r}")
    user.notify_assigned = assigned
    user.notify_customer_wrote = customer_wrote
    user.notify_sla = sla
    user.notify_snoozed = snoozed
    session.execute(delete(CategoryFollow).where(CategoryFollow.user_id == user.id))
    session.add_all(CategoryFollow(user_id=user.id, category=c) for c in sorted(set(categories)))


def followed_categories(session: Session, user_id: int) -> list[str]:
    return list(
        session.scalars(
            select(CategoryFollow.category)
            .where(CategoryFollow.user_id == user_id)
            .order_by(CategoryFollow.category)
        )
    )
