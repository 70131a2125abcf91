"""New conversations an agent starts (issue 11): the mail goes out through the real SMTP
server, and the customer's answer, delivered to the real IMAP mailbox and ingested, threads
into the same ticket. The web page and POST /api/v1/tickets, with bad input refused."""

from __future__ import annotations

import email
import html
import io
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.conversations.services import start_conversation
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import Message, OutboxMail, Ticket, TicketEvent, User
from helpdesk.replies.errors import ReplyError
from tests.factories import make_customer, make_user
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now
from tests.poller_helpers import make_poller
from tests.test_api_policy import bearer
from tests.test_api_tickets import token_for
from tests.test_web import csrf_token, login

API = "/api/v1"


def start(app: Flask, session: Session, author: User | None = None, **fields: Any) -> Ticket:
    """start_conversation as the web page calls it, committed."""
    fields.setdefault("to", "alice@example.com")
    fields.setdefault("subject", "Your case is back in stock")
    fields.setdefault("text", "Hello Alice,\n\nThe blue case is back.\n")
    ticket = start_conversation(
        session,
        author=author or make_user(session),
        identity=MailIdentity.from_config(app.config),
        order_pattern=app.config["HELPDESK_ORDER_PATTERN"],
        **fields,
    )
    session.commit()
    return ticket


def sent_mails(smtp: Any, count: int) -> list[EmailMessage]:
    return [
        email.message_from_bytes(raw, policy=policy.default)  # type: ignore[misc]
        for raw in smtp.wait_for(count)
    ]


def body(mail: EmailMessage) -> str:
    return str(mail.get_content()).replace("\r\n", "\n")


def tickets(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count(Ticket.id))) or 0


def test_the_customers_answer_threads_into_the_new_conversation(
    app: Flask, session: Session, smtp: Any, imap_server: Any
) -> None:
    agent = make_user(session)
    agent.signature = "Bea\nProCase care"
    ticket = start(
        app, session, agent, subject="Your refund for order #123456", signature=agent.signature
    )
    number = ticket.number
    assert ticket.status == "pending" and ticket.assignee_id == agent.id
    assert ticket.category == "return" and ticket.order_number == "123456"
    assert ticket.first_response_at is not None and ticket.waiting_since is None
    assert send_now(session)["sent"] == 1
    (mail,) = sent_mails(smtp, 1)
    assert mail["Subject"] == f"[#{number}] Your refund for order #123456"
    assert mail["To"] == "alice@example.com"
    assert mail["From"] == "ProCase Support <support@procase.com>"
    assert mail["In-Reply-To"] is None and mail["Auto-Submitted"] is None
    assert body(mail).startswith("Hello Alice,") and "-- \nBea\nProCase care" in body(mail)
    answer = make_mail(
        subject=f"Re: {mail['Subject']}",
        sender=("Alice Smith", "alice@example.com"),
        in_reply_to=str(mail["Message-ID"]),
        references=str(mail["Message-ID"]),
        body="Great, I will order it.\n",
    )
    # The customer's client dropped the threading headers: the [#N] token still threads.
    token_only = make_mail(
        subject=f"Re: {mail['Subject']}",
        sender="alice@example.com",
        body="And a second one.\n",
    )
    imap_server.append_many([answer, token_only])
    assert make_poller(app, imap_server).run_once().outcomes == {"reply": 2}
    session.rollback()
    assert tickets(session) == 1
    ticket = session.scalars(select(Ticket)).one()
    texts = [
        (m.direction, m.text)
        for m in session.scalars(
            select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)
        )
    ]
    assert [d for d, _ in texts] == ["outbound", "inbound", "inbound"]
    assert texts[1][1].startswith("Great, I will order it.")
    assert ticket.number == number and ticket.status == "open"  # the answer reopened it
    assert ticket.customer.name == ""  # as typed: an address only
    acks = session.scalars(select(OutboxMail).where(OutboxMail.kind == "ack")).all()
    assert acks == []  # no acknowledgement for an answer


def test_history_says_the_agent_started_it(app: Flask, session: Session) -> None:
    agent = make_user(session)
    ticket = start(app, session, agent)
    kinds = [
        (e.kind, e.actor_id, e.detail)
        for e in session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        )
    ]
    assert kinds[0] == ("created", agent.id, "new conversation: the agent wrote first")
    assert ("reply", agent.id, None) in kinds and ("assignee_id", agent.id, None) in kinds


