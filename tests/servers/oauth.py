"""A private OAuth 2.0 authorization server for tests, built on authlib's server side.

It plays the mail provider's identity platform: client credentials (app-only access to
one mailbox, like Exchange's Add-MailboxPermission), authorization code with PKCE,
refresh tokens rotated on every use, and RFC 7662 introspection for the resource
servers (the suite's Dovecot and aiosmtpd). Access tokens live `expires_in` seconds
(a few), so they expire inside a test. Knobs for failures: `revoke(client_id)`
(consent revoked), `error_page` (the token endpoint answers an HTML page).
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler, make_server

__all__ = ["OAuthServer", "start_oauth_server"]

HOST = "127.0.0.1"
# authlib's server side logs the tokens it issues at DEBUG: keep this stand-in provider's
# own records out of the tests that look for secrets in the helpdesk's logs.
for _name in ("authlib.oauth2.rfc6749", "authlib.oauth2.rfc7636", "authlib.oauth2.rfc7662"):
    logging.getLogger(_name).setLevel(logging.INFO)
RESOURCE_CLIENT = ("mailserver", "mailserver-introspects")  # Dovecot / aiosmtpd


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str = field(repr=False)
    grant_types: tuple[str, ...]
    mailbox: str = ""  # the mailbox an app-only (client credentials) token may open

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return urlsplit(redirect_uri).hostname in {"127.0.0.1", "localhost"}

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "refresh_token":
            return "authorization_code" in self.grant_types
        return grant_type in self.grant_types


@dataclass
class Token(TokenMixin):
    client_id: str
    access_token: str
    scope: str
    expires_in: int
    user: str | None
    refresh_token: str | None = None
    issued_at: float = field(default_factory=time.time)
    revoked: bool = False
    refresh_revoked: bool = False
    token_type: str = "Bearer"

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str | None
    code_challenge_method: str | None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


class OAuthServer:
    """The authorization server on 127.0.0.1 (a thread); `url` is its base URL."""

    host = HOST

    def __init__(self, *, user: str = "support", expires_in: int = 4) -> None:
        self.user = user  # who "signs in" at the authorize page and consents
        self.expires_in = expires_in
        self.error_page: tuple[int, str] | None = None  # the token endpoint's HTML answer
        self.deny_consent = False
        self.clients: dict[str, Client] = {}
        self.tokens: list[Token] = []
        self.codes: dict[str, Code] = {}
        self.token_requests: list[str] = []  # grant types asked for, in order
        self.introspections = 0
        self._lock = threading.RLock()
        self.add_client(*RESOURCE_CLIENT, grant_types=())
        self._app = self._build_app()
        self._http = make_server(HOST, 0, self._app, threaded=True, request_handler=_QuietHandler)
        self.port = int(self._http.server_port)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def authorize_url(self) -> str:
        return f"{self.url}/authorize"

    @property
    def introspection_url(self) -> str:
        return f"{self.url}/introspect"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ------------------------------------------------------------------ test controls
    def add_client(
        self, client_id: str, secret: str, *, grant_types: tuple[str, ...], mailbox: str = ""
    ) -> Client:
        client = Client(client_id, secret, grant_types, mailbox)
        with self._lock:
            self.clients[client_id] = client
        return client

    def revoke(self, client_id: str) -> None:
        """The mailbox owner withdraws consent: every token of the client stops working."""
        with self._lock:
            for token in self.tokens:
                if token.client_id == client_id:
                    token.revoked = token.refresh_revoked = True

    def refresh_tokens(self, client_id: str) -> list[str]:
        """Every refresh token issued to the client (the live one last)."""
        with self._lock:
            return [
                t.refresh_token for t in self.tokens if t.client_id == client_id and t.refresh_token
            ]

    def introspect(self, token: str) -> dict[str, Any]:
        """What a resource server learns of `token` (RFC 7662, as Dovecot asks it)."""
        response = requests.post(
            self.introspection_url, data={"token": token}, auth=RESOURCE_CLIENT, timeout=10
        )
        response.raise_for_status()
        return dict(response.json())

    # ------------------------------------------------------------------ storage for authlib
    def _query_client(self, client_id: str) -> Client | None:
        with self._lock:
            return self.clients.get(client_id)

    def _save_token(self, token: dict[str, Any], req: Any) -> None:
        client = req.client
        user = req.user or (client.mailbox or None)
        with self._lock:
            self.tokens.append(
                Token(
                    client_id=client.client_id,
                    access_token=token["access_token"],
                    scope=token.get("scope", ""),
                    expires_in=int(token["expires_in"]),
                    user=user,
                    refresh_token=token.get("refresh_token"),
                )
            )

    def _find(self, *, access: str | None = None, refresh: str | None = None) -> Token | None:
        with self._lock:
            for token in self.tokens:
                if access is not None and token.access_token == access:
                    return token
                if refresh is not None and token.refresh_token == refresh:
                    return token
        return None

    # ------------------------------------------------------------------ the Flask app
    def _build_app(self) -> Flask:
        app = Flask("test-oauth-server")
        auth = AuthorizationServer(app, self._query_client, self._save_token)
        auth.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=_token_generator(42),
                refresh_token_generator=_token_generator(48),
                expires_generator=lambda client, grant_type: self.expires_in,
            ),
        )
        owner = self

        class AuthorizationCode(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, req: Any) -> None:
                with owner._lock:
                    owner.codes[code] = Code(
                        code,
                        req.client.client_id,
                        req.payload.redirect_uri,
                        req.scope or "",
                        req.user,
                        req.payload.data.get("code_challenge"),
                        req.payload.data.get("code_challenge_method"),
                    )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                with owner._lock:
                    found = owner.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, code: Code) -> None:
                with owner._lock:
                    owner.codes.pop(code.code, None)

            def authenticate_user(self, code: Code) -> str:
                return code.user

        class RefreshToken(grants.RefreshTokenGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
            INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every use returns a new one

            def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
                token = owner._find(refresh=refresh_token)
                return None if token is None or token.refresh_revoked else token

            def authenticate_user(self, token: Token) -> str | None:
                return token.user

            def revoke_old_credential(self, token: Token) -> None:
                token.refresh_revoked = True

        class ClientCredentials(grants.ClientCredentialsGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        class Introspection(IntrospectionEndpoint):
            CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def query_token(self, token: str, hint: str | None) -> Token | None:
                owner.introspections += 1
                return owner._find(access=token)

            def check_permission(self, token: Token, client: Client, req: Any) -> bool:
                return client.client_id == RESOURCE_CLIENT[0]

            def introspect_token(self, token: Token) -> dict[str, Any]:
                return {
                    "active": True,
                    "client_id": token.client_id,
                    "token_type": "Bearer",
                    "scope": token.scope,
                    "username": token.user,
                    "email": token.user,
                    "exp": int(token.issued_at + token.expires_in),
                    "iat": int(token.issued_at),
                }

        auth.register_grant(AuthorizationCode, [CodeChallenge(required=True)])
        auth.register_grant(RefreshToken)
        auth.register_grant(ClientCredentials)
        auth.register_endpoint(Introspection)

        @app.get("/authorize")
        def authorize() -> Response:
            # The provider's sign-in and consent page, answered at once by `owner.user`.
            user = None if owner.deny_consent else owner.user
            grant = auth.get_consent_grant(end_user=user)
            return auth.create_authorization_response(grant=grant, grant_user=user)

        @app.post("/token")
        def token() -> Response:
            owner.token_requests.append(request.form.get("grant_type", ""))
            if owner.error_page is not None:
                status, html = owner.error_page
                return Response(html, status=status, mimetype="text/html")
            return auth.create_token_response()

        @app.post("/introspect")
        def introspect() -> Response:
            return auth.create_endpoint_response("introspection")

        return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def _token_generator(length: int) -> Any:
    from authlib.common.security import generate_token

    def generate(*args: Any, **kwargs: Any) -> str:
        return generate_token(length)

    return generate


def start_oauth_server(*, user: str = "support", expires_in: int = 4) -> OAuthServer:
    server = OAuthServer(user=user, expires_in=expires_in)
    server.start()
    return server
