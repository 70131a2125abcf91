"""Access tokens for the mailbox: fetched, cached until shortly before they expire, refreshed.

authlib's OAuth2Session talks to the token endpoint. `client_credentials` asks for a new
token itself; `authorization_code` uses the refresh token an admin's Connect stored
(encrypted), and stores the new one when the provider rotates it. Every refusal becomes
an OAuthFailure: one line, naming what to fix, with no secret or token in it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from helpdesk.mailauth.providers import OAuthSettings
from helpdesk.mailauth.secrets import redact
from helpdesk.mailauth.store import TokenStore, UndecryptableToken

log = logging.getLogger("helpdesk.mailauth")

HTTP_TIMEOUT = 30
RECONNECT_HINT = (
    "connect the mailbox again (Admin → Mailbox → Connect, or `helpdesk mailbox connect`)"
)
CREDENTIAL_ERRORS = {"invalid_client", "unauthorized_client"}


class OAuthFailure(Exception):
    """The provider gave no token. `reconnect`: only an admin connecting again fixes it."""

    def __init__(self, message: str, *, reconnect: bool = False) -> None:
        super().__init__(message)
        self.reconnect = reconnect


@dataclass
class _Cached:
    access_token: str
    expires_at: float


def new_client(settings: OAuthSettings, **kwargs: Any) -> OAuth2Session:
    """authlib's client for this mailbox (the secret is sent in the body when there is one)."""
    return OAuth2Session(
        settings.client_id,
        settings.client_secret or None,
        scope=settings.scope,
        token_endpoint_auth_method="client_secret_post" if settings.client_secret else "none",
        timeout=HTTP_TIMEOUT,
        **kwargs,
    )


class TokenSource:
    """The mailbox's current access token; thread-safe, one per process is enough."""

    def __init__(self, settings: OAuthSettings, store: TokenStore) -> None:
        self.settings = settings
        self.store = store
        self._lock = threading.Lock()
        self._cached: _Cached | None = None

    def token(self) -> str:
        """A live access token, from the cache or the provider. Raises OAuthFailure."""
        with self._lock:
            cached = self._cached
            if cached is not None and time.time() < cached.expires_at:
                return cached.access_token
            self._cached = None
            try:
                answer = self._fetch()
                if not answer.get("access_token"):
                    raise OAuthFailure(
                        f"the OAuth token endpoint {self.settings.token_url} answered without "
                        "an access_token; check OAUTH_TOKEN_URL"
                    )
            except OAuthFailure as exc:
                self.store.record_error(str(exc), reconnect=exc.reconnect)
                raise
            self.store.record_ok()
            lifetime = float(answer.get("expires_in") or 3600)
            # Renew a little before the provider's expiry: a tenth of the lifetime, at most 5 min
            self._cached = _Cached(
                str(answer["access_token"]), time.time() + lifetime - min(lifetime / 10, 300)
            )
            return self._cached.access_token

    def refused(self, token: str) -> None:
        """The mail server refused `token`: forget it so the next call fetches a new one."""
        with self._lock:
            if self._cached is not None and self._cached.access_token == token:
                self._cached = None

    def _stored(self) -> str | None:
        try:
            return self.store.load_refresh(self.settings)
        except UndecryptableToken:
            raise OAuthFailure(
                "reconnect needed: no key of HELPDESK_ENCRYPTION_KEY decrypts the stored "
                "refresh token (when rotating, keep the old key after the new one); "
                + RECONNECT_HINT,
                reconnect=True,
            ) from None

    # -- talking to the provider ------------------------------------------------------------

    def _fetch(self) -> dict[str, Any]:
        if self.settings.grant == "client_credentials":
            url = self.settings.token_url
            return self.request_token(lambda c: c.fetch_token(url, grant_type="client_credentials"))
        return self._refresh()

    def _refresh(self) -> dict[str, Any]:
        for attempt in range(2):
            stored = self._stored()
            if stored is None:
                raise OAuthFailure(
                    "reconnect needed: the mailbox is not connected to "
                    f"{self.settings.provider} yet; {RECONNECT_HINT}",
                    reconnect=True,
                )
            try:
                answer = self.request_token(
                    lambda c, rt=stored: c.refresh_token(self.settings.token_url, refresh_token=rt),
                    refresh=True,
                )
            except OAuthFailure:
                # Another process may have rotated it just now: retry once with the new one.
                if attempt == 0 and self._stored() != stored:
                    continue
                raise
            rotated = answer.get("refresh_token")
            if rotated and rotated != stored:
                self.store.save_refresh(self.settings, str(rotated))
            return answer
        raise AssertionError("unreachable")

    def request_token(self, request: Any, *, refresh: bool = False) -> dict[str, Any]:
        url = self.settings.token_url
        secrets = self.settings.secrets
        try:
            with new_client(self.settings) as client:
                return dict(request(client))
        except OAuthError as exc:
            raise _refusal(exc, refresh, secrets) from None
        except requests.HTTPError as exc:
            raise OAuthFailure(
                redact(_not_json(url, exc.response), secrets), reconnect=False
            ) from None
        except requests.RequestException as exc:
            text = f"cannot reach the OAuth token endpoint {url}: {type(exc).__name__}"
            raise OAuthFailure(text) from None
        except ValueError:  # a 2xx/4xx answer that is no JSON object
            raise OAuthFailure(
                f"the OAuth token endpoint {url} answered with something that is not JSON; "
                "check OAUTH_TOKEN_URL"
            ) from None


def _refusal(exc: OAuthError, refresh: bool, secrets: tuple[str, ...]) -> OAuthFailure:
    said = f"{exc.error}: {exc.description}" if exc.description else str(exc.error)
    said = redact(" ".join(said.split())[:500], secrets)
    if exc.error in CREDENTIAL_ERRORS:
        return OAuthFailure(
            f"the OAuth provider refused the client ({said}); check OAUTH_CLIENT_ID and "
            "OAUTH_CLIENT_SECRET (a client secret expires: make a new one if it did)",
            reconnect=False,
        )
    if refresh and exc.error == "invalid_grant":
        return OAuthFailure(
            f"reconnect needed: the provider refused the stored refresh token ({said}); "
            f"{RECONNECT_HINT}",
            reconnect=True,
        )
    return OAuthFailure(
        f"the OAuth provider refused the token request ({said}); check OAUTH_SCOPES, "
        "OAUTH_TENANT and the app's permissions",
        reconnect=refresh,
    )


def _not_json(url: str, response: requests.Response | None) -> str:
    if response is None:
        return f"the OAuth token endpoint {url} failed"
    kind = response.headers.get("Content-Type", "unknown type").split(";")[0]
    page = " ".join(re.sub(r"<[^>]*>", " ", response.text[:4000]).split())[:200]
    return (
        f"the OAuth token endpoint {url} answered HTTP {response.status_code} with a {kind} "
        f"page, not JSON: {page!r}; try again later, or check OAUTH_TOKEN_URL"
    )
