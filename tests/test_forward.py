"""Forwarding a ticket or one message (issue 11): the note, the conversation quoted below it
and its files, sent through the real SMTP server (bytes compared); the forwarded party's
answer, delivered to the real IMAP mailbox and ingested, threads in as internal mail that
never reaches the customer, reopens nothing and is never quoted. Web and API."""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.conversations.forward import forward
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import Message, OutboxMail, Ticket, TicketEvent, User
from helpdesk.outbox.files import FileLimits
from helpdesk.replies.errors import ReplyError
from helpdesk.replies.services import add_note, last_message_id, send_reply
from tests.factories import make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now
from tests.poller_helpers import make_poller
from tests.test_api_policy import bearer
from tests.test_api_tickets import token_for
from tests.test_conversations import body, sent_mails
from tests.test_web import csrf_token, login

API = "/api/v1"
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 5
RECEIPT = b"%PDF-1.4\n" + bytes(reversed(range(256))) * 9 + b"\n%%EOF\n"
WAREHOUSE = "warehouse@example.com"


def _conversation(app: Flask, session: Session, agent: User) -> Ticket:
    """A customer's mail with a photo and a receipt, our reply, a note, the customer again."""
    ingest(
        session,
        make_mail(
            subject="Broken case",
            sender=("Alice Smith", "alice@example.com"),
            message_id="m1@example.com",
            body="The case arrived cracked.\n",
            attachments=[
                ("photo.png", "image/png", PHOTO),
                ("receipt.pdf", "application/pdf", RECEIPT),
            ],
        ),
    )
    ticket = session.scalars(select(Ticket)).one()
    send_reply(
        session,
        ticket,
        author=agent,
        text="Sorry! Which colour was it?",
        seen_message_id=last_message_id(session, ticket),
        identity=MailIdentity.from_config(app.config),
    )
    add_note(session, ticket, author=agent, text="SECRET: customer is a VIP")
    session.commit()
    ingest(
        session,
        make_mail(
            subject=f"Re: [#{ticket.number}] Broken case",
            sender="alice@example.com",
            in_reply_to="m1@example.com",
            body="It was the blue one.\n",
        ),
    )
    return ticket


def _forward(app: Flask, session: Session, ticket: Ticket, agent: User, **fields: Any) -> Message:
    fields.setdefault("to", WAREHOUSE)
    fields.setdefault("note", "Please send a blue replacement.")
    message = forward(
        session,
        ticket,
        author=agent,
        identity=MailIdentity.from_config(app.config),
        limits=FileLimits.from_config(app.config),
        **fields,
    )
    session.commit()
    return message


def _messages(session: Session, ticket: Ticket) -> list[Message]:
    session.rollback()
    return list(
        session.scalars(select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id))
    )


def test_forward_sends_the_quoted_conversation_with_its_files_and_the_answer_stays_internal(
    app: Flask, session: Session, smtp: Any, imap_server: Any
) -> None:
    agent = make_user(session)
    agent.signature = "Bea"
    ticket = _conversation(app, session, agent)
    number, status = ticket.number, ticket.status
    waiting = ticket.waiting_since
    sent = _forward(app, session, ticket, agent, signature="Bea")
    assert sent.direction == "forward" and sent.recipients == WAREHOUSE
    session.refresh(ticket)
    assert (ticket.status, ticket.waiting_since) == (status, waiting)  # nobody answered Alice
    assert send_now(session)["sent"] == 3  # the ack, our reply, the forward
    (mail,) = [m for m in sent_mails(smtp, 3) if m["To"] == WAREHOUSE]
    assert mail["Subject"] == f"[#{number}] Fwd: Broken case"
    assert mail["From"] == "ProCase Support <support@procase.com>"
    assert mail["Auto-Submitted"] is None and mail["In-Reply-To"] is None
    text = body(mail.get_body(("plain",)))  # type: ignore[arg-type]
    assert text.startswith("Please send a blue replacement.\n\n-- \nBea\n")
    assert text.count("---------- Forwarded message ----------") == 3
    assert "From: Alice Smith <alice@example.com>" in text
    order = [text.index(s) for s in ("cracked", "Which colour", "blue one")]
    assert order == sorted(order)
    assert "SECRET" not in text and "We received your request" not in text
    files = {p.get_filename(): p.get_content() for p in mail.iter_attachments()}
    assert files == {"photo.png": PHOTO, "receipt.pdf": RECEIPT}

    # The warehouse answers (threading by In-Reply-To), and so does its colleague it copied.
    answer = make_mail(
        subject=f"Re: {mail['Subject']}",
        sender=("Warehouse", WAREHOUSE),
        to="support@procase.com",
        in_reply_to=str(mail["Message-ID"]),
        body="Blue replacement ships Monday.\n",
        headers={"Cc": "colleague@example.com"},
    )
    colleague = make_mail(
        subject=f"Re: {mail['Subject']}",
        sender="colleague@example.com",
        body="Tracking follows.\n",
    )
    imap_server.append_many([answer, colleague])
    assert make_poller(app, imap_server).run_once().outcomes == {"reply": 2}
    messages = _messages(session, ticket)
    assert [m.direction for m in messages][-2:] == ["fwd_reply", "fwd_reply"]
    ticket = session.get(Ticket, ticket.id)  # type: ignore[assignment]
    assert ticket is not None and (ticket.status, ticket.waiting_since) == (status, waiting)

    # The customer writes again: still the customer's mail; our reply threads under it,
    # never under the warehouse's answer, and quotes nothing internal.
    ingest(
        session,
        make_mail(
            subject=f"Re: [#{number}] Broken case",
            sender="alice@example.com",
            message_id="m3@example.com",
        ),
    )
    assert _messages(session, ticket)[-1].direction == "inbound"
    ticket = session.get(Ticket, ticket.id)  # type: ignore[assignment]
    assert ticket is not None
    reply = send_reply(
        session,
        ticket,
        author=agent,
        text="It ships Monday.",
        seen_message_id=last_message_id(session, ticket),
        identity=MailIdentity.from_config(app.config),
    )
    assert reply.in_reply_to == "m3@example.com"
    assert "Blue replacement" not in reply.text


