"""Mailbox → Connect in the admin console, the connection's health, and no secret shown."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import AuditEvent, MailboxOAuth
from mail_ingest.imap import MailboxUnavailable
from mail_ingest.poller import make_poller
from tests.admin_helpers import assert_admin_only, audits, post, sign_in
from tests.mailfactory import make_mail
from tests.oauth_helpers import APP_CLIENT, KEY, WEB_CLIENT, consent, oauth_env, use_oauth
from tests.outbox_helpers import send_now
from tests.poller_helpers import app_env, run_cli
from tests.servers.oauth import OAuthServer


@pytest.fixture
def servers(oauth_server: OAuthServer, oauth_imap_server, oauth_smtp_server):  # type: ignore[no-untyped-def]
    return oauth_server, oauth_imap_server, oauth_smtp_server


@pytest.fixture
def env(app: Flask, servers) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The test app on authorization code; the web app (made after this) too."""
    oauth_server, imap, smtp = servers
    settings = oauth_env(oauth_server, imap, smtp, "authorization_code")
    use_oauth(app, settings)
    return settings


def connect_in_browser(client: FlaskClient) -> str:
    """Mailbox → Connect, consent at the provider, back to the helpdesk: the final page."""
    to_provider = post(client, "/admin/mailbox/connect")
    assert to_provider.status_code == 302
    back = urlsplit(consent(to_provider.headers["Location"]))
    assert back.path == "/admin/mailbox/oauth/callback"
    done = client.get(f"{back.path}?{back.query}")
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/mailbox")
    return client.get("/admin/mailbox").get_data(as_text=True)


def test_only_admins_connect(env: dict[str, str], client: FlaskClient, session: Session) -> None:
    assert_admin_only(
        client,
        session,
        gets=["/admin/mailbox/oauth/callback?code=x&state=y"],
        posts=["/admin/mailbox/connect"],
    )


def test_connect_from_the_console_then_mail_flows(
    app: Flask, env: dict[str, str], client: FlaskClient, session: Session, servers
) -> None:  # type: ignore[no-untyped-def]
    _, imap, smtp = servers
    admin = sign_in(client, session)
    page = client.get("/admin/mailbox").get_data(as_text=True)
    assert "not connected" in page and "Connect (sign in at custom as support)" in page
    page = connect_in_browser(client)
    assert "Connected support to custom." in page
    assert "<strong>connected</strong>" in page
    [(actor, target, detail)] = audits(session, "mailbox.connect")
    assert (actor, target, detail) == (admin.id, "support", {"provider": "custom"})
    imap.append(make_mail(subject="Hello after connecting"))
    assert make_poller(app).run_once().outcomes == {"ticket": 1}
    session.rollback()  # a fresh snapshot (SQLite cannot write from a stale one)
    assert send_now(session)["sent"] == 1
    assert smtp.authenticated == ["support"]


def test_a_callback_that_is_not_ours_is_refused(
    env: dict[str, str], client: FlaskClient, session: Session
) -> None:
    sign_in(client, session)
    stray = client.get("/admin/mailbox/oauth/callback?code=abc&state=forged")
    assert stray.status_code == 400 and "start again" in stray.get_data(as_text=True)
    to_provider = post(client, "/admin/mailbox/connect")
    back = urlsplit(consent(to_provider.headers["Location"]))
    forged = back.query.replace("state=", "state=x")
    page = client.get(f"{back.path}?{forged}", follow_redirects=True).get_data(as_text=True)
    assert "not connected: the answer is not for this Connect" in page
    session.rollback()
    assert session.scalar(select(MailboxOAuth.refresh_token_encrypted)) is None


def test_revoked_consent_shows_reconnect_needed_with_the_providers_words(
    app: Flask, env: dict[str, str], client: FlaskClient, session: Session, servers
) -> None:  # type: ignore[no-untyped-def]
    oauth_server, imap, _ = servers
    sign_in(client, session)
    connect_in_browser(client)
    oauth_server.revoke(WEB_CLIENT[0])
    imap.append(make_mail(subject="Waiting"))
    with pytest.raises(MailboxUnavailable):
        make_poller(app).run_once()
    page = client.get("/admin/mailbox").get_data(as_text=True)
    assert "reconnect needed" in page and "invalid_grant" in page
    assert "Connect again" in page
    connect_in_browser(client)
    assert make_poller(app).run_once().outcomes == {"ticket": 1}


def test_no_secret_or_token_in_logs_output_pages_exports_or_audit(
    app: Flask,
    env: dict[str, str],
    client: FlaskClient,
    session: Session,
    servers,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:  # type: ignore[no-untyped-def]
    oauth_server, imap, _ = servers
    oauth_server.expires_in = 1
    caplog.set_level(logging.DEBUG)
    sign_in(client, session)
    seen = [connect_in_browser(client)]
    imap.append(make_mail(subject="One"))
    make_poller(app).run_once()
    session.rollback()
    send_now(session)
    oauth_server.revoke(WEB_CLIENT[0])
    imap.append(make_mail(subject="Two"))
    with pytest.raises(MailboxUnavailable) as failure:
        make_poller(app).run_once()
    seen.append(str(failure.value))
    seen.append(client.get("/admin/mailbox").get_data(as_text=True))
    for args in (["ingest", "--once"], ["outbox", "send", "--once"], ["export", "inbound"]):
        result = run_cli(args, app_env(app, **env))
        seen += [result.stdout, result.stderr]
    wrong = {**env, "OAUTH_GRANT": "client_credentials", "OAUTH_CLIENT_ID": APP_CLIENT[0]}
    result = run_cli(["ingest", "--once"], app_env(app, **{**wrong, "OAUTH_CLIENT_SECRET": "x"}))
    seen += [result.stdout, result.stderr]
    session.rollback()
    seen += [event.detail for event in session.scalars(select(AuditEvent))]
    seen += [caplog.text, *capfd.readouterr()]
    secrets = [KEY, WEB_CLIENT[1], APP_CLIENT[1]]
    for token in oauth_server.tokens:
        secrets += [token.access_token, token.refresh_token or KEY]
    assert len(secrets) > 6
    text = "\n".join(seen)
    assert "reconnect needed" in text  # what was captured is the real thing
    for secret in secrets:
        assert secret not in text
