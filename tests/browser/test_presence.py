"""Presence across two app instances: two agents open the same ticket in two browser
contexts, each served by its own app (its own engine and pool) on the same database, as
two web processes would be. Each sees the other, typing shows, leaving clears it; then the
composer warns the agent who sends second."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy.orm import Session

from helpdesk import create_app
from helpdesk.extensions import db
from tests.browser.conftest import serve, sign_in
from tests.browser.test_accessibility import axe_problems
from tests.factories import PASSWORD, make_ticket, make_user


@contextmanager
def served(app: Flask, paths: list[str]) -> Iterator[str]:
    """`app` on a free port of 127.0.0.1 in a thread of its own, adding the path of every
    request it answers to `paths`; yields its base URL."""
    inner = app.wsgi_app

    def recording(environ, start_response):  # type: ignore[no-untyped-def]
        paths.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        return inner(environ, start_response)

    app.wsgi_app = recording  # type: ignore[method-assign]
    try:
        with serve(app) as url:
            yield url
    finally:
        with app.app_context():
            db.engine.dispose()


@contextmanager
def agent_page(browser, base_url: str, email: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, email, PASSWORD)
        page.wait_for_url("**/")
        yield page
    finally:
        context.close()


def test_two_agents_on_two_instances_see_each_other_and_typing(  # type: ignore[no-untyped-def]
    browser, app: Flask, session: Session
) -> None:
    from playwright.sync_api import expect

    ticket = make_ticket(session, subject="Cracked screen protector")
    ann, sam = make_user(session), make_user(session)
    config = dict(app.config, HELPDESK_PRESENCE_SECONDS=1)
    first, second = create_app(config), create_app(config)
    sam_requests: list[str] = []
    with (
        served(first, []) as url_one,
        served(second, sam_requests) as url_two,
        agent_page(browser, url_one, ann.email) as ann_page,
    ):
        ann_page.goto(f"/tickets/{ticket.number}")
        ann_presence = ann_page.locator("#presence")
        with agent_page(browser, url_two, sam.email) as sam_page:
            sam_page.goto(f"/tickets/{ticket.number}")
            expect(sam_page.locator("#presence")).to_contain_text(f"{ann.name} is viewing")
            expect(ann_presence).to_contain_text(f"{sam.name} is viewing")
            sam_page.locator("#reply-text").press_sequentially("Hello, I am on it")
            expect(ann_presence).to_contain_text(f"{sam.name} is typing a reply…")
            assert not axe_problems(ann_page)
            # Sam sends; Ann, who loaded the page before, is warned when she sends.
            with sam_page.expect_navigation():
                sam_page.get_by_role("button", name="Send reply").click()
            expect(ann_presence).to_contain_text(f"{sam.name} is viewing")
            ann_page.locator("#reply-text").fill("Hello from Ann")
            with ann_page.expect_navigation():
                ann_page.get_by_role("button", name="Send reply").click()
            expect(ann_page.get_by_role("alert")).to_contain_text(
                f"{sam.name} sent a reply to the customer after you opened this ticket"
            )
            expect(ann_page.get_by_text("Hello, I am on it")).to_be_visible()
            with ann_page.expect_navigation():
                ann_page.get_by_role("button", name="Send anyway").click()
            expect(ann_page.get_by_text("is queued for sending")).to_be_visible()
            expect(ann_presence).to_contain_text(f"{sam.name} is viewing")
            # Sam goes back to the queue: the page says goodbye as it goes.
            sam_page.goto("/")
            expect(ann_presence).not_to_contain_text(sam.name)
            assert f"POST /tickets/{ticket.number}/presence/leave" in sam_requests
