"""`helpdesk mailbox connect` from a shell (pasted answer, or a loopback redirect), and
rotating HELPDESK_ENCRYPTION_KEY."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import MailboxOAuth
from mail_ingest.poller import make_poller
from tests.mailfactory import make_mail
from tests.oauth_helpers import KEY, connect_mailbox, consent, oauth_env, use_oauth
from tests.poller_helpers import ROOT, app_env, run_cli
from tests.servers.imap import free_port
from tests.servers.oauth import OAuthServer


@pytest.fixture
def env(app: Flask, oauth_server: OAuthServer, oauth_imap_server, oauth_smtp_server):  # type: ignore[no-untyped-def]
    settings = oauth_env(oauth_server, oauth_imap_server, oauth_smtp_server, "authorization_code")
    use_oauth(app, settings)
    return app_env(app, PYTHONUNBUFFERED="1", **settings)


def start_connect(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """Run `helpdesk mailbox connect ARGS`; return it and the URL it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpdesk.cli", "mailbox", "connect", *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("http://"):
            return proc, line.strip()
    proc.kill()
    raise AssertionError(f"no URL printed: {proc.stderr.read() if proc.stderr else ''}")


def stored_token(session: Session) -> str | None:
    session.rollback()
    found = session.scalar(select(MailboxOAuth.refresh_token_encrypted))
    session.rollback()
    return found


def test_connect_with_the_pasted_address(env: dict[str, str], session: Session) -> None:
    proc, url = start_connect([], env)
    out, err = proc.communicate(consent(url) + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert "Connected support (custom)" in out
    assert stored_token(session)


def test_connect_with_a_loopback_redirect(env: dict[str, str], session: Session) -> None:
    port = free_port()
    proc, url = start_connect(["--listen", "--port", str(port)], env)
    try:
        assert f"redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2F" in url
        page = requests.get(url, timeout=30)  # the browser follows the redirect to the CLI
        assert page.text == "Connected: you can close this page."
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert stored_token(session)


def test_a_pasted_address_from_another_connect_is_refused(
    env: dict[str, str], session: Session
) -> None:
    earlier, url = start_connect([], env)  # an earlier attempt, abandoned
    stale = consent(url)
    earlier.kill()
    earlier.communicate()
    proc, _ = start_connect([], env)
    _, err = proc.communicate(stale + "\n", timeout=60)
    assert proc.returncode != 0
    assert err.strip().splitlines() == [
        "Error: not connected: the answer is not for this Connect (state does not match)"
    ]
    assert stored_token(session) is None


def test_connect_is_not_for_client_credentials(app: Flask, env: dict[str, str]) -> None:
    result = run_cli(["mailbox", "connect"], {**env, "OAUTH_GRANT": "client_credentials"})
    assert result.returncode != 0 and "needs no connecting" in result.stderr
    assert "Traceback" not in result.stderr


def test_rotating_the_encryption_key(
    app: Flask, env: dict[str, str], session: Session, oauth_imap_server
) -> None:  # type: ignore[no-untyped-def]
    connect_mailbox(app)
    new = run_cli(["mailbox", "new-key"], env).stdout.strip()
    Fernet(new)  # a valid key
    rotated = {**env, "HELPDESK_ENCRYPTION_KEY": f"{new},{KEY}"}
    result = run_cli(["mailbox", "reencrypt"], rotated)
    assert result.returncode == 0, result.stderr
    ciphertext = stored_token(session)
    assert ciphertext
    with pytest.raises(InvalidToken):
        Fernet(KEY).decrypt(ciphertext.encode())
    Fernet(new).decrypt(ciphertext.encode())
    # only the old key left by mistake: the line says what is wrong
    result = run_cli(["ingest", "--once"], {**env, "HELPDESK_ENCRYPTION_KEY": KEY})
    assert result.returncode != 0
    assert "no key of HELPDESK_ENCRYPTION_KEY decrypts" in result.stderr
    # the new key alone: the mailbox logs in (the refresh token is refreshed) and mail comes in
    use_oauth(app, {**env, "HELPDESK_ENCRYPTION_KEY": new})
    oauth_imap_server.append(make_mail(subject="After the key rotation"))
    assert make_poller(app).run_once().outcomes == {"ticket": 1}
