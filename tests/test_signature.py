"""Agents' signatures under their replies, and the store's display name on the From of all
our mail, as the real SMTP server receives them."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.account.mail import queue_account_mail
from helpdesk.mailidentity import MailIdentity, from_header, from_name
from helpdesk.models import Message, OutboxMail, Ticket, User
from helpdesk.replies.services import with_signature
from tests.factories import make_user
from tests.outbox_helpers import send_now
from tests.test_api_policy import bearer
from tests.test_api_tickets import mail_ticket, token_for
from tests.test_replies import _hidden, _ticket
from tests.test_web import login

SIGNATURE = "Bea Baker\nProCase customer care"


def _agent(session: Session, signature: str = SIGNATURE) -> User:
    agent = make_user(session)
    agent.signature = signature
    session.commit()
    return agent


def _sent(smtp, count: int) -> dict[str, EmailMessage]:  # type: ignore[no-untyped-def]
    """The mails the SMTP server received, by Message-ID without angle brackets."""
    mails = [email.message_from_bytes(raw, policy=policy.default) for raw in smtp.wait_for(count)]
    return {str(m["Message-ID"]).strip("<>"): m for m in mails}  # type: ignore[misc]


def _body(mail: EmailMessage) -> str:
    return str(mail.get_content()).replace("\r\n", "\n")  # lines end in CRLF on the wire


def _web_reply(client: FlaskClient, ticket: Ticket, text: str) -> None:
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    response = client.post(
        f"/tickets/{ticket.number}/reply",
        data={
            "csrf_token": _hidden(page, "csrf_token"),
            "text": text,
            "status": "pending",
            "last_message_id": _hidden(page, "last_message_id"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_web_reply_carries_the_signature_and_the_store_name(
    app: Flask,
    session: Session,
    client: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    agent = _agent(session, "Bea Baker\r\nProCase customer care\r\n")  # as a textarea sends it
    ticket = _ticket(session)
    login(client, agent.email)
    _web_reply(client, ticket, "Your parcel left today.")
    session.rollback()  # a fresh snapshot: the web app committed
    reply = session.scalars(select(Message).where(Message.author_id == agent.id)).one()
    assert reply.text == f"Your parcel left today.\n\n-- \n{SIGNATURE}\n"
    ack = session.scalars(select(OutboxMail).where(OutboxMail.kind == "ack")).one()
    assert send_now(session)["sent"] == 2
    sent = _sent(smtp, 2)
    mail = sent[reply.message_id]  # type: ignore[index]
    assert _body(mail) == reply.text  # the customer gets what the ticket shows
    for message in (mail, sent[ack.message_id]):
        (address,) = message["From"].addresses
        assert (address.display_name, address.addr_spec) == (
            "ProCase Support",
            "support@procase.com",
        )
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "ProCase customer care" in page
    assert "Your signature from" in page and 'aria-describedby="reply-signature"' in page


def test_the_composer_says_when_no_signature_is_added(
    session: Session, client: FlaskClient
) -> None:
    agent = _agent(session, "")
    ticket = _ticket(session)
    login(client, agent.email)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "No signature is added" in page and 'href="/profile"' in page


def test_notes_get_no_signature(session: Session, client: FlaskClient) -> None:
    agent = _agent(session)
    ticket = _ticket(session)
    login(client, agent.email)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    response = client.post(
        f"/tickets/{ticket.number}/notes",
        data={"csrf_token": _hidden(page, "csrf_token"), "text": "Called her."},
    )
    assert response.status_code == 302
    session.rollback()
    note = session.scalars(select(Message).where(Message.direction == "note")).one()
    assert note.text == "Called her.\n"


def test_the_signature_is_not_doubled_nor_added_when_empty() -> None:
    signed = "Thanks!\n\n-- \nBea Baker\nProCase customer care\n"
    assert with_signature(signed, SIGNATURE) == signed
    assert with_signature("Thanks!\n", "  \n") == "Thanks!\n"
    assert with_signature("Thanks!\n", SIGNATURE) == signed


def test_an_api_reply_carries_the_token_users_signature(
    app: Flask,
    session: Session,
    client: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    ticket = mail_ticket(session)
    raw = token_for(session, user=_agent(session))
    response = client.post(
        f"/api/v1/tickets/{ticket.number}/replies",
        json={"text": "A new one is on its way.\n\n-- \n" + SIGNATURE},
        headers=bearer(raw),
    )
    assert response.status_code == 201, response.json
    body = response.get_json()
    assert body["text"] == f"A new one is on its way.\n\n-- \n{SIGNATURE}\n"  # not twice
    session.rollback()
    send_now(session)
    mail = _sent(smtp, 2)[body["message_id"]]
    assert _body(mail) == body["text"]
    assert mail["From"].addresses[0].display_name == "ProCase Support"


@pytest.mark.parametrize(
    "name",
    ['Müller & Söhne, "Best" Store', "Ünïcödé Support", "Smith, Jones (Support)", "日本の店"],
)
def test_a_display_name_needing_encoding_reads_back_the_same(name: str) -> None:
    header = from_header(name, "support@procase.com")
    assert header.isascii()
    parsed = email.message_from_string(f"From: {header}\n\n", policy=policy.default)
    (address,) = parsed["From"].addresses
    assert (address.display_name, address.addr_spec) == (name, "support@procase.com")


def test_the_display_name_setting_and_its_default() -> None:
    assert from_name({"HELPDESK_STORE_NAME": "Acme", "HELPDESK_FROM_NAME": None}) == (
        "Acme Support"
    )
    assert from_name({"HELPDESK_STORE_NAME": "Acme", "HELPDESK_FROM_NAME": " Acme Care "}) == (
        "Acme Care"
    )
    evil = from_header("Evil\r\nBcc: x@example.com", "a@b.c")
    assert evil == '"Evil Bcc: x@example.com" <a@b.c>'  # one header line, the name quoted
    assert from_header("", "a@b.c") == "a@b.c"


def test_account_mail_has_the_configured_name_through_smtp(
    app: Flask,
    session: Session,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    name = 'Müller & Söhne, "Best" Store'
    app.config["HELPDESK_FROM_NAME"] = name
    row = queue_account_mail(
        session, MailIdentity.from_config(app.config), "bea@procase.com", "Hello", "Hi Bea\n"
    )
    session.commit()
    assert send_now(session)["sent"] == 1
    mail = _sent(smtp, 1)[row.message_id]
    (address,) = mail["From"].addresses
    assert (address.display_name, address.addr_spec) == (name, "support@procase.com")
