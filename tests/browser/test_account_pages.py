"""The account pages pass axe in Debian's Chromium: profile, two-factor set-up, recovery
codes, forgotten password, the code step of the sign-in."""

from __future__ import annotations

import time

import pyotp
from sqlalchemy.orm import Session

from helpdesk.auth.twofactor import confirm_enrolment, start_enrolment
from helpdesk.models import User
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import axe_problems, check_pages
from tests.factories import PASSWORD, make_user


def test_account_pages_pass_axe(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    check_pages(page, ["/password/forgot"])
    user = make_user(session)
    sign_in(page, user.email, PASSWORD)
    check_pages(page, ["/profile", "/profile/two-factor"])
    session.rollback()
    secret = session.get(User, user.id).totp_secret  # type: ignore[union-attr]
    assert secret
    page.get_by_label("The 6-digit code the app shows now").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    assert page.get_by_text("They are shown only now.").is_visible()
    assert not axe_problems(page)
    check_pages(page, ["/profile/two-factor"])


def test_the_code_step_passes_axe(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    secret = start_enrolment(user)
    assert confirm_enrolment(session, user, pyotp.TOTP(secret).at(int(time.time()))) is not None
    session.commit()
    sign_in(page, user.email, PASSWORD)
    assert page.get_by_role("heading", name="Two-factor sign-in").is_visible()
    assert not axe_problems(page)
