"""A manager reads the reports in a real browser; an agent may not."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.browser.conftest import shot, sign_in
from tests.browser.test_accessibility import axe_problems
from tests.factories import PASSWORD, make_ticket, make_user
from tests.report_helpers import build_activity


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


def test_a_bad_date_range_is_shown_on_the_form_then_the_report(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    """Start after end: the activity page again with the error by the dates (no error
    page), axe-clean; a good range then shows the figures with what they count."""
    build_activity(session)
    manager = make_user(session, "manager")
    sign_in(page, manager.email, PASSWORD)
    response = page.goto("/reports/activity?start=2026-11-20&end=2026-11-05")
    assert response.status == 400
    assert page.get_by_role("alert").inner_text() == (
        "The start date must not be after the end date."
    )
    assert page.get_by_label("From").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("link", name="Activity").is_visible()
    assert axe_problems(page) == []
    page.get_by_label("From").fill("2026-11-05")
    page.get_by_label("To (included)").fill("2026-11-20")
    page.get_by_role("button", name="Show this date range").click()
    page.wait_for_url("**/reports/activity?start=2026-11-05&end=2026-11-20")
    main = page.locator("main").inner_text()
    assert "No activity 13\u201319 Nov" in main
    assert "however it got there" in main  # the definition of Solved
    assert axe_problems(page) == []
    shot(page, "reports-activity")
