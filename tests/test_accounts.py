"""Accounts: server-side sessions (sign-out revokes the cookie) and the profile page."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import PasswordReset, User, UserSession, utcnow
from tests.admin_helpers import post
from tests.factories import PASSWORD, make_user
from tests.test_web import login

NEW_PASSWORD = "a brand new passphrase"


def test_sign_out_revokes_the_session_so_the_old_cookie_no_longer_works(
    web_app, client: FlaskClient, session: Session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    assert login(client, user.email).status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None and client.get("/").status_code == 200
    assert post(client, "/logout").status_code == 302
    assert client.get("/").status_code == 302
    replay = web_app.test_client()  # an attacker who kept a copy of the cookie
    replay.set_cookie("session", cookie.value)
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    session.rollback()
    row = session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert row.revoked_at is not None and len(row.token_hash) == 64


def test_a_session_stays_signed_in_until_revoked(web_app, session: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    first, second = web_app.test_client(), web_app.test_client()
    login(first, user.email)
    login(second, user.email)
    assert post(first, "/logout").status_code == 302
    assert second.get("/").status_code == 200  # signing out here leaves the other browser


def test_profile_saves_name_and_signature(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.email)
    page = client.get("/profile").get_data(as_text=True)
    assert "Your profile" in page and user.email in page
    assert 'href="/profile"' in client.get("/").get_data(as_text=True)  # from the header
    response = post(client, "/profile", {"name": "Dana Q.", "signature": "Dana\nProCase support"})
    assert response.status_code == 302
    session.rollback()
    saved = session.get(User, user.id)
    assert saved is not None and saved.name == "Dana Q."
    assert saved.signature == "Dana\nProCase support"
    blank = post(client, "/profile", {"name": "  ", "signature": ""})
    assert blank.status_code == 400 and "cannot be empty" in blank.get_data(as_text=True)


def test_profile_needs_sign_in_and_csrf(client: FlaskClient, session: Session) -> None:
    assert client.get("/profile").status_code == 302
    login(client, make_user(session).email)
    assert client.post("/profile", data={"name": "x"}).status_code == 400
    assert client.post("/profile/password", data={}).status_code == 400


def test_password_change_needs_the_current_one_and_signs_out_other_sessions(
    web_app, client: FlaskClient, session: Session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    elsewhere = web_app.test_client()
    login(elsewhere, user.email)
    login(client, user.email)
    wrong = post(
        client,
        "/profile/password",
        {"current": "not it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 400 and "current password is not right" in wrong.get_data(
        as_text=True
    )
    differ = post(
        client,
        "/profile/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"},
    )
    assert differ.status_code == 400 and "The two passwords differ." in differ.get_data(
        as_text=True
    )
    assert elsewhere.get("/").status_code == 200
    done = post(
        client,
        "/profile/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert "signed out of 1 other session" in done.get_data(as_text=True)
    assert client.get("/").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/").status_code == 302  # the other one is signed out
    assert post(client, "/logout").status_code == 302
    assert login(client, user.email, PASSWORD).status_code == 401
    assert login(client, user.email, NEW_PASSWORD).status_code == 302


def test_sign_out_everywhere_else(web_app, client: FlaskClient, session: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    elsewhere = web_app.test_client()
    login(elsewhere, user.email)
    login(client, user.email)
    assert "in 1 other browser" in client.get("/profile").get_data(as_text=True)
    post(client, "/profile/sessions")
    assert elsewhere.get("/").status_code == 302 and client.get("/").status_code == 200
    assert "Only here." in client.get("/profile").get_data(as_text=True)


def test_deactivating_a_user_ends_their_sessions_for_good(
    web_app, client: FlaskClient, session: Session
) -> None:  # type: ignore[no-untyped-def]
    agent = make_user(session)
    agent_client = web_app.test_client()
    login(agent_client, agent.email)
    admin = make_user(session, role="admin")
    login(client, admin.email)
    post(client, f"/admin/users/{agent.id}/deactivate")
    assert agent_client.get("/").status_code == 302
    post(client, f"/admin/users/{agent.id}/reactivate", {"password": NEW_PASSWORD})
    assert agent_client.get("/").status_code == 302  # the old session does not come back


def _session_ids(session: Session, user: User) -> list[int]:
    session.rollback()
    return list(
        session.scalars(
            select(UserSession.id)
            .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
            .order_by(UserSession.id)
        )
    )


def test_sign_out_one_other_browser_by_name(web_app, client: FlaskClient, session: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    phone = web_app.test_client()
    login(phone, user.email)
    laptop = web_app.test_client()
    laptop.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
    )
    login(laptop, user.email)
    login(client, user.email)
    page = client.get("/profile").get_data(as_text=True)
    assert "Firefox on Windows, signed in" in page and "in 2 other browsers" in page
    phone_id, laptop_id, here_id = _session_ids(session, user)
    assert post(client, f"/profile/sessions/{laptop_id}").status_code == 302
    assert laptop.get("/").status_code == 302  # signed out
    assert phone.get("/").status_code == 200 and client.get("/").status_code == 200
    assert post(client, f"/profile/sessions/{laptop_id}").status_code == 404  # already gone
    assert (
        post(client, f"/profile/sessions/{here_id}").status_code == 404
    )  # the button signs out here
    other = make_user(session)
    assert post(client, "/profile/sessions/999999").status_code == 404
    stranger = web_app.test_client()
    login(stranger, other.email)
    assert post(stranger, f"/profile/sessions/{phone_id}").status_code == 404  # not theirs
    assert phone.get("/").status_code == 200


def test_a_session_ends_after_its_lifetime(web_app, client: FlaskClient, session: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    login(client, user.email)
    assert client.get("/").status_code == 200
    (session_id,) = _session_ids(session, user)
    row = session.get(UserSession, session_id)
    assert row is not None
    days = web_app.config["SESSION_LIFETIME_DAYS"]
    row.created_at = row.created_at - timedelta(days=days, minutes=1)
    session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_signing_in_purges_sessions_and_reset_links_that_ended_long_ago(
    web_app, client: FlaskClient, session: Session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    long_ago = utcnow() - timedelta(days=8)
    session.add_all(
        [
            UserSession(
                user_id=user.id, token_hash="a" * 64, created_at=long_ago, revoked_at=long_ago
            ),
            UserSession(
                user_id=user.id, token_hash="b" * 64, created_at=long_ago - timedelta(days=60)
            ),
            UserSession(user_id=user.id, token_hash="c" * 64, revoked_at=utcnow()),  # recent: kept
            PasswordReset(user_id=user.id, token_hash="d" * 64, expires_at=long_ago),
            PasswordReset(
                user_id=user.id, token_hash="e" * 64, expires_at=utcnow() + timedelta(minutes=5)
            ),
        ]
    )
    session.commit()
    login(client, user.email)
    session.rollback()
    sessions = set(
        session.scalars(select(UserSession.token_hash).where(UserSession.user_id == user.id))
    )
    assert "a" * 64 not in sessions and "b" * 64 not in sessions and "c" * 64 in sessions
    assert len(sessions) == 2  # the recent revoked one and this sign-in
    links = set(session.scalars(select(PasswordReset.token_hash)))
    assert links == {"e" * 64}
