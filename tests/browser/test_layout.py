"""The layout at a laptop's width (1366 px) and a phone's (390 px): the queue uses the
width and keeps subjects to two lines; on a phone nothing scrolls sideways."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import Ticket
from tests.browser.conftest import sign_in
from tests.browser.pages import admin_and_report_pages
from tests.factories import PASSWORD, make_customer, make_ticket, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SUBJECTS = [
    "Return request for order #204518: the iPad Air folio case came in the wrong colour",
    "Warranty claim - keyboard case stopped pairing after three months, order 198832",
    "Where is my order? Tracking has said 'label created' for nine days now (#201177)",
    "Wrong item received: ordered the Galaxy Tab S9 cover, got one for the S8 instead",
]
LONG_WORD = "https://tracking.example.com/" + "x" * 150


def seed_queue(session: Session) -> Ticket:
    """Tickets with subjects of a usual length, and one with an unbroken long subject, a
    long address and a long link in its mail (the returned ticket)."""
    for n, subject in enumerate(SUBJECTS * 3):
        customer = make_customer(
            session, f"a-very-long-customer-address-{n}@subdomain.example.com", f"Customer {n}"
        )
        make_ticket(session, subject=subject, customer=customer, category="return")
    ingest(
        session,
        make_mail(
            subject="Case arrived cracked " + "and-unusable-" * 12,
            sender=("Dana Reyes", "dana.reyes.with.a.long.address@example.com"),
            body=f"The parcel was damaged, see {LONG_WORD} and the photo.\n",
        ),
    )
    ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert ticket is not None
    return ticket


def overflow(page) -> int:  # type: ignore[no-untyped-def]
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def panel_overflow(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator(".policy-panel").evaluate("el => el.scrollWidth - el.clientWidth"))


def test_queue_uses_a_laptops_width_and_keeps_subjects_short(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    seed_queue(session)
    page.set_viewport_size(LAPTOP)
    sign_in(page, make_user(session, "agent").email, PASSWORD)
    page.goto("/?view=all")
    table = page.locator(".queue-table").bounding_box()
    assert table is not None and table["width"] >= 0.75 * LAPTOP["width"], table
    subjects = page.locator(".queue-table tbody td:nth-child(2) a")
    assert subjects.count() == len(SUBJECTS) * 3 + 1
    lines = subjects.evaluate_all(
        "links => links.map(a => [a.textContent, a.getClientRects().length])"
    )
    usual = [(text, n) for text, n in lines if text.split(" ", 1)[1] in SUBJECTS]
    assert len(usual) == len(SUBJECTS) * 3
    assert all(n <= 2 for _, n in usual), usual
    assert overflow(page) == 0


def test_nothing_overflows_on_a_phone(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    ticket = seed_queue(session)
    page.set_viewport_size(PHONE)
    sign_in(page, make_user(session, "agent").email, PASSWORD)
    page.goto("/?view=all")
    assert page.get_by_text(SUBJECTS[0]).first.is_visible()
    assert overflow(page) == 0
    # Each ticket is a card: its subject, customer and status one above the other.
    row = page.locator(".queue-table tbody tr").first.bounding_box()
    assert row is not None and row["width"] <= PHONE["width"]

    page.set_viewport_size(PHONE)
    page.goto(f"/tickets/{ticket.number}")
    assert page.get_by_role("button", name="Send reply").is_visible()
    assert overflow(page) == 0
    assert panel_overflow(page) == 0


def test_the_policy_box_never_overflows(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    ticket = seed_queue(session)
    sign_in(page, make_user(session, "agent").email, PASSWORD)
    for size in (LAPTOP, {"width": 1024, "height": 768}, PHONE):
        page.set_viewport_size(size)
        page.goto(f"/tickets/{ticket.number}")
        assert panel_overflow(page) == 0, size
        assert overflow(page) == 0, size


def test_admin_and_report_pages_fit_a_phone(page, session: Session) -> None:  # type: ignore[no-untyped-def]
    """Wide tables scroll inside their own box on a phone; the page does not."""
    seed_queue(session)
    admin, paths = admin_and_report_pages(session)
    page.set_viewport_size(PHONE)
    sign_in(page, admin.email, PASSWORD)
    wide = {}
    for path in [*paths, "/profile"]:
        page.goto(path)
        wide[path] = overflow(page)
    assert not {path: px for path, px in wide.items() if px}, wide
