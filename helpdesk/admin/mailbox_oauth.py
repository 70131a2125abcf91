"""The mailbox's OAuth 2.0 connection in the admin console: its state, and Connect.

Connect is the authorization code flow with PKCE: the admin's browser goes to the
provider and comes back to the helpdesk with a code, exchanged here for the refresh
token (stored encrypted). The audit log records who connected, never a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from helpdesk.audit import record_audit
from helpdesk.mailauth import OAuthSettings
from helpdesk.mailauth.connect import PendingConnect, check_callback, finish_connect
from helpdesk.mailauth.providers import oauth_in_use
from helpdesk.mailauth.store import TokenStore

PROVIDER_NAMES = {"google": "Google", "microsoft": "Microsoft 365"}


@dataclass(frozen=True)
class OAuthStatus:
    account: str
    provider: str
    grant: str
    state: str  # "connected", "not connected", "reconnect needed" or "failing"
    error: str | None
    error_at: datetime | None
    connected_at: datetime | None
    token_at: datetime | None
    authorize_origin: str  # scheme://host[:port] of the provider's consent page

    @property
    def provider_name(self) -> str:
        return PROVIDER_NAMES.get(self.provider, self.provider)

    @property
    def can_connect(self) -> bool:
        return self.grant == "authorization_code"


def oauth_status(config: Mapping[str, Any], store: TokenStore) -> OAuthStatus | None:
    """None when the mailbox does not use OAuth."""
    if not oauth_in_use(config):
        return None
    settings = OAuthSettings.from_config(config)
    row = store.get()
    needs_connect = settings.grant == "authorization_code"
    state = "connected"
    if row is None or (needs_connect and not row.refresh_token_encrypted):
        state = "not connected"
    if row is not None and row.reconnect_needed:
        state = "reconnect needed"
    elif (
        row is not None
        and row.last_error_at
        and (row.refreshed_at is None or row.last_error_at > row.refreshed_at)
    ):
        state = "failing" if state == "connected" else state
    return OAuthStatus(
        account=settings.account,
        provider=settings.provider,
        grant=settings.grant,
        state=state,
        error=row.last_error if row is not None and state != "connected" else None,
        error_at=row.last_error_at if row is not None else None,
        connected_at=row.connected_at if row is not None else None,
        token_at=row.refreshed_at if row is not None else None,
        authorize_origin=_origin(settings.authorize_url),
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def complete_connect(
    session: Session,
    actor_id: int,
    settings: OAuthSettings,
    store: TokenStore,
    pending: PendingConnect,
    answer: Mapping[str, list[str]],
) -> None:
    """Check the provider's redirect, store the refresh token and audit, in `session`
    (not committed).

    Raises ConnectRefused or OAuthFailure."""
    state = (answer.get("state") or [""])[0]
    code = check_callback(pending, state, dict(answer))
    finish_connect(settings, store, pending, code, session)
    record_audit(
        session,
        actor_id,
        "mailbox.connect",
        "mailbox",
        settings.account,
        provider=settings.provider,
    )
