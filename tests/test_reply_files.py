"""Files and Cc/Bcc on agents' replies, end to end: a customer's mail through the real IMAP
server, the agent's reply with files from the web composer or the API, the mail the real
SMTP server received (parsed with the email package, bytes compared, threading headers),
and the Cc'd person's answer back through IMAP onto the same ticket. Size limits and bad
input answer a clear message (web: at the composer, text kept; API: JSON 400/413)."""

from __future__ import annotations

import email
import io
import re
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import Attachment, Message, OutboxMail, Ticket
from tests.factories import make_user
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now
from tests.poller_helpers import make_poller
from tests.test_api_policy import bearer
from tests.test_api_tickets import token_for
from tests.test_web import login

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
LABEL = b"%PDF-1.4\n" + bytes(reversed(range(256))) * 50 + b"\n%%EOF\n"
INVOICE = "Rechnung Nr. 7\r\n\x00\xff binary tail".encode("latin-1")


def _customer_mail(app: Flask, session: Session, imap: Any) -> Ticket:
    """The customer's first mail, with a photo, through the IMAP server and the poller."""
    imap.append(
        make_mail(
            subject="Cracked case",
            sender=("Alice Smith", "alice@example.com"),
            message_id="first@example.com",
            attachments=[("crack.png", "image/png", PHOTO)],
        )
    )
    assert make_poller(app, imap).run_once().outcomes == {"ticket": 1}
    return session.scalars(select(Ticket)).one()