def test_an_existing_customer_gets_a_new_ticket(app: Flask, session: Session) -> None:
    customer = make_customer(session, "bob@example.com", "Bob")
    session.commit()
    ticket = start(app, session, to="  Bob@Example.com ", subject="Hello")
    assert ticket.customer_id == customer.id and ticket.category == "general"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"to": "not-an-address"}, "to", "not an email address"),
        ({"to": "a@example.com\r\nBcc: x@evil.com"}, "to", "line breaks"),
        ({"to": "Alice <a@example.com>"}, "to", "not an email address"),
        ({"to": "a@example.com, b@example.com"}, "to", "one plain address"),
        ({"to": "x" * 65 + "@example.com"}, "to", "not an email address"),
        ({"to": "a@" + "b" * 250 + ".com"}, "to", "not an email address"),
        ({"to": "zoë@example.com"}, "to", "not an email address"),
        ({"to": "SUPPORT@procase.com"}, "to", "support address"),
        ({"to": "  "}, "to", "Give an email address"),
        ({"subject": " "}, "subject", "subject"),
        ({"subject": "Hi\r\nBcc: x@evil.com"}, "subject", "one line"),
        ({"subject": "x" * 201}, "subject", "200 characters"),
        ({"text": "  \n"}, "text", "Write a message"),
        ({"text": "x" * 100_001}, "text", "too long"),
        ({"status": "new"}, "status", "Unknown status"),
        ({"text": "", "template_key": "no_such_template"}, "template", "no active reply"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    app: Flask, session: Session, fields: dict[str, Any], field: str, words: str
) -> None:
    agent = make_user(session)
    with pytest.raises(ReplyError) as refused:
        start(app, session, agent, **fields)
    assert refused.value.field == field and words in str(refused.value)
    assert tickets(session) == 0
    assert session.scalar(select(func.count(OutboxMail.id))) == 0


def test_a_template_is_rendered_for_the_new_ticket(app: Flask, session: Session) -> None:
    ticket = start(app, session, text="", template_key="general")
    (message,) = session.scalars(select(Message).where(Message.ticket_id == ticket.id))
    assert message.text.startswith("Hello") and "ProCase" in message.text


# --- the web page --------------------------------------------------------------------------


def test_web_page_starts_a_conversation(client: FlaskClient, session: Session) -> None:
    agent = make_user(session)
    login(client, agent.email)
    queue = client.get("/").get_data(as_text=True)
    assert 'href="/tickets/new"' in queue
    page = client.get("/tickets/new")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)
    response = client.post(
        "/tickets/new",
        data={
            "csrf_token": csrf_token(client, "/tickets/new"),
            "to": "carol@example.com",
            "subject": "Your warranty claim",
            "text": "Hello Carol,\n\nPlease send a photo.\n",
            "template": "",
            "status": "pending",
        },
    )
    assert response.status_code == 302
    ticket = session.scalars(select(Ticket)).one()
    assert response.headers["Location"].endswith(f"/tickets/{ticket.number}")
    assert ticket.category == "warranty" and ticket.customer.email == "carol@example.com"
    shown = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Please send a photo." in shown and "it opened #" in shown


def test_web_page_refuses_bad_input_keeping_what_was_typed(
    client: FlaskClient, session: Session
) -> None:
    agent = make_user(session)
    login(client, agent.email)
    form = {
        "csrf_token": csrf_token(client, "/tickets/new"),
        "to": "carol@example",
        "subject": "About your order",
        "text": "Kept text",
        "status": "pending",
    }
    response = client.post("/tickets/new", data=form)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "Nothing was sent" in page
    assert "is not an email address" in page and "Kept text" in page
    no_csrf = client.post("/tickets/new", data={**form, "csrf_token": "x", "to": "c@example.com"})
    assert no_csrf.status_code == 400 and "expired" in no_csrf.get_data(as_text=True)
    huge = client.post("/tickets/new", data={**form, "to": "c@example.com", "subject": "x" * 5000})
    assert huge.status_code == 400 and "far too long" in huge.get_data(as_text=True)
    assert tickets(session) == 0


def test_web_page_needs_a_signed_in_agent(client: FlaskClient) -> None:
    assert client.get("/tickets/new").status_code == 302


# --- the API ---------------------------------------------------------------------------------


