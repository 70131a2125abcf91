"""The page shell: header links marking the current section, the badge macro, the skip
link and the favicon."""

from __future__ import annotations

import re

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk.navigation import current_mark
from tests.factories import make_ticket, make_user
from tests.test_web import login


def header_links(html: str) -> dict[str, str | None]:
    """The header's links: label -> its aria-current (None when not marked)."""
    nav = re.search(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', html, re.S)
    assert nav, html
    links = re.findall(r'<a href="[^"]*"(?: aria-current="([^"]+)")?>([^<]+)</a>', nav.group(1))
    return {label: current or None for current, label in links}


@pytest.mark.parametrize(
    ("link", "endpoint", "mark"),
    [
        ("tickets.index", "tickets.index", "page"),
        ("tickets.index", "tickets.show", "true"),
        ("tickets.index", "replies.reply", "true"),
        ("reports.index", "reports.money", "true"),
        ("admin.templates", "admin.template_edit", "true"),
        ("admin.users", "admin.user_show", "true"),
        ("admin.home", "admin.users", None),
        ("admin.users", "admin.audit", None),
        ("tickets.index", None, None),
    ],
)
def test_a_link_marks_its_own_page_and_its_section(
    link: str, endpoint: str | None, mark: str | None
) -> None:
    assert current_mark(link, endpoint) == mark


def test_the_header_marks_the_section_of_the_page_shown(
    client: FlaskClient, session: Session
) -> None:
    admin = make_user(session, "admin")
    ticket = make_ticket(session)
    login(client, admin.email)

    queue = header_links(client.get("/").get_data(as_text=True))
    assert queue["Tickets"] == "page"
    assert [label for label, mark in queue.items() if mark] == ["Tickets"]

    on_ticket = header_links(client.get(f"/tickets/{ticket.number}").get_data(as_text=True))
    assert on_ticket["Tickets"] == "true"

    new_template = header_links(client.get("/admin/templates/new").get_data(as_text=True))
    assert new_template["Templates"] == "true"
    assert new_template["Admin"] is None and new_template["Tickets"] is None


def test_an_agent_sees_only_the_links_they_may_follow(
    client: FlaskClient, session: Session
) -> None:
    agent = make_user(session, "agent")
    login(client, agent.email)
    links = header_links(client.get("/").get_data(as_text=True))
    assert "Tickets" in links and "Users" not in links and "Audit log" not in links


def test_every_page_starts_with_a_skip_link_to_the_main_content(
    client: FlaskClient, session: Session
) -> None:
    pages = [client.get("/login").get_data(as_text=True)]
    login(client, make_user(session).email)
    pages += [client.get(path).get_data(as_text=True) for path in ("/", "/no-such-page")]
    for html in pages:
        skip = html.index('<a class="skip-link" href="#main">Skip to main content</a>')
        assert skip < html.index("<header") and '<main id="main"' in html


@pytest.mark.parametrize(
    ("kind", "key", "words"),
    [
        ("status", "pending", "Waiting on customer"),
        ("category", "wrong_item", "Wrong item"),
        ("priority", "urgent", "Urgent"),
    ],
)
def test_a_badge_shows_the_words_for_its_key(app: Flask, kind: str, key: str, words: str) -> None:
    with app.test_request_context():
        html = render_template_string(
            '{% from "_ui.html" import badge %}{{ badge(kind, key) }}', kind=kind, key=key
        )
    assert html == f'<span class="badge badge-{kind} badge-{kind}-{key}">{words}</span>'


def test_a_badge_escapes_what_it_is_given(app: Flask) -> None:
    with app.test_request_context():
        html = render_template_string(
            '{% from "_ui.html" import badge %}{{ badge("category", key, "Category: ") }}',
            key="<b>odd</b>",
        )
    assert "<b>" not in html and "&lt;b&gt;" in html and ">Category: " in html


def test_the_favicon_is_linked_and_answered(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).lstrip().startswith("<svg")
    icon.close()
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301 and legacy.headers["Location"].endswith("/static/favicon.svg")
