"""axe-core (the copy shipped in the axe-playwright-python package; nothing is downloaded)
on every main page, in Debian's Chromium: no serious or critical violation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import Ticket
from tests.browser.conftest import sign_in
from tests.browser.pages import admin_and_report_pages
from tests.factories import PASSWORD, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail

BLOCKING = ("serious", "critical")


def axe_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The serious and critical violations axe finds on the page shown, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results: dict[str, Any] = Axe().run(page).response
    return [
        f"{page.url}: {v['id']} ({v['impact']}) {v['help']}: "
        + "; ".join(node["html"][:120] for node in v["nodes"][:3])
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


def check_pages(page, paths: list[str]) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.ok, (path, response and response.status)
        problems += axe_problems(page)
    assert not problems, "\n".join(problems)


def seed_ticket(session: Session) -> Ticket:
    ingest(
        session,
        make_mail(
            subject="Return request for order #204518",
            sender=("Dana Reyes", "dana@example.com"),
            body="Hi, I ordered the wrong color and would like to return it.\n\n> old quote\n",
            attachments=[("photo.jpg", "image/jpeg", b"\xff\xd8photo")],
        ),
    )
    ticket = session.scalars(select(Ticket)).one()
    return ticket


def test_agent_pages_pass_axe(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    ticket = seed_ticket(session)
    agent = make_user(session, "agent")
    sign_in(page, agent.email, PASSWORD)
    views = ["mine", "unassigned", "all"]
    check_pages(
        page,
        [f"/?view={view}" for view in views]
        + [f"/?q=return&category={ticket.category}", f"/tickets/{ticket.number}"],
    )

    # A reply left empty: the ticket page says so.
    page.locator("#reply-text").fill("   ")
    page.get_by_role("button", name="Send reply").click()
    problems = axe_problems(page)

    # Facts the policy cannot read: the answer shows what was wrong.
    page.goto(f"/tickets/{ticket.number}")
    page.get_by_label("Price").fill("not a price")
    page.get_by_role("button", name="Check and save").click()
    problems += axe_problems(page)

    # The customer writes while the agent types: the reply is kept on its own page.
    page.goto(f"/tickets/{ticket.number}")
    session.rollback()  # the test's snapshot predates the requests' writes
    ingest(
        session,
        make_mail(subject=f"Re: [#{ticket.number}] {ticket.subject}", sender="dana@example.com"),
    )
    page.locator("#reply-text").fill("Sorry for the wait.")
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_text("Your reply was not sent").is_visible()
    problems += axe_problems(page)

    # The agent's profile and two-factor sign-in.
    for path in ("/profile", "/profile/two-factor"):
        page.goto(path)
        problems += axe_problems(page)

    # The error page.
    page.goto("/no-such-page")
    problems += axe_problems(page)
    assert not problems, "\n".join(problems)


def test_new_conversation_page_passes_axe(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    """The new conversation page, then refused for a bad address: the page says why."""
    agent = make_user(session, "agent")
    sign_in(page, agent.email, PASSWORD)
    page.goto("/tickets/new")
    problems = axe_problems(page)
    page.get_by_label("To (the customer's email address)").fill("not-an-address")
    page.get_by_label("Subject").fill("Back in stock")
    page.get_by_role("button", name="Send and open the ticket").click()
    assert page.get_by_text("Nothing was sent").is_visible()
    problems += axe_problems(page)
    assert not problems, "\n".join(problems)


def test_admin_and_report_pages_pass_axe(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    seed_ticket(session)
    admin, paths = admin_and_report_pages(session)
    sign_in(page, admin.email, PASSWORD)
    check_pages(page, paths)


def test_sign_in_pages_pass_axe(page) -> None:  # type: ignore[no-untyped-def]
    check_pages(page, ["/password/forgot", "/login"])
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    problems = axe_problems(page)
    page.goto("/password/reset/not-a-token")  # an expired or unknown link says so
    problems += axe_problems(page)
    assert not problems, "\n".join(problems)


def test_the_keyboard_reaches_the_content_first_and_focus_shows(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    agent = make_user(session, "agent")
    sign_in(page, agent.email, PASSWORD)
    page.wait_for_url("**/")  # the sign-in's redirect, so Tab is not pressed mid-navigation
    page.goto("/")  # a fresh load: nothing focused yet
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0  # shown on screen once focused
    assert skip.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab lands inside the page's content, past the header's links.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused != "none"
