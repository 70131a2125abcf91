"""Forgotten passwords, admin reset links, and failed sign-ins that no longer lock the owner
out: mail through the outbox to the real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.account.resets import send_reset_link, use_reset, valid_reset
from helpdesk.auth.services import AccountError
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import OutboxMail, PasswordReset, User, utcnow
from tests.admin_helpers import assert_admin_only, audits, post
from tests.factories import PASSWORD, make_user
from tests.outbox_helpers import send_now
from tests.test_web import csrf_token, login

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"http://helpdesk\.test/password/reset/([A-Za-z0-9_-]+)")


def account_mails(session: Session) -> list[OutboxMail]:
    session.rollback()
    return list(session.scalars(select(OutboxMail).where(OutboxMail.kind == "account")))


def forgot(client: FlaskClient, address: str, **kw):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/password/forgot")
    return client.post("/password/forgot", data={"email": address, "csrf_token": token}, **kw)


def link_token(text: str) -> str:
    match = LINK.search(text)
    assert match, text
    return match.group(1)


def test_forgot_password_answers_the_same_and_mails_one_single_use_link(
    web_app, client: FlaskClient, session: Session, smtp
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    elsewhere = web_app.test_client()
    login(elsewhere, user.email)
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)
    known = forgot(client, user.email.upper())
    unknown = forgot(client, "nobody@procase.com")
    assert known.status_code == unknown.status_code == 200
    known_page = known.get_data(as_text=True).replace(user.email.upper(), "X")
    assert known_page == unknown.get_data(as_text=True).replace("nobody@procase.com", "X")
    assert "a link to set a new password is on its way" in known_page
    (row,) = account_mails(session)
    assert row.to_address == user.email and row.ticket_id is None
    assert send_now(session)["sent"] == 1
    (raw,) = smtp.wait_for(1)
    sent = email.message_from_bytes(raw, policy=policy.default)
    assert sent["To"] == user.email and sent["Auto-Submitted"] == "auto-generated"
    assert sent["Subject"] == "ProCase helpdesk: set a new password"
    token = link_token(sent.get_content())
    stored = session.scalars(select(PasswordReset)).one()
    assert stored.token_hash != token and len(stored.token_hash) == 64  # only the hash
    assert stored.expires_at - stored.created_at == timedelta(minutes=30)

    page = client.get(f"/password/reset/{token}")
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)
    response = client.post(
        f"/password/reset/{token}",
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, f"/password/reset/{token}"),
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert elsewhere.get("/").status_code == 302  # every session of the user ended
    again = client.get(f"/password/reset/{token}")
    assert again.status_code == 400 and "expired or was already used" in again.get_data(
        as_text=True
    )
    assert login(client, user.email, PASSWORD).status_code == 401
    assert login(client, user.email, NEW_PASSWORD).status_code == 302


def test_unknown_and_inactive_addresses_get_no_mail(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    user.active = False
    session.commit()
    assert forgot(client, "nobody@procase.com").status_code == 200
    assert forgot(client, user.email).status_code == 200
    assert account_mails(session) == []


def test_a_link_expires_after_30_minutes_and_works_once(session: Session) -> None:
    user = make_user(session)
    identity = MailIdentity.from_config(
        {
            "HELPDESK_SUPPORT_ADDRESS": "support@procase.com",
            "HELPDESK_STORE_NAME": "ProCase",
            "HELPDESK_MESSAGE_ID_DOMAIN": "helpdesk.procase.com",
        }
    )
    start = utcnow()
    send_reset_link(session, user, identity=identity, base_url="http://helpdesk.test/", now=start)
    session.commit()
    token = link_token(account_mails(session)[0].text)
    assert valid_reset(session, token, start + timedelta(minutes=29)) is not None
    assert valid_reset(session, token, start + timedelta(minutes=31)) is None
    with pytest.raises(AccountError, match="expired or was already used"):
        use_reset(session, token, NEW_PASSWORD, start + timedelta(minutes=31))
    assert use_reset(session, token, NEW_PASSWORD, start + timedelta(minutes=29)).id == user.id
    with pytest.raises(AccountError, match="expired or was already used"):
        use_reset(session, token, "another passphrase", start + timedelta(minutes=29))
    assert valid_reset(session, "not-a-token", start) is None


def test_forgot_password_is_rate_limited_the_same_for_any_address(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    for address in (user.email, "nobody@procase.com"):
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{len(address)}"
        for _ in range(5):
            assert forgot(client, address).status_code == 200
        limited = forgot(client, address)
        assert limited.status_code == 429
        assert "Too many password reset requests" in limited.get_data(as_text=True)
    assert len(account_mails(session)) == 5


def test_without_a_base_url_the_page_says_it_is_not_set_up(web_app, client) -> None:  # type: ignore[no-untyped-def]
    web_app.config["HELPDESK_BASE_URL"] = None
    response = client.get("/password/forgot")
    assert response.status_code == 503 and "not set up" in response.get_data(as_text=True)


def test_bad_reset_links_are_a_clear_400(client: FlaskClient) -> None:
    response = client.get("/password/reset/nonsense")
    assert response.status_code == 400 and "Ask for a new one" in response.get_data(as_text=True)


def test_an_admin_sends_a_reset_link_audited(client: FlaskClient, session: Session, smtp) -> None:  # type: ignore[no-untyped-def]
    agent = make_user(session)
    assert_admin_only(client, session, gets=[], posts=[f"/admin/users/{agent.id}/reset-link"])
    admin = session.scalars(select(User).where(User.role == "admin")).one()
    assert account_mails(session) == []
    page = client.get(f"/admin/users/{agent.id}").get_data(as_text=True)
    assert "Send a password reset link" in page
    response = post(client, f"/admin/users/{agent.id}/reset-link", follow_redirects=True)
    assert f"Sent {agent.email} a link" in response.get_data(as_text=True)
    (row,) = account_mails(session)
    assert row.to_address == agent.email and f"{admin.name}, an admin," in row.text
    assert audits(session, "user.reset_link") == [(admin.id, str(agent.id), {"email": agent.email})]
    send_now(session)
    (raw,) = smtp.wait_for(1)
    token = link_token(email.message_from_bytes(raw, policy=policy.default).get_content())
    assert valid_reset(session, token) is not None
    assert login(client.application.test_client(), agent.email).status_code == 302  # unchanged


def attempt(client: FlaskClient, address: str, user_email: str, password: str) -> int:
    """A sign-in from the client address `address`."""
    client.environ_base["REMOTE_ADDR"] = address
    return login(client, user_email, password).status_code


def test_failed_sign_ins_slow_the_guesser_not_the_owner_who_is_told_once(
    web_app, session: Session, smtp
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    guesser, owner = web_app.test_client(), web_app.test_client()
    for _ in range(5):
        assert attempt(guesser, "203.0.113.1", user.email, "wrong password") == 401
    assert account_mails(session) == []
    # that address is stopped for this account, even with the right password
    assert attempt(guesser, "203.0.113.1", user.email, "wrong password") == 429
    assert attempt(guesser, "203.0.113.1", user.email, PASSWORD) == 429
    # from elsewhere the account is past its limit: the owner is told, once
    assert attempt(guesser, "203.0.113.2", user.email, "wrong password") == 401
    assert attempt(guesser, "203.0.113.3", user.email, "wrong password") == 401
    (row,) = account_mails(session)
    assert row.to_address == user.email and "203.0.113.2" in row.text
    # the time in the store's zone, then in UTC
    assert re.search(r"at \d{4}-\d\d-\d\d \d\d:\d\d P[SD]T \(\d\d:\d\d UTC\)", row.text)
    # and the rightful owner signs in with the correct password
    assert attempt(owner, "198.51.100.7", user.email, PASSWORD) == 302
    assert owner.get("/").status_code == 200
    send_now(session)
    (raw,) = smtp.wait_for(1)
    sent = email.message_from_bytes(raw, policy=policy.default)
    assert sent["Subject"] == "ProCase helpdesk: failed sign-ins to your account"
    assert "Your account is not locked" in sent.get_content()


def test_failures_for_unknown_accounts_mail_nobody(web_app, session: Session) -> None:  # type: ignore[no-untyped-def]
    client = web_app.test_client()
    for number in range(8):
        assert attempt(client, f"203.0.113.{number}", "nobody@procase.com", "x") == 401
    assert account_mails(session) == []
