"""The mailbox over OAuth 2.0, end to end: Dovecot (XOAUTH2 by introspection), aiosmtpd
(AUTH XOAUTH2) and the suite's authorization server, both grants, and what goes wrong."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from helpdesk.mailauth import OAuthFailure
from helpdesk.models import MailboxOAuth, OutboxMail, Ticket, utcnow
from mail_ingest.imap import MailboxUnavailable
from mail_ingest.poller import make_poller
from tests.mailfactory import make_mail
from tests.oauth_helpers import APP_CLIENT, KEY, WEB_CLIENT, connect_mailbox, oauth_env, use_oauth
from tests.outbox_helpers import send_now
from tests.poller_helpers import app_env, run_cli
from tests.servers.oauth import OAuthServer


def tickets(session: Session) -> int:
    session.rollback()
    found = int(session.scalar(select(func.count(Ticket.id))) or 0)
    session.rollback()
    return found


def oauth_row(session: Session) -> MailboxOAuth:
    session.rollback()
    row = session.scalar(select(MailboxOAuth).where(MailboxOAuth.account == "support"))
    assert row is not None
    session.expunge(row)
    session.rollback()  # hold no snapshot: on SQLite a stale one cannot write later
    return row


@pytest.fixture
def mail_servers(oauth_server: OAuthServer, oauth_imap_server, oauth_smtp_server):  # type: ignore[no-untyped-def]
    return oauth_server, oauth_imap_server, oauth_smtp_server


def test_client_credentials_mail_in_and_acknowledgement_out(
    app: Flask, session: Session, mail_servers
) -> None:  # type: ignore[no-untyped-def]
    oauth_server, imap, smtp = mail_servers
    use_oauth(app, oauth_env(oauth_server, imap, smtp, "client_credentials"))
    imap.append(make_mail(subject="Where is my case?"))
    result = make_poller(app).run_once()
    assert result.outcomes == {"ticket": 1}
    assert send_now(session)["sent"] == 1
    (raw,) = smtp.wait_for(1)
    assert b"Where is my case?" in raw
    assert smtp.authenticated == ["support"]
    # one token served the poller and the sender (cached); no refresh token anywhere
    assert oauth_server.token_requests == ["client_credentials"]
    assert oauth_row(session).refresh_token_encrypted is None


def test_a_token_the_servers_refuse_is_replaced(app: Flask, session: Session, mail_servers) -> None:  # type: ignore[no-untyped-def]
    oauth_server, imap, smtp = mail_servers
    oauth_server.expires_in = 3600  # long-lived: only the refusal makes us ask again
    use_oauth(app, oauth_env(oauth_server, imap, smtp, "client_credentials"))
    imap.append(make_mail(subject="One"))
    assert make_poller(app).run_once().outcomes == {"ticket": 1}
    oauth_server.revoke(APP_CLIENT[0])  # the cached token dies; the app may still get new ones
    imap.append(make_mail(subject="Two"))
    assert make_poller(app).run_once().outcomes == {"ticket": 1}
    assert oauth_server.token_requests == ["client_credentials"] * 2
    oauth_server.revoke(APP_CLIENT[0])
    session.rollback()
    assert send_now(session)["sent"] == 2
    assert oauth_server.token_requests == ["client_credentials"] * 3
    assert smtp.authenticated == ["support"]


def test_authorization_code_stores_the_refresh_token_encrypted_and_rotates_it(
    app: Flask, session: Session, mail_servers
) -> None:  # type: ignore[no-untyped-def]
    oauth_server, imap, smtp = mail_servers
    oauth_server.expires_in = 2
    use_oauth(app, oauth_env(oauth_server, imap, smtp, "authorization_code"))
    connect_mailbox(app)
    first = oauth_server.refresh_tokens(WEB_CLIENT[0])[-1]
    stored = oauth_row(session).refresh_token_encrypted
    assert stored and first not in stored
    assert Fernet(KEY).decrypt(stored.encode()).decode() == first

    imap.append(make_mail(subject="Screen protector cracked"))
    assert make_poller(app).run_once().outcomes == {"ticket": 1}
    assert send_now(session)["sent"] == 1
    assert smtp.authenticated == ["support"]
    time.sleep(2.1)  # the access token expires: the next login refreshes, and rotates
    imap.append(make_mail(subject="And the charger too"))
    assert make_poller(app).run_once().outcomes == {"ticket": 1}
    assert send_now(session)["sent"] == 1
    latest = oauth_server.refresh_tokens(WEB_CLIENT[0])[-1]
    assert latest != first
    row = oauth_row(session)
    assert Fernet(KEY).decrypt(row.refresh_token_encrypted.encode()).decode() == latest  # type: ignore[union-attr]
    assert oauth_server.token_requests == ["authorization_code", "refresh_token", "refresh_token"]


def test_poller_survives_token_expiry_and_an_imap_restart(
    app: Flask, session: Session, mail_servers
) -> None:  # type: ignore[no-untyped-def]
    oauth_server, imap, smtp = mail_servers
    oauth_server.expires_in = 2
    use_oauth(app, oauth_env(oauth_server, imap, smtp, "client_credentials"))
    app.config["IMAP_POLL_SECONDS"] = 1
    poller = make_poller(app)
    thread = threading.Thread(target=poller.run_forever, daemon=True)
    thread.start()
    try:
        imap.append(make_mail(subject="First"))
        _wait(lambda: tickets(session) == 1)
        time.sleep(2.5)  # the token the poller logged in with is dead now
        imap.restart()  # ... and the server drops the connection
        imap.append(make_mail(subject="Second"))
        _wait(lambda: tickets(session) == 2)
    finally:
        poller.stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert oauth_server.token_requests.count("client_credentials") >= 2


def test_revoked_consent_needs_a_reconnect_and_then_nothing_is_lost(
    app: Flask, session: Session, mail_servers
) -> None:  # type: ignore[no-untyped-def]
    oauth_server, imap, smtp = mail_servers
    env = oauth_env(oauth_server, imap, smtp, "authorization_code")
    use_oauth(app, env)
    connect_mailbox(app)
    oauth_server.revoke(WEB_CLIENT[0])
    imap.append(make_mail(subject="Waiting while we are disconnected"))

    result = run_cli(["ingest", "--once"], app_env(app, **env))
    assert result.returncode != 0
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "reconnect needed" in line and "invalid_grant" in line
    assert "helpdesk mailbox connect" in line
    row = oauth_row(session)
    assert row.reconnect_needed and "invalid_grant" in (row.last_error or "")

    with pytest.raises(MailboxUnavailable, match="reconnect needed"):
        make_poller(app).run_once()
    assert tickets(session) == 0
    connect_mailbox(app)  # the admin connects again
    assert make_poller(app).run_once().outcomes == {"ticket": 1}
    assert not oauth_row(session).reconnect_needed


def test_wrong_client_secret_is_named_and_outgoing_mail_waits(
    app: Flask, session: Session, mail_servers
) -> None:  # type: ignore[no-untyped-def]
    oauth_server, imap, smtp = mail_servers
    env = oauth_env(oauth_server, imap, smtp, "client_credentials")
    use_oauth(app, env)
    imap.append(make_mail(subject="Hello"))
    assert make_poller(app).run_once().outcomes == {"ticket": 1}
    wrong = {**env, "OAUTH_CLIENT_SECRET": "not-the-secret"}
    use_oauth(app, wrong)

    result = run_cli(["ingest", "--once"], app_env(app, **wrong))
    assert result.returncode != 0
    line = result.stderr.strip()
    assert "\n" not in line and "invalid_client" in line and "OAUTH_CLIENT_SECRET" in line
    with pytest.raises(OAuthFailure, match="OAUTH_CLIENT_SECRET"):
        send_now(session)
    session.rollback()
    (ack,) = session.scalars(select(OutboxMail)).all()
    assert (ack.status, ack.attempts) == ("queued", 0)  # untried, not counted, kept
    assert "invalid_client" in (ack.last_error or "")
    assert smtp.messages == []
    make_due(session)
    outbox = run_cli(["outbox", "send", "--once"], app_env(app, **wrong))
    assert outbox.returncode != 0 and "Traceback" not in outbox.stderr
    assert "nothing sent" in outbox.stderr and "OAUTH_CLIENT_SECRET" in outbox.stderr

    use_oauth(app, env)  # fixed: the acknowledgement goes out
    make_due(session)
    assert send_now(session)["sent"] == 1


def test_a_provider_error_page_that_is_not_json(app: Flask, session: Session, mail_servers) -> None:  # type: ignore[no-untyped-def]
    oauth_server, imap, smtp = mail_servers
    env = oauth_env(oauth_server, imap, smtp, "client_credentials")
    use_oauth(app, env)
    oauth_server.error_page = (
        502,
        "<html><head><title>502</title></head><body><h1>Bad Gateway</h1>"
        "<p>The upstream is down for maintenance.</p></body></html>",
    )
    imap.append(make_mail(subject="Waiting"))
    result = run_cli(["ingest", "--once"], app_env(app, **env))
    assert result.returncode != 0
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "HTTP 502" in line and "not JSON" in line and "Bad Gateway" in line
    assert "<h1>" not in line
    oauth_server.error_page = None  # the provider is back: the waiting mail comes in
    assert make_poller(app).run_once().outcomes == {"ticket": 1}


def make_due(session: Session) -> None:
    session.execute(update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()


def test_the_running_poller_waits_out_a_provider_outage_and_catches_up(
    app: Flask, session: Session, mail_servers
) -> None:  # type: ignore[no-untyped-def]
    oauth_server, imap, smtp = mail_servers
    use_oauth(app, oauth_env(oauth_server, imap, smtp, "client_credentials"))
    oauth_server.error_page = (503, "<h1>Service Unavailable</h1>")
    imap.append(make_mail(subject="Sent during the outage"))
    poller = make_poller(app)
    thread = threading.Thread(target=poller.run_forever, daemon=True)
    thread.start()
    try:
        _wait(lambda: len(oauth_server.token_requests) >= 3)  # tried, backing off: 1 s, 2 s
        assert thread.is_alive() and tickets(session) == 0
        assert "HTTP 503" in (oauth_row(session).last_error or "")
        oauth_server.error_page = None
        _wait(lambda: tickets(session) == 1)
    finally:
        poller.stop.set()
        thread.join(timeout=20)
    assert len(oauth_server.token_requests) <= 5  # a growing pause, not a loop


def _wait(condition, timeout: float = 40) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
