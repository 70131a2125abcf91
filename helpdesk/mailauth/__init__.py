"""OAuth 2.0 for the support mailbox (IMAP and SMTP): provider presets, tokens, Connect.

`mail_tokens(app)` is the app's one TokenSource, or None while both IMAP_AUTH and
MAIL_AUTH are `password`/`none`.
"""

from __future__ import annotations

from typing import Any

from helpdesk.mailauth.providers import OAuthSettings, oauth_in_use
from helpdesk.mailauth.store import TokenStore
from helpdesk.mailauth.tokens import OAuthFailure, TokenSource

__all__ = [
    "OAuthFailure",
    "OAuthSettings",
    "TokenSource",
    "mail_tokens",
    "token_store",
]

_KEY = "helpdesk.mailauth"


def token_store(app: Any) -> TokenStore:
    from helpdesk.extensions import db

    settings = OAuthSettings.from_config(app.config)
    with app.app_context():
        engine = db.engine
    return TokenStore(engine, settings.account, settings.provider)


def mail_tokens(app: Any) -> TokenSource | None:
    """The app's TokenSource (made once, so its cached token is shared)."""
    if not oauth_in_use(app.config):
        return None
    source = app.extensions.get(_KEY)
    if source is None:
        source = TokenSource(OAuthSettings.from_config(app.config), token_store(app))
        app.extensions[_KEY] = source
    return source
