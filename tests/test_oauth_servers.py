"""The suite's OAuth 2.0 authorization server and the mail servers that trust it."""

from __future__ import annotations

import base64
import hashlib
import smtplib
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.servers.imap import ImapServer
from tests.servers.oauth import OAuthServer
from tests.servers.smtp import SmtpServer

REDIRECT = "http://127.0.0.1:9/callback"


def _app_token(oauth_server: OAuthServer) -> str:
    oauth_server.add_client(
        "app", "app-secret", grant_types=("client_credentials",), mailbox="support"
    )
    response = requests.post(
        oauth_server.token_url,
        data={"grant_type": "client_credentials", "scope": "imap"},
        auth=("app", "app-secret"),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _imap(server: ImapServer) -> IMAPClient:
    return IMAPClient(server.host, server.port, ssl=False, timeout=10)


def test_dovecot_takes_xoauth2_and_oauthbearer_and_refuses_expired_tokens(
    oauth_server: OAuthServer, oauth_imap_server: ImapServer
) -> None:
    oauth_server.expires_in = 1
    token = _app_token(oauth_server)
    clients: list[IMAPClient] = []

    def imap() -> IMAPClient:
        clients.append(_imap(oauth_imap_server))
        return clients[-1]

    try:
        capabilities = imap().capabilities()
        assert b"AUTH=XOAUTH2" in capabilities and b"AUTH=OAUTHBEARER" in capabilities
        imap().oauth2_login("support", token)
        imap().oauthbearer_login("support", token)
        with pytest.raises(LoginError):
            imap().oauth2_login("someone-else", token)
        time.sleep(1.1)
        with pytest.raises(LoginError):
            imap().oauth2_login("support", token)
    finally:
        for client in clients:
            client.shutdown()


def test_authorization_code_needs_pkce_and_refresh_tokens_rotate(
    oauth_server: OAuthServer,
) -> None:
    oauth_server.add_client("web", "web-secret", grant_types=("authorization_code",))
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    answer = requests.get(
        oauth_server.authorize_url,
        params={
            "response_type": "code",
            "client_id": "web",
            "redirect_uri": REDIRECT,
            "scope": "mail offline_access",
            "state": "s1",
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["s1"]
    exchange = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": REDIRECT,
    }
    wrong = requests.post(
        oauth_server.token_url,
        data={**exchange, "code_verifier": "w" * 64},
        auth=("web", "web-secret"),
        timeout=10,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    tokens = requests.post(
        oauth_server.token_url,
        data={**exchange, "code_verifier": verifier},
        auth=("web", "web-secret"),
        timeout=10,
    ).json()
    first = tokens["refresh_token"]

    def refresh(token: str) -> requests.Response:
        return requests.post(
            oauth_server.token_url,
            data={"grant_type": "refresh_token", "refresh_token": token},
            auth=("web", "web-secret"),
            timeout=10,
        )

    rotated = refresh(first)
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != first
    assert refresh(first).json()["error"] == "invalid_grant"  # the old one is spent
    assert oauth_server.introspect(rotated.json()["access_token"])["username"] == "support"


def test_smtp_requires_xoauth2_with_a_live_token(
    oauth_server: OAuthServer, oauth_smtp_server: SmtpServer
) -> None:
    token = _app_token(oauth_server)
    with smtplib.SMTP(oauth_smtp_server.host, oauth_smtp_server.port, timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.esmtp_features["auth"].split() == ["XOAUTH2"]
        with pytest.raises(smtplib.SMTPSenderRefused):
            smtp.sendmail("support@example.com", ["a@example.com"], b"Subject: x\r\n\r\nx\r\n")
    with smtplib.SMTP(oauth_smtp_server.host, oauth_smtp_server.port, timeout=10) as smtp:
        smtp.ehlo()
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.auth("XOAUTH2", lambda _=None: "user=support\1auth=Bearer nonsense\1\1")
        smtp.auth("XOAUTH2", lambda _=None: f"user=support\1auth=Bearer {token}\1\1")
        smtp.sendmail("support@example.com", ["a@example.com"], b"Subject: x\r\n\r\nx\r\n")
    assert oauth_smtp_server.authenticated == ["support"]
    assert len(oauth_smtp_server.messages) == 1
