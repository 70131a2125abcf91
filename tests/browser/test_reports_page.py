"""A manager reads the backlog report in a real browser; an agent may not."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.browser.conftest import shot, sign_in
from tests.factories import PASSWORD, make_ticket, make_user


def test_manager_sees_the_backlog_and_an_agent_does_not(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    for n, (category, status) in enumerate(
        [
            ("shipping", "new"),
            ("shipping", "open"),
            ("warranty", "pending"),
            ("wrong_item", "new"),
            ("return", "open"),
            ("return", "solved"),
        ]
    ):
        make_ticket(session, subject=f"Ticket {n}", category=category, status=status)
    manager, agent = make_user(session, "manager"), make_user(session, "agent")
    sign_in(page, agent.email, PASSWORD)
    assert page.goto("/reports/").status == 403
    page.context.clear_cookies()
    sign_in(page, manager.email, PASSWORD)
    page.get_by_role("link", name="Reports").click()
    body = page.locator("main").inner_text()
    assert "Shipping" in body and "Warranty" in body
    assert page.locator("svg[role=img]").count() >= 1
    shot(page, "reports")