def test_api_starts_a_conversation(client: FlaskClient, session: Session, smtp: Any) -> None:
    token = token_for(session)
    response = client.post(
        f"{API}/tickets",
        json={"to": "dan@example.com", "subject": "Tracking for you", "text": "It shipped."},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "pending" and data["category"] == "shipping"
    assert data["customer"]["email"] == "dan@example.com"
    (message,) = data["messages"]
    assert message["direction"] == "outbound" and message["outbox_status"] == "queued"
    assert message["to"] == ["dan@example.com"] and message["text"] == "It shipped.\n"
    assert message["subject"] == f"[#{data['number']}] Tracking for you"
    assert client.get(f"{API}/tickets/{data['number']}", headers=bearer(token)).status_code == 200
    with_template = client.post(
        f"{API}/tickets",
        json={"to": "dan@example.com", "subject": "Hi", "template": "general", "status": "solved"},
        headers=bearer(token),
    )
    assert with_template.status_code == 201 and with_template.get_json()["status"] == "solved"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"subject": "Hi", "text": "x"}, "to", "to is required"),
        ({"to": "a@example.com", "text": "x"}, "subject", "subject is required"),
        ({"to": "a@example.com", "subject": "Hi"}, "text", "either text or template"),
        (
            {"to": "a@example.com", "subject": "Hi", "text": "x", "template": "general"},
            "template",
            "not both",
        ),
        ({"to": 7, "subject": "Hi", "text": "x"}, "to", "must be a string"),
        (
            {"to": "a@example.com\nBcc: b@example.com", "subject": "Hi", "text": "x"},
            "to",
            "line breaks",
        ),
        (
            {"to": "a@example.com", "subject": "Hi\nBcc: b@example.com", "text": "x"},
            "subject",
            "one line",
        ),
        ({"to": "a@example.com", "subject": "é" * 201, "text": "x"}, "subject", "200 characters"),
        ({"to": "a@example.com", "subject": "Hi", "text": "é" * 100_001}, "text", "too long"),
        (
            {"to": "a@example.com", "subject": "Hi", "text": "x", "cc": "b@example.com"},
            "cc",
            "Unknown field",
        ),
    ],
)
def test_api_refuses_bad_input(
    client: FlaskClient, session: Session, body: dict[str, Any], field: str, words: str
) -> None:
    """On PostgreSQL too: nothing reaches a column too short for it."""
    response = client.post(f"{API}/tickets", json=body, headers=bearer(token_for(session)))
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == field and words in response.get_json()["error"]
    assert tickets(session) == 0


def test_api_refuses_nul_characters(client: FlaskClient, session: Session) -> None:
    body = {"to": "a@example.com", "subject": "Hi\x00", "text": "x"}
    response = client.post(f"{API}/tickets", json=body, headers=bearer(token_for(session)))
    assert response.status_code == 400 and "NUL" in response.get_json()["error"]


def test_web_new_conversation_sends_files(client: FlaskClient, session: Session, smtp: Any) -> None:
    label = b"%PDF-1.4\n" + bytes(range(256)) * 7 + b"\n%%EOF\n"
    login(client, make_user(session).email)
    form = {
        "csrf_token": csrf_token(client, "/tickets/new"),
        "to": "erin@example.com",
        "subject": "Your return label",
        "text": "The label is attached.",
        "status": "pending",
    }
    response = client.post(
        "/tickets/new",
        data={**form, "attachments": [(io.BytesIO(label), "label.pdf", "application/pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    (message,) = session.scalars(select(Message))
    assert [(a.filename, a.size) for a in message.attachments] == [("label.pdf", len(label))]
    assert send_now(session)["sent"] == 1
    (mail,) = sent_mails(smtp, 1)
    files = {p.get_filename(): p.get_content() for p in mail.iter_attachments()}
    assert files == {"label.pdf": label}


def test_web_new_conversation_refuses_files_over_the_limit(
    web_app: Flask, client: FlaskClient, session: Session
) -> None:
    web_app.config["REPLY_MAX_FILE_BYTES"] = 100
    login(client, make_user(session).email)
    response = client.post(
        "/tickets/new",
        data={
            "csrf_token": csrf_token(client, "/tickets/new"),
            "to": "erin@example.com",
            "subject": "Your return label",
            "text": "Kept text",
            "status": "pending",
            "attachments": [(io.BytesIO(b"x" * 101), "big.bin", "application/octet-stream")],
        },
        content_type="multipart/form-data",
    )
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 413 and "Nothing was sent" in page
    assert "Choose the 1 file again." in page and "Kept text" in page
    assert tickets(session) == 0


def test_api_starts_a_conversation_with_files(
    web_app: Flask, client: FlaskClient, session: Session
) -> None:
    token = token_for(session)
    fields = {"to": "fay@example.com", "subject": "Your invoice", "text": "Attached."}
    response = client.post(
        f"{API}/tickets",
        data={**fields, "attachments": [(io.BytesIO(b"%PDF-1.4 invoice"), "invoice.pdf")]},
        content_type="multipart/form-data",
        headers=bearer(token),
    )
    assert response.status_code == 201, response.get_json()
    (message,) = response.get_json()["messages"]
    assert [(a["filename"], a["size"]) for a in message["attachments"]] == [("invoice.pdf", 16)]
    web_app.config["REPLY_MAX_FILE_BYTES"] = 10
    too_big = client.post(
        f"{API}/tickets",
        data={**fields, "attachments": [(io.BytesIO(b"x" * 11), "big.bin")]},
        content_type="multipart/form-data",
        headers=bearer(token),
    )
    assert too_big.status_code == 413 and "big.bin" in too_big.get_json()["error"]
    unknown = client.post(
        f"{API}/tickets",
        data={**fields, "cc": "x@example.com"},
        content_type="multipart/form-data",
        headers=bearer(token),
    )
    assert unknown.status_code == 400 and unknown.get_json()["field"] == "cc"
    assert tickets(session) == 1