def test_forwarding_again_quotes_only_the_customers_conversation(
    app: Flask, session: Session
) -> None:
    agent = make_user(session)
    ticket = _conversation(app, session, agent)
    first = _forward(app, session, ticket, agent)
    ingest(
        session,
        make_mail(
            subject=f"Re: {first.subject}",
            sender=WAREHOUSE,
            in_reply_to=first.message_id,
            body="INTERNAL ANSWER\n",
        ),
    )
    assert _messages(session, ticket)[-1].direction == "fwd_reply"
    again = _forward(
        app, session, session.get(Ticket, ticket.id), agent, to="supplier@example.com", note=""
    )  # type: ignore[arg-type]
    assert again.text.startswith("---------- Forwarded message ----------")
    assert "INTERNAL ANSWER" not in again.text and "Please send" not in again.text


def test_forward_one_message_with_its_files(app: Flask, session: Session) -> None:
    agent = make_user(session)
    ticket = _conversation(app, session, agent)
    first = _messages(session, ticket)[0]
    sent = _forward(app, session, ticket, agent, message_id=first.id, note="This one")
    assert sent.text.count("Forwarded message") == 1 and "cracked" in sent.text
    assert "Which colour" not in sent.text
    assert sorted(a.filename for a in sent.attachments) == ["photo.png", "receipt.pdf"]
    events = session.scalars(select(TicketEvent).where(TicketEvent.kind == "forward")).all()
    assert [(e.actor_id, e.detail) for e in events] == [
        (agent.id, f"message {first.id} to {WAREHOUSE}")
    ]
    outbox = session.scalars(select(OutboxMail).where(OutboxMail.kind == "forward")).one()
    assert outbox.to_address == WAREHOUSE and outbox.auto_submitted is None


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"to": "warehouse"}, "to", "not an email address"),
        ({"to": "a@example.com\nBcc: b@example.com"}, "to", "line breaks"),
        ({"to": "support@procase.com"}, "to", "support address"),
        ({"message_id": 999_999}, "message_id", "is not a customer's mail"),
        ({"note": "x" * 100_001}, "text", "too long"),
    ],
)
def test_bad_forwards_are_refused(
    app: Flask, session: Session, fields: dict[str, Any], field: str, words: str
) -> None:
    agent = make_user(session)
    ticket = _conversation(app, session, agent)
    with pytest.raises(ReplyError) as refused:
        _forward(app, session, ticket, agent, **fields)
    assert refused.value.field == field and words in str(refused.value)
    session.rollback()
    assert session.scalars(select(OutboxMail).where(OutboxMail.kind == "forward")).all() == []


def test_a_note_cannot_be_forwarded_and_files_over_the_limit_are_refused(
    app: Flask, session: Session
) -> None:
    agent = make_user(session)
    ticket = _conversation(app, session, agent)
    note = next(m for m in _messages(session, ticket) if m.direction == "note")
    with pytest.raises(ReplyError, match="not a customer's mail"):
        _forward(app, session, ticket, agent, message_id=note.id)
    session.rollback()
    app.config["REPLY_MAX_BYTES"] = 1000
    with pytest.raises(ReplyError, match="Forward one message at a time") as refused:
        _forward(app, session, session.get(Ticket, ticket.id), agent)  # type: ignore[arg-type]
    assert refused.value.field == "attachments"


# --- web ---------------------------------------------------------------------------------------


