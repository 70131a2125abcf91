"""The queue's filters apply as they change, its column headers sort, destructive actions
ask first, and the template editor inserts variables: in a real browser."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import CategoryRule, utcnow
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_ticket, make_user


def subjects(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The subjects of the rows, without their ticket numbers."""
    links = page.locator(".queue-table tbody td:nth-child(2) a").all_inner_texts()
    return [text.split(" ", 1)[1] for text in links]


def header_link(page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("th a.sort-link", has_text=name)


def test_filters_apply_as_they_change_and_headers_sort(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    for n, (subject, category, priority) in enumerate(
        [
            ("Calm return", "return", "low"),
            ("Burning warranty", "warranty", "urgent"),
            ("Normal return", "return", "normal"),
        ]
    ):
        ticket = make_ticket(session, subject=subject, category=category)
        ticket.priority = priority
        ticket.created_at = now - timedelta(days=3 - n)
    session.commit()
    sign_in(page, make_user(session, "agent").email, PASSWORD)
    page.get_by_role("navigation", name="Views").get_by_role("link", name="All open").click()
    assert subjects(page) == [
        "Calm return",
        "Burning warranty",
        "Normal return",
    ]

    # Choosing a category shows it at once: no button pressed.
    with page.expect_navigation():
        page.get_by_label("Category").select_option("return")
    assert "category=return" in page.url
    assert subjects(page) == ["Calm return", "Normal return"]
    with page.expect_navigation():
        page.get_by_label("Category").select_option("")
    assert len(subjects(page)) == 3

    # The Priority header sorts the most urgent first, a second click the reverse.
    header = page.get_by_role("columnheader", name="Priority")
    assert header.get_attribute("aria-sort") is None
    header_link(page, "Priority").click()
    assert "sort=priority" in page.url
    assert header.get_attribute("aria-sort") == "descending"
    assert subjects(page)[0] == "Burning warranty"
    header_link(page, "Priority").click()
    assert "sort=-priority" in page.url
    assert header.get_attribute("aria-sort") == "ascending"
    assert subjects(page)[0] == "Calm return"
    # Age: newest first on the second click; the sort menu follows the header.
    header_link(page, "Age").click()
    header_link(page, "Age").click()
    assert page.get_by_role("columnheader", name="Age").get_attribute("aria-sort") == "ascending"
    assert subjects(page)[0] == "Normal return"
    assert page.get_by_label("Sort").input_value() == "-created"

    # The view is remembered: the queue without a view opens it again.
    page.goto("/")
    assert page.get_by_role("heading", name="All open").is_visible()


def zebra(session: Session) -> int:
    return len(
        session.scalars(select(CategoryRule).where(CategoryRule.pattern == "zebra case")).all()
    )


def test_deleting_a_rule_asks_first(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    session.add(CategoryRule(pattern="zebra case", category="return", position=99))
    session.commit()
    sign_in(page, make_user(session, "admin").email, PASSWORD)
    page.goto("/admin/rules")
    asked: list[str] = []

    def dismiss(dialog) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Delete rule zebra case").click()
    assert asked and asked[0].startswith("Delete the rule “zebra case”?")
    session.rollback()
    assert zebra(session) == 1

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Delete rule zebra case").click()
    session.rollback()
    assert zebra(session) == 0


def test_the_template_editor_inserts_a_variable_at_the_cursor(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, make_user(session, "admin").email, PASSWORD)
    page.goto("/admin/templates/new")
    body = page.get_by_label("Body")
    body.fill("Hello ,\nThanks.")
    body.evaluate("el => el.setSelectionRange(6, 6)")
    page.get_by_role("button", name="Insert customer_name at the cursor").click()
    assert body.input_value() == "Hello {{ customer_name }},\nThanks."
    assert page.evaluate("document.activeElement.id") == "body"


def test_the_sign_in_page_has_the_focus_and_no_warning(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    assert "/login" in page.url
    assert page.evaluate("document.activeElement.id") == "email"
    assert page.locator(".flash").count() == 0
