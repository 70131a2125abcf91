"""POST /api/v1/policy/evaluate with a bearer token or the browser session; tokens via the CLI."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.access import can_administer
from helpdesk.api.auth import api_view
from helpdesk.api.tokens import create_token, hash_token
from helpdesk.commands.tokens import tokens as tokens_command
from helpdesk.models import ApiToken, utcnow
from helpdesk.timefmt import storetime
from tests.factories import make_ticket, make_user
from tests.test_policy import RETURN as FACTS
from tests.test_web import login

URL = "/api/v1/policy/evaluate"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_commands_create_list_revoke(app: Flask, session: Session) -> None:
    user = make_user(session, role="manager")
    runner = app.test_cli_runner()
    created = runner.invoke(tokens_command, ["create", user.email.upper(), "--name", "CI"])
    assert created.exit_code == 0, created.output
    raw = created.output.strip().splitlines()[-1]
    token = session.scalar(select(ApiToken))
    assert token is not None and token.token_hash == hash_token(raw) and raw not in token.token_hash
    assert (token.role, token.name, token.user_id) == ("manager", "CI", user.id)
    listing = runner.invoke(tokens_command, ["list"])
    assert f"{token.id}\t{user.email}\tmanager\tCI" in listing.output and "live" in listing.output
    zone = app.config["HELPDESK_TIMEZONE"]
    assert f"created {storetime(token.created_at, zone)}\t" in listing.output  # "... PST"
    revoked = runner.invoke(tokens_command, ["revoke", str(token.id)])
    assert revoked.exit_code == 0
    session.refresh(token)
    assert token.revoked_at is not None
    assert "revoked" in runner.invoke(tokens_command, ["list"]).output
    assert runner.invoke(tokens_command, ["revoke", "999"]).exit_code != 0
    unknown = runner.invoke(tokens_command, ["create", "nobody@procase.com"])
    assert unknown.exit_code != 0 and "no user" in unknown.output


def test_bearer_call_returns_the_verdict_and_records_use(
    client: FlaskClient, session: Session
) -> None:
    token, raw = create_token(session, make_user(session).email, "script")
    session.commit()
    response = client.post(URL, json=FACTS, headers=bearer(raw))
    assert response.status_code == 200, response.get_json()
    verdict = response.get_json()
    assert verdict["decision"] == "refund" and verdict["eligible"] is True
    assert (verdict["refund_amount"], verdict["restocking_fee"]) == ("11.49", "3.00")
    assert verdict["deadline"] == "2026-02-04" and verdict["template"] == "return_eligible_refund"
    assert verdict["reasons"] and verdict["missing"] == []
    session.rollback()  # a fresh read: see what the request committed
    session.refresh(token)
    first = token.last_used_at
    assert first is not None
    assert client.post(URL, json=FACTS, headers=bearer(raw)).status_code == 200
    session.rollback()  # a fresh read: see what the request committed
    session.refresh(token)
    assert token.last_used_at == first  # at most once a minute
    token.last_used_at = utcnow() - timedelta(minutes=2)
    session.commit()
    assert client.post(URL, json=FACTS, headers=bearer(raw)).status_code == 200
    session.rollback()  # a fresh read: see what the request committed
    session.refresh(token)
    assert token.last_used_at is not None and token.last_used_at > first


def test_missing_facts_are_named(client: FlaskClient, session: Session) -> None:
    _, raw = create_token(session, make_user(session).email)
    session.commit()
    verdict = client.post(URL, json={"request": "return"}, headers=bearer(raw)).get_json()
    assert verdict["decision"] == "needs_information"
    assert verdict["missing"] == ["reason", "channel", "purchase_date", "request_date", "price"]


def test_unauthenticated_unknown_revoked_and_inactive_get_401(
    client: FlaskClient, session: Session
) -> None:
    response = client.post(URL, json=FACTS)
    assert response.status_code == 401 and "error" in response.get_json()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.post(URL, json=FACTS, headers=bearer("not-a-token")).status_code == 401
    user = make_user(session)
    token, raw = create_token(session, user.email)
    token.revoked_at = utcnow()
    session.commit()
    assert client.post(URL, json=FACTS, headers=bearer(raw)).status_code == 401
    _, live = create_token(session, user.email)
    user.active = False
    session.commit()
    response = client.post(URL, json=FACTS, headers=bearer(live))
    assert response.status_code == 401 and response.is_json


def test_invalid_input_is_400_with_the_field(client: FlaskClient, session: Session) -> None:
    _, raw = create_token(session, make_user(session).email)
    session.commit()
    response = client.post(URL, json={**FACTS, "price": "abc"}, headers=bearer(raw))
    assert response.status_code == 400
    assert response.get_json()["field"] == "price" and response.get_json()["error"]
    bad_date = client.post(URL, json={**FACTS, "request_date": "20/01/2026"}, headers=bearer(raw))
    assert bad_date.get_json()["field"] == "request_date"
    not_object = client.post(URL, json=["return"], headers=bearer(raw))
    assert not_object.status_code == 400 and not_object.get_json()["field"] is None
    not_json = client.post(URL, data="request=return", headers=bearer(raw))
    assert not_json.status_code == 400 and not_json.is_json
    wrong_method = client.get(URL, headers=bearer(raw))
    assert wrong_method.status_code == 405


def test_session_call_needs_the_csrf_header(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    ticket = make_ticket(session)
    login(client, user.email)
    refused = client.post(URL, json=FACTS)
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]
    page = client.get(f"/tickets/{ticket.number}/policy").get_data(as_text=True)
    match = re.search(r'name="policy-csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, page
    accepted = client.post(URL, json=FACTS, headers={"X-CSRFToken": match.group(1)})
    assert accepted.status_code == 200 and accepted.get_json()["decision"] == "refund"


def test_role_check_uses_the_lower_of_token_and_user_role(web_app: Flask, session: Session) -> None:
    def admin_only() -> dict[str, str]:
        return {"ok": "yes"}

    web_app.add_url_rule(
        "/api-test/admin-only", view_func=api_view(can_administer)(admin_only), methods=["POST"]
    )
    client = web_app.test_client()
    admin = make_user(session, role="admin")
    _, admin_raw = create_token(session, admin.email)
    _, agent_raw = create_token(session, make_user(session).email)
    session.commit()
    assert client.post("/api-test/admin-only", headers=bearer(admin_raw)).status_code == 200
    denied = client.post("/api-test/admin-only", headers=bearer(agent_raw))
    assert denied.status_code == 403 and "error" in denied.get_json()
    admin.role = "agent"  # demoted after the token was made
    session.commit()
    assert client.post("/api-test/admin-only", headers=bearer(admin_raw)).status_code == 403
