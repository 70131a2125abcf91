"""Files and copies on outgoing mail: stored as the outbound message's attachments, sent by
the outbox as multipart/mixed through the real SMTP server, bytes intact; Cc in the header,
Bcc only in the envelope. The limits and the address checks."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.mailidentity import MailIdentity
from helpdesk.models import Attachment, Message, OutboxKind, OutboxMail, Ticket
from helpdesk.outbox.addresses import AddressError, parse_addresses
from helpdesk.outbox.files import (
    FileLimitError,
    FileLimits,
    check_files,
    clean_content_type,
    from_attachment,
    store_upload,
)
from helpdesk.outbox.services import queue_mail, queue_reply_message
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(reversed(range(256))) * 3


def _ticket(session: Session) -> Ticket:
    ingest(
        session,
        make_mail(
            subject="Broken case",
            message_id="m1@example.com",
            attachments=[("photo.png", "image/png", PHOTO)],
        ),
    )
    return session.scalars(select(Ticket)).one()


def _queue(app: Flask, session: Session, ticket: Ticket) -> Message:
    inbound = session.scalars(select(Attachment)).one()
    identity = MailIdentity.from_config(app.config)
    files = [
        store_upload(session, "C:\\fakepath\\Rücksendeetikett.pdf", "application/pdf", PDF),
        from_attachment(inbound),
    ]
    message = queue_reply_message(
        session,
        ticket,
        kind=OutboxKind.REPLY,
        from_address=identity.support_address,
        from_name="Bea",
        to_address=ticket.customer.email,
        subject="Re: Broken case",
        text="Your label is attached.\n",
        message_id_domain=identity.message_id_domain,
        parent_id="m1@example.com",
        automatic=False,
        cc=["warehouse@procase.com"],
        bcc=["boss@procase.com"],
        files=files,
    )
    session.commit()
    return message


def test_files_arrive_intact_as_multipart_mixed(app: Flask, session: Session, smtp) -> None:  # type: ignore[no-untyped-def]
    ticket = _ticket(session)
    message = _queue(app, session, ticket)
    assert [(a.filename, a.content_type, a.size) for a in message.attachments] == [
        ("Rücksendeetikett.pdf", "application/pdf", len(PDF)),
        ("photo.png", "image/png", len(PHOTO)),
    ]
    assert message.recipients == "alice@example.com,warehouse@procase.com"
    assert send_now(session)["sent"] == 2  # the acknowledgement and the reply
    envelopes = [e for e in smtp.envelopes if f"<{message.message_id}>".encode() in e[2]]
    ((_, rcpt_tos, raw),) = envelopes
    assert sorted(rcpt_tos) == ["alice@example.com", "boss@procase.com", "warehouse@procase.com"]
    sent = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(sent, EmailMessage)
    assert sent.get_content_type() == "multipart/mixed"
    assert sent["Cc"] == "warehouse@procase.com" and sent["Bcc"] is None
    assert sent["In-Reply-To"] == "<m1@example.com>"
    assert sent["Subject"] == f"[#{ticket.number}] Re: Broken case"
    body = sent.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().strip() == "Your label is attached."
    files = [
        (p.get_filename(), p.get_content_type(), p.get_content()) for p in sent.iter_attachments()
    ]
    assert files == [
        ("Rücksendeetikett.pdf", "application/pdf", PDF),
        ("photo.png", "image/png", PHOTO),
    ]


def test_a_mail_without_files_stays_plain_text(app: Flask, session: Session, smtp) -> None:  # type: ignore[no-untyped-def]
    _ticket(session)
    assert send_now(session)["sent"] == 1
    (raw,) = smtp.wait_for(1)
    assert email.message_from_bytes(raw, policy=policy.default).get_content_type() == "text/plain"


def test_files_need_a_message(app: Flask, session: Session) -> None:
    upload = store_upload(session, "a.txt", "text/plain", b"hi")
    with pytest.raises(ValueError, match="message"):
        queue_mail(
            session,
            ticket=None,
            kind=OutboxKind.ACCOUNT,
            from_address="support@procase.com",
            to_address="a@example.com",
            subject="Hi",
            text="Hi",
            message_id_domain="procase.com",
            files=[upload],
        )
    assert session.scalars(select(OutboxMail)).all() == []


def test_upload_names_and_types_are_made_safe(session: Session) -> None:
    upload = store_upload(session, "../../etc/\x00passwd", "text/plain; charset=utf-8", b"x")
    assert (upload.filename, upload.content_type) == ("passwd", "text/plain")
    nameless = store_upload(session, "", "image/png\r\nBcc: x@example.com", b"y")
    assert nameless.content_type == "application/octet-stream"
    assert nameless.filename.startswith("attachment")
    assert clean_content_type("Application/PDF") == "application/pdf"


def test_limits_per_file_per_mail_and_count() -> None:
    limits = FileLimits(per_file=100, per_mail=150, count=3)
    check_files([("a", 100), ("b", 40)], limits, text_bytes=10)
    with pytest.raises(FileLimitError, match=r"'big\.pdf' is 101 bytes: at most 100 bytes"):
        check_files([("big.pdf", 101)], limits)
    with pytest.raises(FileLimitError, match="at most 150 bytes can be sent in one mail"):
        check_files([("a", 100), ("b", 40)], limits, text_bytes=11)
    with pytest.raises(FileLimitError, match="At most 3 files"):
        check_files([("a", 1)] * 4, limits)


def test_addresses_are_validated() -> None:
    assert parse_addresses(["Bob@Example.com, c@example.org; bob@example.com", ""], "cc") == [
        "bob@example.com",
        "c@example.org",
    ]
    for bad in ("a@example.com\r\nBcc: x@example.com", "a@example.com\x00"):
        with pytest.raises(AddressError, match="line breaks"):
            parse_addresses([bad], "cc")
    for bad in (
        "Ann <a@example.com>",
        "a@b",
        "@example.com",
        "a@@example.com",
        "x" * 65 + "@a.com",
    ):
        with pytest.raises(AddressError, match="not an email address") as caught:
            parse_addresses([bad], "bcc")
        assert caught.value.field == "bcc"
    with pytest.raises(AddressError, match="At most 2"):
        parse_addresses(["a@x.com b@x.com c@x.com"], "cc", limit=2)
