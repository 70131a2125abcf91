"""Failed sign-ins never lock the rightful owner out.

Past LOGIN_LIMIT_PER_ACCOUNT failures for one account (from anywhere, in its window) the
account is not refused: the correct password still signs in (asking for the second factor
when the owner enrolled one), and the owner is told by mail, once per window. What slows a
guesser down is the per-address limits of the sign-in view (auth/views.py): one client
address gets LOGIN_LIMIT_PER_ACCOUNT failures per account and LOGIN_LIMIT_PER_ADDRESS in
all. The counts live in the rate limiter's storage (RATELIMIT_STORAGE_URI).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from limits import parse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.account.mail import queue_account_mail
from helpdesk.extensions import limiter
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import User
from helpdesk.timefmt import storetime


def count_failure(email: str) -> bool:
    """Count a failed sign-in for `email`; True when the owner should now be told: the
    account is past its limit and nobody told them yet in this window."""
    item = parse(str(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]))
    prefix = str(current_app.config.get("RATELIMIT_KEY_PREFIX") or "")
    key = email.strip().lower()[:254]
    if limiter.limiter.hit(item, prefix, "login-failures", key):
        return False
    once = type(item)(1, item.multiples)  # one warning per window
    return limiter.limiter.hit(once, prefix, "login-warned", key)


def warn_owner(
    session: Session,
    email: str,
    *,
    identity: MailIdentity,
    limit: str,
    address: str,
    now: datetime,
    timezone: str,
) -> bool:
    """Queue the mail telling an active account's owner about the failed sign-ins."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        return False
    second = (
        "Your account asks for a code from your authenticator app after the password, so "
        "the password alone does not get anyone in."
        if user.has_two_factor
        else "Turn on two-factor sign-in on your profile page: then the password alone does "
        "not get anyone in."
    )
    text = (
        f"Hello {user.name},\n\n"
        f"Someone failed to sign in to your account ({user.email}) on the "
        f"{identity.store_name} helpdesk more than {limit}; the latest try was at "
        f"{storetime(now, timezone)} ({now:%H:%M} UTC) from the address {address}.\n\n"
        "Your account is not locked: you sign in as usual. If it was not you, someone may "
        "be guessing your password: choose a long one that you use nowhere else (Your "
        f"profile, Password). {second}\n"
    )
    queue_account_mail(session, identity, user.email, "failed sign-ins to your account", text)
    return True
