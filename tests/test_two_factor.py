"""Two-factor sign-in (TOTP): enrolment with a QR code, sign-in with a code or a recovery
code (each once), the admin's requirement, API tokens unaffected."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.api.tokens import create_token
from helpdesk.auth.twofactor import check_code, confirm_enrolment, start_enrolment
from helpdesk.models import RecoveryCode, User, utcnow
from tests.admin_helpers import audits, post
from tests.factories import PASSWORD, make_user
from tests.test_web import csrf_token, login


def code_at(secret: str, seconds_from_now: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(time.time()) + seconds_from_now)


def enrol(client: FlaskClient, session: Session, user: User) -> tuple[str, list[str]]:
    """Enrol `user` (signed in on `client`) through the pages; returns the secret and codes."""
    page = client.get("/profile/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page
    session.rollback()
    secret = session.get(User, user.id).totp_secret  # type: ignore[union-attr]
    assert secret and secret in page
    token = csrf_token(client, "/profile/two-factor")  # "/" may send here
    shown = client.post("/profile/two-factor", data={"code": code_at(secret), "csrf_token": token})
    assert shown.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", shown.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def code_step(client: FlaskClient, code: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/login/code", data={"code": code, "csrf_token": csrf_token(client, "/login/code")}
    )


def test_enrol_then_sign_in_with_a_code_once(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.email)
    assert post(client, "/profile/two-factor", {"code": "000000"}).status_code == 302
    client.get("/profile/two-factor")
    wrong = post(client, "/profile/two-factor", {"code": "000000"})
    assert wrong.status_code == 400 and "not right" in wrong.get_data(as_text=True)
    secret, codes = enrol(client, session, user)
    session.rollback()
    stored = session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # hashes only
    assert "Two-factor sign-in is on" in client.get("/profile/two-factor").get_data(as_text=True)
    post(client, "/logout")

    response = login(client, user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302  # the password alone does not sign in
    assert code_step(client, "123456").status_code == 401
    code = code_at(secret, 30)  # the current step was used to confirm the enrolment
    assert code_step(client, code).status_code == 302
    assert client.get("/").status_code == 200
    post(client, "/logout")
    login(client, user.email)
    assert code_step(client, code).status_code == 401  # a code signs in once


def test_a_recovery_code_works_once(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.email)
    _, codes = enrol(client, session, user)
    post(client, "/logout")
    login(client, user.email)
    assert code_step(client, codes[3].upper()).status_code == 302
    assert "9 unused recovery codes left" in client.get("/profile/two-factor").get_data(
        as_text=True
    )
    post(client, "/logout")
    login(client, user.email)
    assert code_step(client, codes[3]).status_code == 401


def test_the_code_step_without_a_password_goes_back_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_codes_by_time_step(session: Session) -> None:
    user = make_user(session)
    secret = start_enrolment(user)
    now = utcnow()
    totp = pyotp.TOTP(secret)
    wrong = "000000" if totp.at(now) != "000000" else "111111"
    assert confirm_enrolment(session, user, wrong, now) is None
    codes = confirm_enrolment(session, user, totp.at(now), now)
    assert codes is not None and user.has_two_factor
    later = now + timedelta(minutes=5)
    assert not check_code(session, user, totp.at(now), later)  # too old
    assert check_code(session, user, totp.at(later - timedelta(seconds=30)), later)  # drift
    assert not check_code(session, user, totp.at(later - timedelta(seconds=30)), later)
    assert check_code(session, user, f" {codes[0][:5]} {codes[0][5:]} ", later)
    assert not check_code(session, user, codes[0], later)


def test_required_two_factor_sends_users_to_enrol_but_not_api_tokens(
    web_app, client: FlaskClient, session: Session
) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(session, role="admin")
    agent = make_user(session)
    _, raw = create_token(session, agent.email)
    session.commit()
    login(client, admin.email)
    assert post(client, "/admin/users/two-factor", {"required": "y"}).status_code == 302
    assert audits(session, "setting.two_factor_required") == [
        (admin.id, "two_factor_required", {"required": True})
    ]
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/profile/two-factor"
    agent_client = web_app.test_client()
    login(agent_client, agent.email)
    assert agent_client.get("/tickets/1001").headers["Location"] == "/profile/two-factor"
    assert "favicon" in agent_client.get("/favicon.ico").headers["Location"]  # not sent on
    assert agent_client.get("/api/v1/tickets").status_code == 403  # the session, not a token
    api = agent_client.application.test_client()
    ok = api.get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw}"})
    assert ok.status_code == 200
    enrol(agent_client, session, agent)
    assert agent_client.get("/").status_code == 200
    refused = post(agent_client, "/profile/two-factor/off", {"off-password": PASSWORD})
    assert refused.status_code == 302
    session.rollback()
    assert session.get(User, agent.id).has_two_factor  # type: ignore[union-attr]


def test_turning_it_off_needs_the_password_and_an_admin_can_reset_it(
    web_app, client: FlaskClient, session: Session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    login(client, user.email)
    enrol(client, session, user)
    post(client, "/profile/two-factor/off", {"off-password": "wrong"})
    session.rollback()
    assert session.get(User, user.id).has_two_factor  # type: ignore[union-attr]
    post(client, "/profile/two-factor/off", {"off-password": PASSWORD})
    session.rollback()
    assert not session.get(User, user.id).has_two_factor  # type: ignore[union-attr]
    enrol(client, session, user)
    admin_client = web_app.test_client()
    admin = make_user(session, role="admin")
    login(admin_client, admin.email)
    assert "Turn off two-factor" in admin_client.get(f"/admin/users/{user.id}").get_data(
        as_text=True
    )
    post(admin_client, f"/admin/users/{user.id}/two-factor-off")
    assert audits(session, "user.two_factor_off") == [
        (admin.id, str(user.id), {"email": user.email})
    ]
    post(client, "/logout")
    assert login(client, user.email).headers["Location"] == "/"


def test_the_shell_turns_two_factor_off_and_sets_a_password(app, web_app, session: Session) -> None:  # type: ignore[no-untyped-def]
    """For the admin who lost their phone and codes, with nobody else to help."""
    from helpdesk.commands.users import users

    user = make_user(session, role="admin")
    client = web_app.test_client()
    login(client, user.email)
    enrol(client, session, user)
    session.rollback()  # the command runs in this app context: it reads what the pages wrote
    runner = app.test_cli_runner()
    off = runner.invoke(users, ["two-factor-off", user.email.upper()])
    assert off.exit_code == 0 and "Two-factor sign-in is off" in off.output
    assert client.get("/").status_code == 200  # the session stays
    changed = runner.invoke(users, ["set-password", user.email, "--password", "short"])
    assert changed.exit_code != 0 and "at least 8 characters" in changed.output
    changed = runner.invoke(users, ["set-password", user.email, "--password", "long enough pw"])
    assert changed.exit_code == 0 and "1 session(s) ended" in changed.output
    assert client.get("/").status_code == 302
    assert login(client, user.email, "long enough pw").headers["Location"] == "/"
    assert [a[0] for a in audits(session, "user.two_factor_off")] == [None]
    assert runner.invoke(users, ["two-factor-off", "nobody@procase.com"]).exit_code != 0


def test_a_new_password_between_the_two_steps_ends_the_waiting_sign_in(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    login(client, user.email)
    enrol(client, session, user)
    post(client, "/logout")
    assert login(client, user.email).headers["Location"] == "/login/code"
    session.rollback()
    changed = session.get(User, user.id)
    assert changed is not None
    changed.set_password("changed meanwhile")
    session.commit()
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
