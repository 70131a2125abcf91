"""Staff accounts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from helpdesk.models.base import Base, utcnow

ROLES = ("agent", "manager", "admin")


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="agent")
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    signature: Mapped[str] = mapped_column(Text, default="")  # added under their replies
    # Mail me when someone else assigns me a ticket / when the customer writes on mine.
    notify_assigned: Mapped[bool] = mapped_column(default=True)
    notify_customer_wrote: Mapped[bool] = mapped_column(default=True)
    # ... when a ticket of mine breaches or is about to breach its SLA / comes back from snooze.
    notify_sla: Mapped[bool] = mapped_column(default=True)
    notify_snoozed: Mapped[bool] = mapped_column(default=False)
    # Two-factor sign-in (TOTP): the secret is set when enrolment starts and counts only once
    # confirmed (totp_enabled_at); the last time step accepted is never accepted again.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    # The sign-in session this request came with, and whether two-factor sign-in is required
    # but not set up (auth/loader.py sets both; not stored here).
    session_token = ""
    two_factor_due = False

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    def get_id(self) -> str:  # flask-login keeps this in the cookie; auth/loader.py checks it
        return f"{self.id}:{self.session_token}"
