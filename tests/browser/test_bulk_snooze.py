"""Snoozing tickets from the queue in a real browser (issue 11): select, choose the Snooze
action and a "back on" date and time in the store's zone, apply."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from helpdesk.models import Ticket, utcnow
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_ticket, make_user


def test_snooze_the_selected_tickets_from_the_queue(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    tickets = [make_ticket(session, subject=f"Waiting {n}", status="open") for n in range(3)]
    sign_in(page, make_user(session, "agent").email, PASSWORD)
    page.get_by_role("navigation", name="Views").get_by_role("link", name="All open").click()
    for ticket in tickets[:2]:
        page.get_by_label(f"Select ticket #{ticket.number}").check()
    page.get_by_label("With the selected tickets").select_option("snooze")
    day = (utcnow().astimezone(ZoneInfo("America/Los_Angeles")) + timedelta(days=2)).date()
    page.get_by_label("Snooze: back on").fill(day.isoformat())
    page.get_by_label("at", exact=True).fill("09:30")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply to selected").click()
    assert page.get_by_text("Snoozed 2 tickets").is_visible()
    session.rollback()  # see what the app committed
    snoozed = [session.get(Ticket, t.id) for t in tickets]
    assert [t.status for t in snoozed if t] == ["pending", "pending", "open"]
    until = snoozed[0].snoozed_until if snoozed[0] else None
    assert until is not None
    local = until.astimezone(ZoneInfo("America/Los_Angeles"))
    assert (local.date(), local.hour, local.minute) == (day, 9, 30)
