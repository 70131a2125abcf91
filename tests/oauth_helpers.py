"""An app whose mailbox logs in over OAuth 2.0 against the suite's servers."""

from __future__ import annotations

from typing import Any

import requests
from cryptography.fernet import Fernet
from flask import Flask

from helpdesk.mailauth import OAuthSettings, token_store
from helpdesk.mailauth.connect import code_from_answer, finish_connect, start_connect
from helpdesk.settings import load_config
from tests.servers.oauth import OAuthServer

APP_CLIENT = ("helpdesk-app", "app-secret-5bd1c0e2")  # client credentials, may open "support"
WEB_CLIENT = ("helpdesk-web", "web-secret-93ae7f41")  # authorization code (delegated)
KEY = Fernet.generate_key().decode()
REDIRECT = "http://127.0.0.1:8765/"


def register_clients(oauth_server: OAuthServer) -> None:
    oauth_server.add_client(*APP_CLIENT, grant_types=("client_credentials",), mailbox="support")
    oauth_server.add_client(*WEB_CLIENT, grant_types=("authorization_code",))


def oauth_env(
    oauth_server: OAuthServer, imap: Any, smtp: Any, grant: str, **extra: str
) -> dict[str, str]:
    """The settings (as environment strings) of a mailbox on OAuth 2.0 with `grant`
    (`imap` None: no IMAP server in this test)."""
    register_clients(oauth_server)
    client_id, secret = APP_CLIENT if grant == "client_credentials" else WEB_CLIENT
    env = {
        "IMAP_USERNAME": "support",
        "IMAP_SSL": "false",
        "IMAP_AUTH": "oauth2",
        "MAIL_SERVER": smtp.host,
        "MAIL_PORT": str(smtp.port),
        "MAIL_AUTH": "oauth2",
        "OAUTH_PROVIDER": "custom",
        "OAUTH_GRANT": grant,
        "OAUTH_CLIENT_ID": client_id,
        "OAUTH_CLIENT_SECRET": secret,
        "OAUTH_TOKEN_URL": oauth_server.token_url,
        "OAUTH_AUTHORIZE_URL": oauth_server.authorize_url,
        "OAUTH_SCOPES": "mail offline_access",
        "HELPDESK_ENCRYPTION_KEY": KEY,
    }
    if imap is not None:
        env.update(IMAP_HOST=imap.host, IMAP_PORT=str(imap.port))
    env.update(extra)
    return env


def use_oauth(app: Flask, env: dict[str, str]) -> None:
    """Point the test app at `env` (parsed as the app would parse it)."""
    parsed = load_config("test", environ=env)
    app.config.update({name: parsed[name] for name in env if name in parsed})
    state = app.extensions["mail"]
    state.server, state.port = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    state.username, state.password = app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"]
    app.extensions.pop("helpdesk.mailauth", None)  # a new token source for the new settings


def consent(url: str) -> str:
    """The admin signs in at the provider and consents: where the browser is sent back."""
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return str(answer.headers["Location"])


def connect_mailbox(app: Flask) -> None:
    """What `helpdesk mailbox connect` does, done in-process."""
    settings = OAuthSettings.from_config(app.config)
    pending = start_connect(settings, REDIRECT)
    code = code_from_answer(pending, consent(pending.url))
    finish_connect(settings, token_store(app), pending, code)
