"""The live queue and the ticket page's banner in a real browser: a mail ingested while the
page is open shows up without a reload, and the agent's checked box, half-typed search
and focus survive it. The poll interval is shortened through the setting, nothing sleeps."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from helpdesk.models import Ticket
from helpdesk.tickets.services import change_field, change_status
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_ticket, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.test_api_tickets import mail_ticket


def test_a_mail_ingested_while_the_queue_is_open_appears_without_reload(
    page, session: Session, web_app: Flask
) -> None:  # type: ignore[no-untyped-def]
    web_app.config["HELPDESK_LIVE_POLL_SECONDS"] = 0.2
    agent = make_user(session, "agent")
    first = make_ticket(session, subject="Hinge snapped")
    sign_in(page, agent.email, PASSWORD)
    page.goto("/?view=open")
    page.evaluate("window.notReloaded = true")
    page.get_by_label(f"Select ticket #{first.number}").check()
    search = page.get_by_label("Search subject, messages, customer email or order number")
    search.fill("hing")  # half typed, not submitted
    session.rollback()  # SQLite: a read begun before the sign-in's writes could not write
    ingest(session, make_mail(subject="Screen protector cracked", sender="bo@example.com"))

    new_row = page.locator("tr.live-new", has_text="Screen protector cracked")
    new_row.wait_for()
    page.locator("#queue-live-status", has_text="New ticket").wait_for(state="attached")
    assert page.get_by_label(f"Select ticket #{first.number}").is_checked()
    assert search.input_value() == "hing"
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.evaluate("window.notReloaded") is True

    # A change to a shown row replaces it in place: the box stays checked.
    session.rollback()
    change_field(session, session.get(Ticket, first.id), "priority", "urgent")
    session.commit()
    row = page.locator(f'tr[data-ticket-id="{first.id}"]')
    row.locator('td[data-label="Priority"]', has_text="Urgent").wait_for()
    assert page.get_by_label(f"Select ticket #{first.number}").is_checked()
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.evaluate("window.notReloaded") is True


def test_the_ticket_page_says_when_the_customer_writes(
    page, session: Session, web_app: Flask
) -> None:  # type: ignore[no-untyped-def]
    web_app.config["HELPDESK_LIVE_POLL_SECONDS"] = 0.2
    ticket = mail_ticket(session, subject="Wrong colour")
    sign_in(page, make_user(session, "agent").email, PASSWORD)
    page.goto(f"/tickets/{ticket.number}")
    banner = page.locator("#ticket-live")
    assert banner.inner_text() == ""
    session.rollback()
    ingest(
        session,
        make_mail(
            subject=f"Re: [#{ticket.number}] Wrong colour",
            sender=("Alice Smith", "alice@example.com"),
            in_reply_to="m1@example.com",
        ),
    )
    banner.get_by_text("The customer wrote.").wait_for()
    assert banner.get_attribute("aria-live") == "polite"
    with page.expect_navigation():
        banner.get_by_role("link", name="Reload to see it").click()
    assert page.locator("article.message.inbound").count() == 2
    assert page.locator("#ticket-live").inner_text() == ""


def test_rows_that_leave_the_view_go_unless_checked(page, session: Session, web_app: Flask) -> None:  # type: ignore[no-untyped-def]
    web_app.config["HELPDESK_LIVE_POLL_SECONDS"] = 0.2
    agent = make_user(session, "agent")
    kept, gone = make_ticket(session, subject="Checked one"), make_ticket(session, subject="Other")
    kept_id, gone_id, kept_number = kept.id, gone.id, kept.number
    sign_in(page, agent.email, PASSWORD)
    page.goto("/?view=open")
    count = page.get_by_role("navigation", name="Views").locator('[data-view-count="open"]')
    assert count.inner_text() == "2"
    page.get_by_label(f"Select ticket #{kept_number}").check()
    session.rollback()
    for ticket_id in (kept_id, gone_id):
        change_status(session, session.get(Ticket, ticket_id), "solved", actor_id=agent.id)
    session.commit()

    page.locator(f'tr[data-ticket-id="{gone_id}"]').wait_for(state="detached")
    kept_row = page.locator(f'tr[data-ticket-id="{kept_id}"]')
    assert "No longer in this view" in kept_row.inner_text()
    assert page.get_by_label(f"Select ticket #{kept_number}").is_checked()
    assert count.inner_text() == "0"
    page.locator("#queue-live-status", has_text="2 tickets left this view").wait_for(
        state="attached"
    )


COUNT_POLLS = """
window.polls = 0;
const realFetch = window.fetch;
window.fetch = function (url, options) {
  if (String(url).includes("/live")) window.polls += 1;
  return realFetch.call(this, url, options);
};
"""

SET_HIDDEN = """hidden => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_polling_pauses_while_the_tab_is_hidden(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    """The page's clock is Playwright's: minutes pass without waiting for them."""
    make_ticket(session, subject="Anything")
    sign_in(page, make_user(session, "agent").email, PASSWORD)
    page.add_init_script(COUNT_POLLS)
    page.clock.install()
    page.goto("/?view=open")
    with page.expect_response(lambda response: "/tickets/live" in response.url):
        page.clock.run_for(5_500)  # the default interval, 5 s
    assert page.evaluate("window.polls") == 1

    page.evaluate(SET_HIDDEN, True)
    page.clock.run_for(120_000)
    assert page.evaluate("window.polls") == 1  # nothing asked while hidden (the first is done)

    page.evaluate(SET_HIDDEN, False)  # back: it asks at once
    assert page.evaluate("window.polls") == 2
