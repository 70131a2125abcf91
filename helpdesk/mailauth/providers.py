"""Where each provider's tokens come from and what they are for (pure: no Flask, no DB)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
GOOGLE_SCOPES = ("https://mail.google.com/",)
MICROSOFT_BASE = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
MICROSOFT_APP_SCOPES = ("https://outlook.office365.com/.default",)
MICROSOFT_DELEGATED_SCOPES = (
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
    "offline_access",
)
# Google hands out a refresh token only with offline access, and again only with consent.
GOOGLE_AUTHORIZE_PARAMS = {"access_type": "offline", "prompt": "consent"}


@dataclass(frozen=True)
class OAuthSettings:
    """One mailbox's OAuth 2.0 client: endpoints, scopes, credentials and the account."""

    provider: str
    grant: str
    client_id: str
    token_url: str
    authorize_url: str
    scopes: tuple[str, ...]
    account: str  # the mailbox logged in as (IMAP_USERNAME)
    client_secret: str = field(default="", repr=False)
    encryption_key: str = field(default="", repr=False)
    authorize_params: Mapping[str, str] = field(default_factory=dict)

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never be shown (each key of the key list too)."""
        keys = tuple(k.strip() for k in self.encryption_key.split(",") if k.strip())
        return tuple(s for s in (self.client_secret, *keys) if s)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OAuthSettings:
        provider = str(config.get("OAUTH_PROVIDER") or "custom")
        grant = str(config.get("OAUTH_GRANT") or "authorization_code")
        token_url, authorize_url, scopes = _preset(provider, grant, config)
        if config.get("OAUTH_TOKEN_URL"):
            token_url = str(config["OAUTH_TOKEN_URL"])
        if config.get("OAUTH_AUTHORIZE_URL"):
            authorize_url = str(config["OAUTH_AUTHORIZE_URL"])
        if config.get("OAUTH_SCOPES"):
            scopes = tuple(str(config["OAUTH_SCOPES"]).split())
        return cls(
            provider=provider,
            grant=grant,
            client_id=str(config.get("OAUTH_CLIENT_ID") or ""),
            token_url=token_url,
            authorize_url=authorize_url,
            scopes=scopes,
            account=str(config.get("IMAP_USERNAME") or config.get("MAIL_USERNAME") or ""),
            client_secret=str(config.get("OAUTH_CLIENT_SECRET") or ""),
            encryption_key=str(config.get("HELPDESK_ENCRYPTION_KEY") or ""),
            authorize_params=GOOGLE_AUTHORIZE_PARAMS if provider == "google" else {},
        )


def _preset(
    provider: str, grant: str, config: Mapping[str, Any]
) -> tuple[str, str, tuple[str, ...]]:
    if provider == "google":
        return GOOGLE_TOKEN, GOOGLE_AUTHORIZE, GOOGLE_SCOPES
    if provider == "microsoft":
        base = MICROSOFT_BASE.format(tenant=config.get("OAUTH_TENANT") or "organizations")
        app_only = grant == "client_credentials"
        scopes = MICROSOFT_APP_SCOPES if app_only else MICROSOFT_DELEGATED_SCOPES
        return f"{base}/token", f"{base}/authorize", scopes
    return "", "", ()


def oauth_in_use(config: Mapping[str, Any]) -> bool:
    return "oauth2" in (config.get("IMAP_AUTH"), config.get("MAIL_AUTH"))
