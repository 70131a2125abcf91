"""The mailbox's OAuth 2.0 connection: its refresh token (encrypted) and its health."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.models.base import Base


class MailboxOAuth(Base):
    """One row per mailbox account using OAuth.

    `refresh_token_encrypted` is Fernet ciphertext (HELPDESK_ENCRYPTION_KEY), never the
    token itself; access tokens are never stored. `last_error` is the provider's refusal,
    shown to admins as "reconnect needed" while `reconnect_needed` is set.
    """

    __tablename__ = "mailbox_oauth"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(320), unique=True)
    provider: Mapped[str] = mapped_column(String(20))
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    connected_at: Mapped[datetime | None]
    refreshed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    reconnect_needed: Mapped[bool] = mapped_column(default=False)
