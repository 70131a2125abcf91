"""Signing in and reaching a ticket in a real browser."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail


def test_agent_signs_in_and_opens_a_ticket(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    ingest(
        session, make_mail(subject="Wrong Item Received", sender=("Dana Reyes", "dana@example.com"))
    )
    sign_in(page, user.email, "not the password")
    assert page.get_by_text("Wrong email or password.").is_visible()
    sign_in(page, user.email, PASSWORD)
    # An agent lands on their own open tickets; the new ticket is nobody's yet.
    assert page.get_by_role("heading", name="My open tickets").is_visible()  # their own work
    page.get_by_role("navigation", name="Views").get_by_role("link", name="Unassigned").click()
    page.get_by_role("link", name="Wrong Item Received").first.click()
    assert page.get_by_role("heading", name="Wrong Item Received").is_visible()
    messages = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.reload()
    assert not [m for m in messages if "Content Security Policy" in m]
