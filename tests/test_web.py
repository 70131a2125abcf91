"""The plain web pages: sign-in with CSRF, who may see what, no stack traces."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk.extensions import db
from helpdesk.models import Attachment
from tests.factories import PASSWORD, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, html
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD, next_url: str = ""):  # type: ignore[no-untyped-def]
    # Signing in writes a session row. On SQLite a test transaction that began reading before
    # that write could not write afterwards, so the test's transaction ends here (committed).
    db.session.commit()
    token = csrf_token(client)
    return client.post(
        "/login" + (f"?next={next_url}" if next_url else ""),
        data={"email": email, "password": password, "csrf_token": token},
    )


def test_pages_need_a_signed_in_user(client: FlaskClient) -> None:
    for path in ("/", "/tickets/1001", "/attachments/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_without_csrf_token_is_refused_clearly(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    wrong = login(client, user.email, "not the password")
    unknown = login(client, "nobody@procase.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    assert "Wrong email or password." in unknown.get_data(as_text=True)


def test_login_then_list_and_ticket_page(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    record = ingest(
        session,
        make_mail(
            subject="Wrong Item Received",
            body="Order #123456",
            attachments=[("photo.jpg", "image/jpeg", b"\xff\xd8jpeg")],
        ),
    )
    response = login(client, user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    listing = client.get("/?view=open").get_data(as_text=True)
    assert "Wrong Item Received" in listing and "wrong_item" in listing
    page = client.get("/tickets/1001").get_data(as_text=True)
    assert "Order 123456" in page and "photo.jpg" in page and "ack" in page
    assert record.ticket_id


def test_safe_next_redirect_only_to_this_site(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    response = login(client, user.email, next_url="https://evil.example/")
    assert response.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = login(client, user.email, next_url="/tickets/1001")
    assert response.headers["Location"] == "/tickets/1001"


def test_attachment_downloads_as_attachment_with_nosniff(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    ingest(
        session, make_mail(attachments=[("../../evil.html", "text/html", b"<script>x</script>")])
    )
    attachment = session.query(Attachment).one()
    login(client, user.email)
    response = client.get(f"/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "/" not in attachment.filename
    assert response.mimetype == "application/octet-stream"


def test_missing_ticket_is_a_clear_404(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session).email)
    response = client.get("/tickets/999999")
    assert response.status_code == 404
    assert "no ticket with that number" in response.get_data(as_text=True)


def test_logout_needs_post_with_csrf(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session).email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    assert client.get("/").status_code == 302


def test_unexpected_error_shows_no_stack_trace(web_app: Flask, client: FlaskClient) -> None:
    @web_app.route("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    web_app.testing = False
    web_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert "Something went wrong" in body


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for path in ("/login", "/static/app.css", "/no-such-page"):
        response = client.get(path)
        response.close()  # a static file is streamed from an open file
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session).email)
    for path in ("/login", "/"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "<style" not in html and " style=" not in html


def test_access_predicates() -> None:
    from types import SimpleNamespace

    from helpdesk.access import can_administer, can_view_reports, can_work_tickets

    def user(role: str, active: bool = True) -> SimpleNamespace:
        return SimpleNamespace(role=role, active=active, is_authenticated=True)

    assert can_work_tickets(user("agent")) and not can_view_reports(user("agent"))
    assert can_view_reports(user("manager")) and not can_administer(user("manager"))
    assert can_administer(user("admin"))
    assert not can_work_tickets(user("admin", active=False))
    assert not can_work_tickets(SimpleNamespace(is_authenticated=False))
    assert not can_work_tickets(user("intruder"))


def test_failed_logins_are_rate_limited_per_account_and_address(
    client: FlaskClient, session: Session
) -> None:
    """From one client address; the owner elsewhere still signs in (test_password_reset)."""
    user = make_user(session)
    for _ in range(5):
        assert login(client, user.email, "wrong password").status_code == 401
    limited = login(client, user.email, "wrong password")
    assert limited.status_code == 429
    assert "Too many failed sign-in attempts" in limited.get_data(as_text=True)
    assert login(client, user.email).status_code == 429  # from here, even the right password
    other = make_user(session)
    assert login(client, other.email).status_code == 302  # other accounts are not locked out


def test_successful_logins_do_not_count(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    for _ in range(8):
        assert login(client, user.email).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_login_rotates_the_session_and_sets_safe_cookies(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    client.get("/login")
    before = client.get_cookie("session")
    response = login(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get_cookie("session").value != before.value
