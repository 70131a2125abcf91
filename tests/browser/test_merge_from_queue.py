"""Merging two tickets of one customer from the queue, in a real browser: select both,
choose the merge, confirm; the merged one is gone from the queue and its page leads on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from helpdesk.models import utcnow
from helpdesk.tickets.services import add_message
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_customer, make_ticket, make_user


def rows(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(".queue-table tbody td:nth-child(2) a").all_inner_texts()


def test_an_agent_merges_two_tickets_from_the_queue(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    customer = make_customer(session, "dana@example.com", "Dana")
    first = make_ticket(session, "Cracked case", customer=customer, status="open")
    second = make_ticket(session, "About my cracked case", customer=customer, status="open")
    now = utcnow()
    first.created_at, second.created_at = now - timedelta(hours=3), now - timedelta(hours=1)
    for ticket, text, at in ((first, "It arrived cracked.", 3), (second, "Photo attached.", 1)):
        add_message(
            session, ticket, direction="inbound", sender="dana@example.com", text=text
        ).created_at = now - timedelta(hours=at)
    session.commit()
    sign_in(page, make_user(session, "agent").email, PASSWORD)
    page.get_by_role("navigation", name="Views").get_by_role("link", name="All open").click()
    assert rows(page) == ["#1001 Cracked case", "#1002 About my cracked case"]

    page.get_by_label("Select ticket #1002").check()
    page.get_by_label("Select ticket #1001").check()
    page.get_by_label("With the selected tickets").select_option("merge")
    asked: list[str] = []

    def accept(dialog) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    with page.expect_navigation():
        page.get_by_role("button", name="Apply to selected").click()
    assert asked and asked[0].startswith("Merge the selected tickets into the oldest")
    assert page.get_by_text("Merged 1 ticket into #1001").is_visible()
    assert rows(page) == ["#1001 Cracked case"]

    page.goto("/tickets/1002")
    assert page.url.endswith("/tickets/1001")
    assert page.get_by_text("Ticket #1002 was merged into #1001.").is_visible()
    conversation = page.locator(".conversation").inner_text()
    assert conversation.index("It arrived cracked.") < conversation.index("Photo attached.")
    assert page.get_by_text("#1002 merged into #1001").first.is_visible()