def test_web_forward_form_and_the_page_labels_internal_mail(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    agent = make_user(session)
    ticket = _conversation(app, session, agent)
    login(client, agent.email)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Forward the conversation" in page and "Forward this message" in page
    token = csrf_token(client, f"/tickets/{ticket.number}")
    response = client.post(
        f"/tickets/{ticket.number}/forward",
        data={"csrf_token": token, "to": WAREHOUSE, "text": "Please check stock."},
    )
    assert response.status_code == 302
    sent = _messages(session, ticket)[-1]
    ingest(
        session,
        make_mail(
            subject=f"Re: {sent.subject}",
            sender=("Wendy", WAREHOUSE),
            in_reply_to=sent.message_id,
            body="In stock.\n",
        ),
    )
    page = html.unescape(client.get(f"/tickets/{ticket.number}").get_data(as_text=True))
    assert (
        "Forwarded (internal)" in page and f"Forwarded to {WAREHOUSE}, not to the customer" in page
    )
    assert (
        "Answer to a forward (internal)" in page
        and "From someone the ticket was forwarded to" in page
    )
    assert f"Forwarded (to {WAREHOUSE})" in page  # the history
    refused = client.post(
        f"/tickets/{ticket.number}/forward",
        data={"csrf_token": token, "to": "nobody", "text": "x"},
    )
    assert refused.status_code == 400
    assert "Not forwarded: 'nobody' in To is not an email address." in html.unescape(
        refused.get_data(as_text=True)
    )
    no_csrf = client.post(f"/tickets/{ticket.number}/forward", data={"to": WAREHOUSE})
    assert no_csrf.status_code == 400


# --- API ---------------------------------------------------------------------------------------


def test_api_forward(app: Flask, client: FlaskClient, session: Session) -> None:
    agent = make_user(session)
    ticket = _conversation(app, session, agent)
    token = token_for(session, user=agent)
    first = _messages(session, ticket)[0]
    response = client.post(
        f"{API}/tickets/{ticket.number}/forward",
        json={"to": WAREHOUSE, "text": "Have a look", "message_id": first.id},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["direction"] == "forward" and data["to"] == [WAREHOUSE]
    assert data["outbox_status"] == "queued" and len(data["attachments"]) == 2
    whole = client.post(
        f"{API}/tickets/{ticket.number}/forward", json={"to": WAREHOUSE}, headers=bearer(token)
    )
    assert whole.status_code == 201 and whole.get_json()["text"].count("Forwarded message") == 3
    detail = client.get(f"{API}/tickets/{ticket.number}", headers=bearer(token)).get_json()
    assert [e["detail"] for e in detail["events"] if e["kind"] == "forward"] == [
        f"message {first.id} to {WAREHOUSE}",
        f"to {WAREHOUSE}",
    ]


@pytest.mark.parametrize(
    ("payload", "status", "field", "words"),
    [
        ({}, 400, "to", "to is required"),
        ({"to": "a@example.com", "message_id": "x"}, 400, "message_id", "positive whole number"),
        (
            {"to": "a@example.com", "message_id": 999_999},
            400,
            "message_id",
            "not a customer's mail",
        ),
        ({"to": "a@example.com\r\nBcc: b@example.com"}, 400, "to", "line breaks"),
        ({"to": "a@example.com", "cc": "b@example.com"}, 400, "cc", "Unknown field"),
        ({"to": "é" * 300 + "@example.com"}, 400, "to", "not an email address"),
    ],
)
def test_api_forward_refuses_bad_input(
    app: Flask,
    client: FlaskClient,
    session: Session,
    payload: dict[str, Any],
    status: int,
    field: str,
    words: str,
) -> None:
    agent = make_user(session)
    ticket = _conversation(app, session, agent)
    response = client.post(
        f"{API}/tickets/{ticket.number}/forward",
        json=payload,
        headers=bearer(token_for(session, user=agent)),
    )
    assert response.status_code == status, response.get_json()
    assert response.get_json()["field"] == field and words in response.get_json()["error"]


def test_api_forward_of_an_unknown_ticket_is_404(client: FlaskClient, session: Session) -> None:
    response = client.post(
        f"{API}/tickets/99999/forward", json={"to": WAREHOUSE}, headers=bearer(token_for(session))
    )
    assert response.status_code == 404


def test_the_ticket_pages_live_banner_names_forwards() -> None:
    from helpdesk.live.news import _message_line

    assert _message_line("forward", False, "Sam") == "Sam forwarded the ticket."
    assert _message_line("fwd_reply", False, None) == (
        "Someone the ticket was forwarded to answered."
    )
    assert _message_line("fwd_reply", True, None) is None


def test_api_forward_over_the_file_limits_is_413(
    app: Flask, web_app: Flask, client: FlaskClient, session: Session
) -> None:
    agent = make_user(session)
    ticket = _conversation(app, session, agent)
    web_app.config["REPLY_MAX_BYTES"] = 1000
    response = client.post(
        f"{API}/tickets/{ticket.number}/forward",
        json={"to": WAREHOUSE},
        headers=bearer(token_for(session, user=agent)),
    )
    assert response.status_code == 413
    assert "Forward one message at a time" in response.get_json()["error"]
