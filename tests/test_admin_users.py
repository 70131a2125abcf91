"""Admins manage users: create, change role, deactivate (sessions and tokens stop at once)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.api.tokens import create_token
from helpdesk.models import ApiToken, AuditEvent, User
from tests.admin_helpers import assert_admin_only, audits, post, reload, sign_in
from tests.factories import PASSWORD, make_user
from tests.test_api_policy import URL as API_URL
from tests.test_api_policy import bearer
from tests.test_policy import RETURN as FACTS
from tests.test_web import login


def test_only_admins_may_manage_users(client: FlaskClient, session: Session) -> None:
    target = make_user(session)
    assert_admin_only(
        client,
        session,
        gets=["/admin/users", "/admin/users/new", f"/admin/users/{target.id}"],
        posts=[
            "/admin/users/new",
            f"/admin/users/{target.id}/role",
            f"/admin/users/{target.id}/deactivate",
            f"/admin/users/{target.id}/reactivate",
        ],
    )
    reload(session, target)
    assert target.active and target.role == "agent"
    assert session.scalar(select(func.count(AuditEvent.id))) == 0


def test_list_and_unknown_user(client: FlaskClient, session: Session) -> None:
    admin = sign_in(client, session)
    agent = make_user(session)
    page = client.get("/admin/users").get_data(as_text=True)
    assert admin.email in page and agent.email in page and f"Manage {agent.name}" in page
    assert client.get("/admin/users/99999").status_code == 404
    assert post(client, "/admin/users/99999/deactivate").status_code == 404


def test_create_user_then_they_sign_in(
    client: FlaskClient, web_app: Flask, session: Session
) -> None:
    admin = sign_in(client, session)
    form = {"name": "Dana", "email": "Dana@ProCase.com", "role": "manager", "password": PASSWORD}
    response = post(client, "/admin/users/new", form)
    assert response.status_code == 302
    session.rollback()
    user = session.scalar(select(User).where(User.email == "dana@procase.com"))
    assert user is not None and (user.role, user.active) == ("manager", True)
    assert audits(session, "user.create") == [
        (admin.id, str(user.id), {"email": "dana@procase.com", "role": "manager"})
    ]
    assert login(web_app.test_client(), "dana@procase.com").status_code == 302
    again = post(client, "/admin/users/new", form)
    assert again.status_code == 400 and "already exists" in again.get_data(as_text=True)
    short = post(client, "/admin/users/new", {**form, "email": "x@procase.com", "password": "1"})
    assert short.status_code == 400 and "at least 8" in short.get_data(as_text=True)
    assert len(audits(session, "user.create")) == 1


def test_change_role_is_audited(client: FlaskClient, session: Session) -> None:
    admin = sign_in(client, session)
    agent = make_user(session)
    response = post(client, f"/admin/users/{agent.id}/role", {"role": "manager"})
    assert response.status_code == 302
    assert "role manager" in client.get(response.headers["Location"]).get_data(as_text=True)
    reload(session, agent)
    assert agent.role == "manager"
    assert audits(session, "user.role") == [
        (admin.id, str(agent.id), {"old": "agent", "new": "manager"})
    ]
    assert post(client, f"/admin/users/{agent.id}/role", {"role": "owner"}).status_code == 302
    reload(session, agent)
    assert agent.role == "manager"


def test_the_last_admin_cannot_leave(client: FlaskClient, session: Session) -> None:
    admin = sign_in(client, session)
    for url, data in (
        (f"/admin/users/{admin.id}/role", {"role": "agent"}),
        (f"/admin/users/{admin.id}/deactivate", {}),
    ):
        response = post(client, url, data, follow_redirects=True)
        assert "the last active admin" in response.get_data(as_text=True)
        reload(session, admin)
        assert admin.active and admin.role == "admin"
    assert session.scalar(select(func.count(AuditEvent.id))) == 0
    make_user(session, role="admin")
    assert post(client, f"/admin/users/{admin.id}/role", {"role": "manager"}).status_code == 302
    reload(session, admin)
    assert admin.role == "manager"
    assert client.get("/admin/users").status_code == 403  # no longer an admin


def test_deactivation_ends_sessions_and_tokens_at_once(
    client: FlaskClient, web_app: Flask, session: Session
) -> None:
    admin = sign_in(client, session)
    agent = make_user(session)
    _, raw = create_token(session, agent.email, "script")
    session.commit()
    theirs = web_app.test_client()
    assert login(theirs, agent.email).status_code == 302
    assert theirs.get("/").status_code == 200
    assert theirs.post(API_URL, json=FACTS, headers=bearer(raw)).status_code == 200
    response = post(client, f"/admin/users/{agent.id}/deactivate")
    assert response.status_code == 302
    after = theirs.get("/")
    assert after.status_code == 302 and "/login" in after.headers["Location"]
    assert theirs.post(API_URL, json=FACTS, headers=bearer(raw)).status_code == 401
    assert login(theirs, agent.email).status_code == 401
    session.rollback()
    assert session.scalar(select(ApiToken.revoked_at)) is not None
    assert audits(session, "user.deactivate") == [
        (admin.id, str(agent.id), {"email": agent.email, "tokens": 1})
    ]

    new_password = "a brand new passphrase"
    refused = post(client, f"/admin/users/{agent.id}/reactivate", follow_redirects=True)
    assert "Give a new password" in refused.get_data(as_text=True)
    url = f"/admin/users/{agent.id}/reactivate"
    assert post(client, url, {"password": new_password}).status_code == 302
    stale = theirs.get("/")  # the session from before the deactivation does not come back
    assert stale.status_code == 302 and "/login" in stale.headers["Location"]
    assert theirs.post(API_URL, json=FACTS, headers=bearer(raw)).status_code == 401
    assert login(theirs, agent.email).status_code == 401
    assert login(theirs, agent.email, new_password).status_code == 302
    assert audits(session, "user.reactivate") == [(admin.id, str(agent.id), {"email": agent.email})]


def test_api_refuses_an_inactive_users_live_token(client: FlaskClient, session: Session) -> None:
    """Even a token left unrevoked (deactivated outside the console) stops working."""
    agent = make_user(session)
    _, raw = create_token(session, agent.email)
    agent.active = False
    session.commit()
    response = client.post(API_URL, json=FACTS, headers=bearer(raw))
    assert response.status_code == 401 and "error" in response.get_json()
