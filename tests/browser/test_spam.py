"""Marking a ticket as spam from its page (blocking the sender), finding it in the Spam
view, and bringing it back: in a real browser."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import BlockedSender, Ticket
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_customer, make_ticket, make_user


def test_mark_spam_from_the_ticket_page_then_not_spam(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    customer = make_customer(session, "watches@spam.example", "Cheap Watches")
    ticket = make_ticket(session, subject="Rolex 90% off", customer=customer)
    make_ticket(session, subject="Where is my case?")
    sign_in(page, make_user(session, "agent").email, PASSWORD)
    page.get_by_role("navigation", name="Views").get_by_role("link", name="All open").click()
    page.get_by_role("link", name=f"#{ticket.number} Rolex 90% off").click()

    page.get_by_label("Also block").select_option("sender")
    page.get_by_role("button", name="Mark as spam").click()
    page.get_by_text("Marked as spam: the ticket is in the Spam view").wait_for()
    assert page.get_by_text("This ticket is spam").is_visible()

    views = page.get_by_role("navigation", name="Views")
    page.goto(page.url.split("/tickets/")[0] + "/?view=open")
    assert page.get_by_role("link", name=f"#{ticket.number} Rolex 90% off").count() == 0
    spam_link = views.get_by_role("link", name="Spam")
    assert spam_link.inner_text().strip().endswith("1")  # its count
    spam_link.click()
    assert "view=spam" in page.url
    page.get_by_role("link", name=f"#{ticket.number} Rolex 90% off").click()
    page.get_by_role("button", name="Not spam").click()
    page.get_by_text("Marked as not spam").wait_for()

    session.rollback()
    assert session.scalars(select(Ticket.status).where(Ticket.id == ticket.id)).one() == "new"
    assert session.scalars(select(BlockedSender.value)).all() == ["watches@spam.example"]