def _sent(smtp: Any, message_id: str) -> tuple[list[str], EmailMessage]:
    """The envelope recipients and the parsed mail the SMTP server got with `message_id`."""
    (found,) = [e for e in smtp.envelopes if f"<{message_id}>".encode() in e[2]]
    parsed = email.message_from_bytes(found[2], policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return sorted(found[1]), parsed


def _files(mail: EmailMessage) -> list[tuple[str | None, str, bytes]]:
    return [
        (p.get_filename(), p.get_content_type(), p.get_content()) for p in mail.iter_attachments()
    ]


def _our_reply(session: Session) -> Message:
    return session.scalars(select(Message).where(Message.author_id.is_not(None))).one()


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _post_reply(client: FlaskClient, number: int, **data: Any) -> Any:
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    data.setdefault("status", "pending")
    seen = re.search(r'name="last_message_id" value="(\d*)"', page)
    assert seen
    return client.post(
        f"/tickets/{number}/reply",
        data={"csrf_token": _token(page), "last_message_id": seen.group(1), **data},
        content_type="multipart/form-data",
    )


def test_web_reply_with_files_and_cc_arrives_intact_and_the_cc_reply_threads_in(
    app: Flask, session: Session, web_app: Flask, client: FlaskClient, smtp, imap_server
) -> None:  # type: ignore[no-untyped-def]
    ticket = _customer_mail(app, session, imap_server)
    photo = session.scalars(select(Attachment)).one()
    agent = make_user(session)
    login(client, agent.email)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="attachments"' in page
    assert f'name="forward" value="{photo.id}"' in page and "crack.png (2.0 KB)" in page
    response = _post_reply(
        client,
        ticket.number,
        text="Here is your return label and invoice.",
        cc="Warehouse@ProCase.com",
        bcc="boss@procase.com",
        forward=str(photo.id),
        attachments=[
            (io.BytesIO(LABEL), "return label.pdf", "application/pdf"),
            (io.BytesIO(INVOICE), "Rechnung für Sie.txt", "text/plain"),
        ],
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.rollback()
    reply = _our_reply(session)
    assert [(a.filename, a.size) for a in reply.attachments] == [
        ("return label.pdf", len(LABEL)),
        ("Rechnung für Sie.txt", len(INVOICE)),
        ("crack.png", len(PHOTO)),
    ]
    # Shown under our message on the ticket page, downloadable like inbound ones.
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    ours = page[page.index(f'id="message-{reply.id}"') :]
    assert "Download return label.pdf" in ours and "Download crack.png" in ours
    label = reply.attachments[0]
    assert client.get(f"/attachments/{label.id}").get_data() == LABEL

    assert send_now(session)["sent"] == 2  # the acknowledgement and the reply
    rcpt, sent = _sent(smtp, reply.message_id or "")
    assert rcpt == ["alice@example.com", "boss@procase.com", "warehouse@procase.com"]
    assert sent.get_content_type() == "multipart/mixed"
    assert sent["To"] == "alice@example.com" and sent["Cc"] == "warehouse@procase.com"
    assert sent["Bcc"] is None
    assert sent["In-Reply-To"] == "<first@example.com>"
    assert sent["References"] == "<first@example.com>"
    assert sent["Subject"] == f"[#{ticket.number}] Re: Cracked case"
    names = [(name, kind) for name, kind, _ in _files(sent)]
    assert names == [
        ("return label.pdf", "application/pdf"),
        ("Rechnung für Sie.txt", "text/plain"),
        ("crack.png", "image/png"),
    ]
    data = [part.get_payload(decode=True) for part in sent.iter_attachments()]
    assert data == [LABEL, INVOICE, PHOTO]  # the bytes, exactly as uploaded and received

    # The warehouse answers all from its mail client: it threads into the ticket.
    imap_server.append(
        make_mail(
            subject=f"Re: {sent['Subject']}",
            sender=("Warehouse", "warehouse@procase.com"),
            to="support@procase.com",
            message_id="warehouse@procase.com.example",
            in_reply_to=sent["Message-ID"],
            references=["<first@example.com>", sent["Message-ID"]],
            body="Parcel picked up.",
        )
    )
    assert make_poller(app, imap_server).run_once().outcomes == {"reply": 1}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1
    answer = session.scalars(select(Message).where(Message.sender == "warehouse@procase.com")).one()
    assert answer.ticket_id == ticket.id and answer.direction == "inbound"


def test_a_bcc_reader_is_no_participant(
    app: Flask, session: Session, web_app: Flask, client: FlaskClient, imap_server
) -> None:  # type: ignore[no-untyped-def]
    """Bcc is a hidden copy: a mail from that address with the ticket's token opens a new
    ticket (the strict sender check), as from anyone who was never on the ticket."""
    ticket = _customer_mail(app, session, imap_server)
    login(client, make_user(session).email)
    response = _post_reply(client, ticket.number, text="Noted.", bcc="boss@procase.com")
    assert response.status_code == 302
    imap_server.append(
        make_mail(subject=f"Re: [#{ticket.number}] Cracked case", sender="boss@procase.com")
    )
    assert make_poller(app, imap_server).run_once().outcomes == {"ticket": 1}


def test_web_limits_answer_at_the_composer_with_the_text_kept(
    app: Flask, session: Session, web_app: Flask, client: FlaskClient, imap_server
) -> None:  # type: ignore[no-untyped-def]
    ticket = _customer_mail(app, session, imap_server)
    login(client, make_user(session).email)
    web_app.config.update(REPLY_MAX_FILE_BYTES=3000, REPLY_MAX_BYTES=2500)
    response = _post_reply(
        client,
        ticket.number,
        text="My careful answer",
        cc="warehouse@procase.com",
        attachments=[(io.BytesIO(LABEL), "label.pdf", "application/pdf")],
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert (
        "Your reply was not sent: The file &#39;label.pdf&#39; is 12.5 KB: at most 2.9 KB per"
        in page
    )
    assert "My careful answer" in page and 'value="warehouse@procase.com"' in page
    assert "The 1 file you chose was not sent: choose it again." in page
    photo = session.scalars(select(Attachment)).one()
    response = _post_reply(client, ticket.number, text="x" * 900, forward=str(photo.id))
    assert response.status_code == 413
    assert (
        "come to 2.9 KB with the text: at most 2.4 KB can be sent in one mail"
        in response.get_data(as_text=True)
    )
    assert f'value="{photo.id}" checked' in response.get_data(as_text=True)
    # Far over the limit, the body is not read at all: a page saying why.
    web_app.config.update(MAX_CONTENT_LENGTH=5000)
    response = _post_reply(
        client,
        ticket.number,
        text="x",
        attachments=[(io.BytesIO(LABEL), "l.pdf", "application/pdf")],
    )
    assert response.status_code == 413
    assert "The files are too large to send: at most 2.4 KB in one reply" in response.get_data(
        as_text=True
    )
    session.rollback()
    assert (
        session.scalar(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "reply")
        )
        == 0
    )


@pytest.mark.parametrize(
    ("cc", "problem"),
    [
        ("warehouse@procase.com\r\nBcc: victim@example.com", "Cc must not contain line breaks."),
        ("Ann <a@example.com>", "is not an email address"),
        (", ".join(f"p{i}@example.com" for i in range(11)), "At most 10 addresses can be given"),
        ("Support@procase.com", "Cc cannot hold the support address support@procase.com."),
    ],
)
def test_web_refuses_bad_copies(
    app: Flask,
    session: Session,
    web_app: Flask,
    client: FlaskClient,
    imap_server,
    cc: str,
    problem: str,
) -> None:  # type: ignore[no-untyped-def]
    ticket = _customer_mail(app, session, imap_server)
    login(client, make_user(session).email)
    response = _post_reply(client, ticket.number, text="Hello", cc=cc)
    assert response.status_code == 400
    assert problem in response.get_data(as_text=True).replace("&#39;", "'")
    session.rollback()
    assert (
        session.scalar(
            select(func.count()).select_from(Message).where(Message.author_id.is_not(None))
        )
        == 0
    )


def test_web_refuses_an_attachment_of_another_ticket(
    app: Flask, session: Session, web_app: Flask, client: FlaskClient, imap_server
) -> None:  # type: ignore[no-untyped-def]
    ticket = _customer_mail(app, session, imap_server)
    imap_server.append(
        make_mail(
            subject="Other", sender="bob@example.com", attachments=[("b.txt", "text/plain", b"b")]
        )
    )
    make_poller(app, imap_server).run_once()
    session.rollback()
    other = session.scalars(select(Attachment).where(Attachment.filename == "b.txt")).one()
    login(client, make_user(session).email)
    for value in (str(other.id), "99999999999", "abc"):
        response = _post_reply(client, ticket.number, text="Hello", forward=value)
        assert response.status_code == 400, value
    page = _post_reply(client, ticket.number, text="Hello", forward=str(other.id)).get_data(
        as_text=True
    )
    assert f"There is no attachment {other.id} on this ticket." in page


def test_ticket_recipients_are_kept_shown_and_editable(
    app: Flask, session: Session, web_app: Flask, client: FlaskClient, imap_server
) -> None:  # type: ignore[no-untyped-def]
    """The Cc'd become the ticket's recipients: shown on the page, prefilled in the next
    reply's Cc (web) or Cc'd when the API gives no `cc`; removing them from the field
    removes them."""
    ticket = _customer_mail(app, session, imap_server)
    login(client, make_user(session).email)
    cc = "warehouse@procase.com, qa@procase.com"
    typed = f"{cc}, Alice@Example.com"  # the customer is the To, not a Cc
    assert _post_reply(client, ticket.number, text="First.", cc=typed).status_code == 302
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Also on this ticket (Cc)" in page
    assert f'id="reply-cc" name="cc" type="text" value="{cc}"' in page
    assert f"To alice@example.com, Cc {cc}" in page  # under our message
    token = token_for(session)
    response = client.post(
        f"/api/v1/tickets/{ticket.number}/replies", json={"text": "Second."}, headers=bearer(token)
    )
    assert response.status_code == 201
    assert response.get_json()["to"] == [
        "alice@example.com",
        "warehouse@procase.com",
        "qa@procase.com",
    ]
    detail = client.get(f"/api/v1/tickets/{ticket.number}", headers=bearer(token)).get_json()
    assert detail["cc"] == ["warehouse@procase.com", "qa@procase.com"]
    assert _post_reply(client, ticket.number, text="Third.", cc="qa@procase.com").status_code == 302
    session.rollback()
    assert session.get(Ticket, ticket.id).cc == "qa@procase.com"  # type: ignore[union-attr]
    assert _post_reply(client, ticket.number, text="Fourth.", cc="").status_code == 302
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Also on this ticket (Cc)" not in page
    session.rollback()
    rows = session.scalars(
        select(OutboxMail.cc).where(OutboxMail.kind == "reply").order_by(OutboxMail.id)
    )
    assert list(rows) == ["warehouse@procase.com,qa@procase.com"] * 2 + ["qa@procase.com", ""]
