"""Mailbox → Connect in a real browser: to the provider and back (CSP lets the form go)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import MailboxOAuth
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_user
from tests.oauth_helpers import oauth_env, use_oauth
from tests.servers.oauth import OAuthServer


@pytest.fixture
def oauth_app(app: Flask, oauth_server: OAuthServer, oauth_smtp_server) -> Flask:  # type: ignore[no-untyped-def]
    """The app on authorization code (set before the live server copies its config)."""
    use_oauth(app, oauth_env(oauth_server, None, oauth_smtp_server, "authorization_code"))
    return app


def test_admin_connects_the_mailbox_in_the_browser(
    oauth_app: Flask, page, session: Session
) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(session, role="admin")
    sign_in(page, admin.email, PASSWORD)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/admin/mailbox")
    assert page.get_by_text("not connected").first.is_visible()
    page.get_by_role("button", name="Connect (sign in at custom as support)").click()
    page.wait_for_url("**/admin/mailbox")
    assert page.get_by_text("Connected support to custom.").is_visible()
    assert not [e for e in errors if "Content Security Policy" in e]
    session.rollback()
    assert session.scalar(select(MailboxOAuth.refresh_token_encrypted))
    session.rollback()
