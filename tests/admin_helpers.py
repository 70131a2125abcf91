"""Signing in as a role and posting admin forms, for the admin console's tests."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import AuditEvent, User
from tests.factories import make_user
from tests.test_web import csrf_token, login


def sign_in(client: FlaskClient, session: Session, role: str = "admin") -> User:
    user = make_user(session, role=role)
    assert login(client, user.email).status_code == 302
    return user


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    """POST `data` with the session's CSRF token (taken from the header's sign-out form)."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, "/")}, **kw)


def audits(session: Session, action: str) -> list[tuple[int | None, str | None, dict[str, Any]]]:
    """(actor id, target id, detail) of each audit event with this action, oldest first."""
    session.rollback()  # a new transaction sees what the requests committed
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    )
    return [(r.actor_id, r.target_id, json.loads(r.detail)) for r in rows]


def assert_admin_only(
    client: FlaskClient, session: Session, gets: list[str], posts: list[str]
) -> None:
    """Agents and managers get 403 on every page and form; a POST without CSRF gets 400."""
    for role in ("agent", "manager"):
        sign_in(client, session, role)
        for url in gets:
            assert client.get(url).status_code == 403, (role, url)
        for url in posts:
            assert post(client, url).status_code == 403, (role, url)
        post(client, "/logout")
    sign_in(client, session, "admin")
    for url in posts:
        response = client.post(url, data={})
        assert response.status_code == 400, url
        assert "form expired" in response.get_data(as_text=True)


def reload(session: Session, *objects: object) -> None:
    """End the test's transaction (its snapshot predates the requests) and reload `objects`."""
    session.rollback()
    for obj in objects:
        session.refresh(obj)
