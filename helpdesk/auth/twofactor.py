"""Two-factor sign-in with TOTP (RFC 6238, pyotp) and one-time recovery codes.

Enrolment stores a secret; it counts once a code from the app confirms it. A time step
that signed in is never accepted again (a code seen over a shoulder is useless after use).
Recovery codes are shown once and stored as sha256; each works once. None of these commit.
"""

from __future__ import annotations

import base64
import hmac
import io
import secrets
from datetime import datetime
from typing import Any, cast

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import Session

from helpdesk.auth.sessions import digest
from helpdesk.models import RecoveryCode, User, utcnow

RECOVERY_CODES = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
STEP = 30


def start_enrolment(user: User) -> str:
    """A new secret for `user`, not yet in force (until `confirm_enrolment`)."""
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled_at = None
    user.totp_last_step = None
    return user.totp_secret


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_data_uri(text: str) -> str:
    """`text` as a QR code: an SVG image in a data: URI (drawn here, nothing fetched)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (this one or a neighbour, for clock drift) whose code is `code`."""
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * STEP).encode(), code.encode()):  # any text
            return step
    return None


def _take_step(session: Session, user: User, step: int) -> bool:
    """Record `step` as used, unless it (or a later one) was used already."""
    result = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", result).rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def _clean(code: str) -> str:
    return "".join(code.split()).lower()


def confirm_enrolment(
    session: Session, user: User, code: str, now: datetime | None = None
) -> list[str] | None:
    """Turn two-factor sign-in on when `code` matches the new secret; returns the recovery
    codes to show once, or None when the code is not right."""
    now = now or utcnow()
    if not user.totp_secret or user.has_two_factor:
        return None
    step = _matching_step(user.totp_secret, _clean(code), now)
    if step is None or not _take_step(session, user, step):
        return None
    user.totp_enabled_at = now
    return new_recovery_codes(session, user)


def check_code(session: Session, user: User, code: str, now: datetime | None = None) -> bool:
    """The second factor at sign-in: a current code from the app, or an unused recovery code
    (used up now)."""
    now = now or utcnow()
    code = _clean(code)
    if not user.has_two_factor or not code:
        return False
    if code.isdigit():
        step = _matching_step(user.totp_secret or "", code, now)
        return step is not None and _take_step(session, user, step)
    result = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the user's recovery codes; returns the new ones (only their hashes are kept)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(ALPHABET) for _ in range(5))
        + "-"
        + "".join(secrets.choice(ALPHABET) for _ in range(5))
        for _ in range(RECOVERY_CODES)
    ]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=digest(code)) for code in codes)
    return codes


def recovery_codes_left(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def turn_off(session: Session, user: User) -> None:
    """No second factor any more: the secret and the recovery codes are deleted."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
