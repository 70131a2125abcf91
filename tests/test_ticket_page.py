"""The ticket page: conversation, sanitized mail, attachments, side panel, fixed query count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Flask, template_rendered
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.blobs import store_blob
from helpdesk.models import Attachment, Customer, Message, Ticket, TicketEvent, User
from helpdesk.policy import parse_facts
from helpdesk.policy_panel.services import record_check
from helpdesk.tickets.services import TicketError, add_message, change_field, update_ticket
from tests.factories import make_customer, make_ticket, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.query_count import CountQueries
from tests.test_web import csrf_token, login

CORPUS = Path(__file__).parent / "corpus"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
FAKE_JPEG = b"<html><script>alert(document.cookie)</script></html>"


def signed_in(client: FlaskClient, session: Session, role: str = "agent") -> User:
    user = make_user(session, role)
    assert login(client, user.email).status_code == 302
    return user


def the_ticket(session: Session, number: int = 1001) -> Ticket:
    session.rollback()  # a new transaction sees what the web requests committed
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket is not None
    return ticket


def img_src(csp: str) -> str:
    return next(p.strip() for p in csp.split(";") if p.strip().startswith("img-src"))


# ---------------------------------------------------------------- the conversation


def test_html_corpus_mail_is_sanitized(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    ingest(session, (CORPUS / "html_with_script.eml").read_bytes())
    response = client.get("/tickets/1001")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "My case <b>broke</b> after two days" in page
    for bad in ("alert(", "stealEverything", "onerror", "javascript:", "document.cookie",
                "tracker.example.com", "color: red", "<style", " style="):  # fmt: skip
        assert bad not in page, bad
    scripts = re.findall(r"<script[^>]*>", page)  # only our own static files, none from the mail
    ours = r'<script src="/static/\w+\.js" defer>'
    assert scripts and all(re.fullmatch(ours, s) for s in scripts)
    assert "click me" in page


def test_remote_images_only_on_request(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    html = '<p>See photo</p><img src="https://cdn.example.com/photo.png" alt="Broken case">'
    ingest(session, make_mail(body="See photo", html=html))
    response = client.get("/tickets/1001")
    page = response.get_data(as_text=True)
    assert "cdn.example.com" not in page
    assert "[remote image not loaded: Broken case]" in page
    assert 'href="/tickets/1001?images=1">Load remote images</a>' in page
    assert img_src(response.headers["Content-Security-Policy"]) == "img-src 'self' data:"

    loaded = client.get("/tickets/1001?images=1")
    page = loaded.get_data(as_text=True)
    assert '<img src="https://cdn.example.com/photo.png" alt="Broken case">' in page
    assert "https:" in img_src(loaded.headers["Content-Security-Policy"])
    assert "Hide remote images" in page and "Load remote images" not in page
    # Other pages (and the next request) keep the strict policy.
    again = client.get("/tickets/1001")
    assert img_src(again.headers["Content-Security-Policy"]) == "img-src 'self' data:"


def test_images_param_does_not_widen_csp_without_remote_images(
    client: FlaskClient, session: Session
) -> None:
    signed_in(client, session)
    ingest(session, make_mail(body="Just text"))
    response = client.get("/tickets/1001?images=1")
    assert img_src(response.headers["Content-Security-Policy"]) == "img-src 'self' data:"
    assert "Load remote images" not in response.get_data(as_text=True)


def test_quoted_text_is_folded_not_deleted(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    body = (
        "Still broken, sorry.\n\n"
        "On Tue, Mar 5, 2024 at 10:15 AM ProCase Support <support@procase.com> wrote:\n"
        "> Please restart it & tell us.\n"
    )
    ingest(session, make_mail(body=body))
    page = client.get("/tickets/1001").get_data(as_text=True)
    assert '<pre class="body">Still broken, sorry.\n</pre>' in page
    assert (
        '<details class="quoted"><summary>Show quoted text</summary><pre class="body">'
        "On Tue, Mar 5, 2024 at 10:15 AM ProCase Support &lt;support@procase.com&gt; wrote:\n"
        "&gt; Please restart it &amp; tell us.\n</pre></details>"
    ) in page


def test_signature_is_folded_apart_from_the_quote(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    body = (
        "Still broken, sorry.\n\n-- \nNora Lindqvist\n+46 70 123 45 67\n\n"
        "On Tue, Mar 5, 2024 at 10:15 AM ProCase Support <support@procase.com> wrote:\n"
        "> Please restart it.\n"
    )
    ingest(session, make_mail(body=body))
    page = client.get("/tickets/1001").get_data(as_text=True)
    assert '<pre class="body">Still broken, sorry.\n</pre>' in page
    assert (
        '<details class="signature"><summary>Show signature</summary><pre class="body">'
        "-- \nNora Lindqvist\n+46 70 123 45 67\n</pre></details>"
    ) in page
    assert "&gt; Please restart it.\n</pre></details>" in page


def test_html_quotes_are_folded(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    html = (
        "<div>Thanks!</div><div class='gmail_quote'><div>On Mon, Support wrote:</div>"
        "<blockquote>Old answer</blockquote></div>"
    )
    ingest(session, make_mail(body="Thanks!", html=html))
    page = client.get("/tickets/1001").get_data(as_text=True)
    assert (
        '<div>Thanks!</div><details class="quoted"><summary>Show quoted text</summary>'
        '<div class="gmail_quote"><div>On Mon, Support wrote:</div>'
        "<blockquote>Old answer</blockquote></div></details>"
    ) in page


def test_notes_automatic_mail_and_bounces_are_marked_with_text(
    client: FlaskClient, session: Session
) -> None:
    agent = signed_in(client, session)
    ticket = make_ticket(session)
    add_message(session, ticket, direction="inbound", sender="kim@example.com", text="Help")
    add_message(session, ticket, direction="outbound", author_id=agent.id, text="On it")
    add_message(session, ticket, direction="note", author_id=agent.id, text="Check stock first")
    add_message(session, ticket, direction="inbound", automatic=True, text="I am away")
    add_message(
        session, ticket, direction="inbound", automatic=True, delivery_failure=True,
        sender="mailer-daemon@example.com", text="Undeliverable",
    )  # fmt: skip
    session.commit()
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    articles = re.findall(r'<article id="message-\d+" class="([^"]+)".*?</article>', page, re.S)
    assert articles == [
        "message inbound",
        "message outbound",
        "message note",
        "message inbound automatic",
        "message inbound automatic bounce",
    ]
    assert '<span class="badge">Internal note</span>' in page
    assert "Not sent to the customer" in page
    assert '<span class="badge">Our reply</span>' in page
    assert '<span class="badge">Automatic</span>' in page
    assert '<span class="badge">Delivery failure (bounce)</span>' in page
    assert page.index("Help") < page.index("On it") < page.index("Check stock first")
    assert agent.name in page


# ---------------------------------------------------------------- attachments


def test_inline_route_serves_only_real_images(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    ingest(
        session,
        make_mail(
            attachments=[
                ("photo.jpg", "image/jpeg", JPEG),
                ("fake.jpg", "image/jpeg", FAKE_JPEG),
                ("scan", "application/octet-stream", PNG),
            ]
        ),
    )
    items = {a.filename: a for a in session.scalars(select(Attachment))}
    photo = client.get(f"/attachments/{items['photo.jpg'].id}/inline")
    assert photo.status_code == 200 and photo.data == JPEG
    assert photo.mimetype == "image/jpeg"
    assert photo.headers["Content-Disposition"].startswith("inline")
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert photo.headers["Content-Security-Policy"] == "default-src 'none'"
    scan = client.get(f"/attachments/{items['scan'].id}/inline")
    assert scan.status_code == 200 and scan.mimetype == "image/png"

    fake = items["fake.jpg"]
    assert client.get(f"/attachments/{fake.id}/inline").status_code == 404
    download = client.get(f"/attachments/{fake.id}")
    assert download.status_code == 200 and download.data == FAKE_JPEG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "application/octet-stream"
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    page = client.get("/tickets/1001").get_data(as_text=True)
    assert f'src="/attachments/{items["photo.jpg"].id}/inline"' in page
    assert f'src="/attachments/{fake.id}/inline"' not in page
    assert "Download fake.jpg" in page and "(image/jpeg, 52 bytes)" in page


def test_attachments_need_a_signed_in_user(client: FlaskClient, session: Session) -> None:
    ingest(session, make_mail(attachments=[("photo.jpg", "image/jpeg", JPEG)]))
    attachment = session.scalars(select(Attachment)).one()
    for path in (f"/attachments/{attachment.id}", f"/attachments/{attachment.id}/inline"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    signed_in(client, session)
    assert client.get("/attachments/999999/inline").status_code == 404
    assert client.get("/attachments/999999").status_code == 404


def test_cid_images_are_shown_from_inline_attachments(
    client: FlaskClient, session: Session
) -> None:
    signed_in(client, session)
    mail = EmailMessage(policy=policy.SMTP)
    mail["From"] = "kim@example.com"
    mail["To"] = "support@procase.com"
    mail["Subject"] = "Photo inline"
    mail["Message-ID"] = "<cid-test@example.com>"
    mail.set_content("See the photo")
    mail.add_alternative('<p>See:</p><img src="cid:photo1@example.com" alt="photo">', "html")
    mail.get_payload()[1].add_related(PNG, "image", "png", cid="<photo1@example.com>")
    ingest(session, mail.as_bytes())
    attachment = session.scalars(select(Attachment)).one()
    page = client.get("/tickets/1001").get_data(as_text=True)
    assert f'<img src="/attachments/{attachment.id}/inline" alt="photo">' in page
    assert "cid:" not in page


# ---------------------------------------------------------------- side panel


def test_side_panel_update_records_events(client: FlaskClient, session: Session) -> None:
    agent = signed_in(client, session)
    other = make_user(session)
    ticket = make_ticket(session)
    before = session.scalar(select(func.count(TicketEvent.id)))
    data = {
        "csrf_token": csrf_token(client, f"/tickets/{ticket.number}"),
        "assignee_id": str(other.id),
        "status": "open",
        "priority": "high",
        "category": "warranty",
        "order_number": " 123-4567 ",
    }
    response = client.post(f"/tickets/{ticket.number}/update", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.number}"
    ticket = the_ticket(session, ticket.number)
    assert (ticket.assignee_id, ticket.status, ticket.priority, ticket.category) == (
        other.id, "open", "high", "warranty",
    )  # fmt: skip
    assert ticket.order_number == "123-4567"
    events = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    ).all()
    assert [(e.kind, e.actor_id) for e in events[-5:]] == [
        ("assignee_id", agent.id),
        ("priority", agent.id),
        ("category", agent.id),
        ("order_number", agent.id),
        ("status", agent.id),
    ]
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert '<p class="flash info" role="status">Saved</p>' in page
    assert f"{agent.name}: Assignee: unassigned → {other.name}" in page
    assert f"{agent.name}: Status: New → Open" in page

    # The same values again change nothing and record nothing.
    count = session.scalar(select(func.count(TicketEvent.id)))
    client.post(f"/tickets/{ticket.number}/update", data=data)
    session.rollback()
    assert session.scalar(select(func.count(TicketEvent.id))) == count > before


def test_side_panel_update_requires_csrf(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    ticket = make_ticket(session)
    response = client.post(
        f"/tickets/{ticket.number}/update",
        data={"assignee_id": "", "status": "closed", "priority": "low", "category": "general"},
    )
    assert response.status_code == 400
    assert the_ticket(session, ticket.number).status == "new"
    assert client.get(f"/tickets/{ticket.number}/update").status_code == 405


def test_side_panel_rejects_inactive_assignee_and_bad_values(
    client: FlaskClient, session: Session
) -> None:
    signed_in(client, session)
    gone = make_user(session)
    gone.active = False
    session.commit()
    ticket = make_ticket(session)
    token = csrf_token(client, f"/tickets/{ticket.number}")
    base = {"csrf_token": token, "status": "new", "priority": "normal", "category": "shipping"}
    client.post(f"/tickets/{ticket.number}/update", data={**base, "assignee_id": str(gone.id)})
    client.post(f"/tickets/{ticket.number}/update", data={**base, "status": "exploded"})
    ticket = the_ticket(session, ticket.number)
    assert ticket.assignee_id is None and ticket.status == "new"
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert page.count("Not saved") == 2


def test_update_ticket_service_ignores_no_ops(session: Session) -> None:
    ticket = make_ticket(session)
    user = make_user(session)
    changed = update_ticket(
        session,
        ticket,
        {"status": "new", "priority": "urgent", "order_number": "", "category": "shipping"},
        user.id,
    )
    assert changed == ["priority"]
    try:
        update_ticket(session, ticket, {"subject": "x"}, user.id)
    except TicketError as exc:
        assert "subject" in str(exc)
    else:
        raise AssertionError("unknown field accepted")


def test_customer_and_other_tickets_in_side_panel(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    customer = make_customer(session, "kim@example.com", "Kim Lee")
    first = make_ticket(session, "First problem", customer=customer)
    second = make_ticket(session, "Second problem", customer=customer)
    make_ticket(session, "Someone else's problem")
    page = client.get(f"/tickets/{second.number}").get_data(as_text=True)
    assert "Kim Lee" in page and "kim@example.com" in page
    assert f'<a href="/tickets/{first.number}">#{first.number} First problem</a>' in page
    assert "Someone else" not in page


def test_next_ticket_follows_the_queue_order(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    a = make_ticket(session, "A")
    make_ticket(session, "Solved one", status="solved")
    b = make_ticket(session, "B", status="open")
    c = make_ticket(session, "C")

    def next_of(number: int) -> str | None:
        page = client.get(f"/tickets/{number}").get_data(as_text=True)
        found = re.search(r'<a id="next-ticket" rel="next" href="/tickets/(\d+)">', page)
        return found.group(1) if found else None

    assert next_of(a.number) == str(b.number)
    assert next_of(b.number) == str(c.number)
    assert next_of(c.number) == str(a.number)  # wraps to the oldest


# ---------------------------------------------------------------- partials, 404, JS/CSS


@contextmanager
def captured_context(app: Flask) -> Iterator[list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def record(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        seen.append({"name": template.name, **context})

    template_rendered.connect(record, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record, app)


def test_partials_get_the_ticket_and_last_message_id(
    web_app: Flask, client: FlaskClient, session: Session
) -> None:
    web_app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "policy/_panel.html": "POLICY for #{{ ticket.number }} {{ customer.email }}",
                    "replies/_composer.html": "COMPOSER seen={{ last_message_id }}",
                }
            ),
            web_app.jinja_env.loader,  # type: ignore[list-item]
        ]
    )
    signed_in(client, session)
    ingest(session, make_mail(body="one"))
    ingest(session, make_mail(body="two", subject="Another"))
    ticket = make_ticket(session)
    add_message(session, ticket, direction="inbound", text="first")
    add_message(session, ticket, direction="note", text="second")
    session.commit()
    newest = session.scalar(select(func.max(Message.id)).where(Message.ticket_id == ticket.id))
    with captured_context(web_app) as seen:
        page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    context = next(c for c in seen if c["name"] == "tickets/show.html")
    assert context["last_message_id"] == newest
    assert [m.id for m in context["messages"]][-1] == newest
    assert f"COMPOSER seen={newest}" in page
    assert f"POLICY for #{ticket.number} {ticket.customer.email}" in page
    assert page.index("Reply or add an internal note") < page.index("COMPOSER")


def test_page_has_no_inline_script_or_style_and_labelled_controls(
    client: FlaskClient, session: Session
) -> None:
    signed_in(client, session)
    ingest(session, (CORPUS / "html_with_script.eml").read_bytes())
    page = client.get("/tickets/1001").get_data(as_text=True)
    assert "<script>" not in page and "<style" not in page and " style=" not in page
    assert not re.search(r"<[^>]+\son[a-z]+=", page)
    controls = re.findall(r"<(?:select|input|textarea)\b[^>]*>", page)
    assert controls
    for control in controls:
        if 'type="hidden"' in control or 'type="submit"' in control:
            continue
        control_id = re.search(r'\bid="([^"]+)"', control)
        assert control_id and f'for="{control_id.group(1)}"' in page, control
    assert "Keyboard shortcuts" in page
    script = client.get("/static/shortcuts.js")
    script.close()  # streamed from an open file
    assert script.status_code == 200


def test_missing_ticket_is_404(client: FlaskClient, session: Session) -> None:
    signed_in(client, session)
    assert client.get("/tickets/424242").status_code == 404
    token = csrf_token(client, "/")
    response = client.post("/tickets/424242/update", data={"csrf_token": token})
    assert response.status_code == 404


# ---------------------------------------------------------------- query count


def _ticket_with(session: Session, messages: int, agent: User) -> Ticket:
    customer = session.get(Customer, make_customer(session).id)
    assert customer is not None
    ticket = make_ticket(session, f"{messages} messages", customer=customer)
    make_ticket(session, "older one", customer=customer)
    for n in range(messages):
        direction = ("inbound", "outbound", "note")[n % 3]
        message = add_message(
            session,
            ticket,
            direction=direction,
            author_id=None if direction == "inbound" else agent.id,
            text=f"Message {n}\n\nOn Mon, someone wrote:\n> earlier {n}\n",
            html=f"<p>Message {n}</p><img src='https://cdn.example.com/{n}.png'>"
            if n % 2
            else None,
        )
        for name, data in ((f"photo{n}.png", PNG), (f"notes{n}.txt", f"notes {n}".encode())):
            session.add(
                Attachment(
                    message=message,
                    filename=name,
                    content_type="application/octet-stream",
                    size=len(data),
                    sha256=store_blob(session, data),
                )
            )
        change_field(session, ticket, "priority", ("high", "low")[n % 2], actor_id=agent.id)
    session.commit()
    return ticket


def _statement_list(count_queries: CountQueries, client: FlaskClient, path: str) -> list[str]:
    """Every statement the request runs (the view's, the templates', the login's), except
    the BEGIN our SQLite setup sends itself (PostgreSQL's driver does not send it as one)."""
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return [s for s in statements if not s.startswith("BEGIN")]


def _statements(count_queries: CountQueries, client: FlaskClient, path: str) -> int:
    return len(_statement_list(count_queries, client, path))


def test_query_count_is_fixed(
    count_queries: CountQueries, client: FlaskClient, session: Session
) -> None:
    agent = signed_in(client, session)
    small = _ticket_with(session, 2, agent)
    large = _ticket_with(session, 20, agent)
    client.get(f"/tickets/{small.number}")  # warm up: first-request work is not counted
    few = _statements(count_queries, client, f"/tickets/{small.number}")
    many = _statements(count_queries, client, f"/tickets/{large.number}")
    assert few == many, (few, many)
    assert _statements(count_queries, client, f"/tickets/{large.number}?images=1") == many
    assert many == PAGE_STATEMENTS, many


# Every statement of the ticket page without a saved policy check: the signed-in user with
# their session and whether two-factor sign-in is required (1, auth/sessions.py), the
# ticket (1), load_ticket_page (8), the latest policy check (1) and the preview from the
# ticket's order (1: a photo among its attachments; it has no order number), the active
# reply templates (1).
PAGE_STATEMENTS = 13
# With a saved check the preview is not built. (A saved check naming an order number
# adds one statement: whether that order is among the imported orders, for the panel.)
PAGE_STATEMENTS_WITH_CHECK = PAGE_STATEMENTS - 1


def test_the_latest_policy_check_is_read_once(
    count_queries: CountQueries, client: FlaskClient, session: Session
) -> None:
    agent = signed_in(client, session)
    ticket = _ticket_with(session, 3, agent)
    record_check(session, ticket, parse_facts({"request": "return"}), actor_id=agent.id)
    session.commit()
    client.get(f"/tickets/{ticket.number}")  # warm up
    for path in (f"/tickets/{ticket.number}", f"/tickets/{ticket.number}?template=general"):
        statements = _statement_list(count_queries, client, path)
        assert len(statements) == PAGE_STATEMENTS_WITH_CHECK, statements
        reads = [s for s in statements if re.search(r"FROM\s+policy_check\b", s)]
        assert len(reads) == 1, reads
