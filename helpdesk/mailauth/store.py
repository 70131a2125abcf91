"""The mailbox's OAuth row: refresh token (encrypted) and health, each in its own
short transaction, so a caller's own transaction is never touched."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.mailauth.providers import OAuthSettings
from helpdesk.mailauth.secrets import InvalidToken, decrypt, encrypt
from helpdesk.models import MailboxOAuth, utcnow


@contextmanager
def _maybe_own(engine: Engine, session: Session | None) -> Iterator[Session]:
    """The caller's session as it is, or a session of our own, committed and closed."""
    if session is not None:
        yield session
        return
    with Session(engine) as own:
        yield own
        own.commit()


class UndecryptableToken(Exception):
    """The stored refresh token was encrypted with a key no longer configured."""


class TokenStore:
    def __init__(self, engine: Engine, account: str, provider: str) -> None:
        self.engine = engine
        self.account = account
        self.provider = provider

    def _row(self, session: Session) -> MailboxOAuth:
        row = session.scalar(select(MailboxOAuth).where(MailboxOAuth.account == self.account))
        if row is None:
            row = MailboxOAuth(account=self.account, provider=self.provider)
            session.add(row)
            try:
                session.flush()
            except IntegrityError:  # another process made it just now
                session.rollback()
                return self._row(session)
        return row

    def get(self) -> MailboxOAuth | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.scalar(select(MailboxOAuth).where(MailboxOAuth.account == self.account))

    def load_refresh(self, settings: OAuthSettings) -> str | None:
        row = self.get()
        if row is None or not row.refresh_token_encrypted:
            return None
        try:
            return decrypt(settings.encryption_key, row.refresh_token_encrypted)
        except InvalidToken:
            raise UndecryptableToken() from None

    def save_refresh(
        self,
        settings: OAuthSettings,
        refresh_token: str,
        *,
        connected: bool = False,
        session: Session | None = None,
    ) -> None:
        """Store the refresh token, encrypted; in `session` (not committed) when given."""
        with _maybe_own(self.engine, session) as work:
            row = self._row(work)
            row.refresh_token_encrypted = encrypt(settings.encryption_key, refresh_token)
            row.provider = self.provider
            if connected:
                row.connected_at = utcnow()
                row.reconnect_needed, row.last_error = False, None

    def save_ciphertext(self, ciphertext: str) -> None:
        """Replace the stored ciphertext (a key rotation: same token, new key)."""
        with Session(self.engine) as session:
            self._row(session).refresh_token_encrypted = ciphertext
            session.commit()

    def record_ok(self) -> None:
        with Session(self.engine) as session:
            row = self._row(session)
            row.refreshed_at = utcnow()
            row.reconnect_needed = False
            session.commit()

    def record_error(self, message: str, *, reconnect: bool) -> None:
        with Session(self.engine) as session:
            row = self._row(session)
            row.last_error, row.last_error_at = message[:2000], utcnow()
            row.reconnect_needed = reconnect
            session.commit()
