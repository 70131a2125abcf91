"""Two-factor sign-in in a real browser: the password, then a code from the app."""

from __future__ import annotations

import time

import pyotp
from sqlalchemy.orm import Session

from helpdesk.auth.twofactor import confirm_enrolment, start_enrolment
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_user


def test_sign_in_asks_for_the_code_after_the_password(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    secret = start_enrolment(user)
    assert confirm_enrolment(session, user, pyotp.TOTP(secret).now()) is not None
    session.commit()
    sign_in(page, user.email, PASSWORD)
    assert page.get_by_role("heading", name="Two-factor sign-in").is_visible()
    code = page.get_by_label("Code from your authenticator app, or a recovery code")
    code.fill("000000" if pyotp.TOTP(secret).at(int(time.time()) + 30) != "000000" else "111111")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("That code is not right").is_visible()
    code = page.get_by_label("Code from your authenticator app, or a recovery code")
    code.fill(pyotp.TOTP(secret).at(int(time.time()) + 30))  # the current step confirmed it
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("link", name=user.name).is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
