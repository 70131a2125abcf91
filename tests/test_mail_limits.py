"""Bounded work per mail: parse_mail's caps (pure), then hostile mail through real ingest
to a ticket whose page renders (SQLite and PostgreSQL)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.htmlcap import MAX_HTML_CHARS, MAX_HTML_DEPTH
from helpdesk.models import Attachment, Message
from mail_ingest.limits import (
    MAX_ATTACHMENTS,
    MAX_MIME_CONTAINERS,
    MAX_TEXT_CHARS,
    ORIGINAL_HTML,
    ORIGINAL_MAIL,
    ORIGINAL_TEXT,
)
from mail_ingest.parse import ParsedMail, parse_mail
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.test_ticket_page import signed_in

HEAD = (
    b"From: Mallory <mallory@example.com>\r\nTo: support@procase.com\r\n"
    b"Subject: Hostile\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
)


def html_mail(markup: str) -> bytes:
    return HEAD + b"Content-Type: text/html; charset=utf-8\r\n\r\n" + markup.encode()


def nested_multipart(depth: int) -> bytes:
    body = b"innermost text\r\n"
    for level in range(depth, 0, -1):
        body = (
            b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (level, level + 1)
            + body
            + b"\r\n--b%d--\r\n" % level
        )
    return HEAD + b"Content-Type: multipart/mixed; boundary=b1\r\n\r\n" + body


def original(mail: ParsedMail, name: str) -> bytes:
    return next(a.data for a in mail.attachments if a.filename == name)


def test_long_html_is_cut_with_a_note_and_kept_whole() -> None:
    markup = "<p>" + "word " * (MAX_HTML_CHARS // 5) + "THE END</p>"
    mail = parse_mail(html_mail(markup))
    assert mail.html is not None and mail.html.startswith("<p>[The helpdesk shortened")
    assert "THE END" not in mail.html and len(mail.html) < MAX_HTML_CHARS + 1_000
    assert mail.text.startswith("[The helpdesk shortened") and ORIGINAL_HTML in mail.text
    assert original(mail, ORIGINAL_HTML) == markup.encode()
    assert "HtmlBodyShortened" in mail.defects


def test_deep_html_is_flattened_with_a_note() -> None:
    markup = "<div>" * 5_000 + "deep words"
    mail = parse_mail(html_mail(markup))
    assert mail.html is not None and mail.html.count("<div>") == MAX_HTML_DEPTH
    assert "nested deeper than" in mail.text and "deep words" in mail.text
    assert original(mail, ORIGINAL_HTML) == markup.encode()


def test_comment_flood_reads_as_empty() -> None:
    mail = parse_mail(html_mail("<p>Hello</p>" + "<!--" * 200_000))
    assert mail.text == "Hello"
    assert not any(a.filename == ORIGINAL_HTML for a in mail.attachments)


def test_long_text_is_cut_with_a_note_and_kept_whole() -> None:
    body = "line of text\n" * (MAX_TEXT_CHARS // 10)
    mail = parse_mail(make_mail(body=body))
    assert mail.text.startswith("[The helpdesk shortened") and ORIGINAL_TEXT in mail.text
    assert len(mail.text) < MAX_TEXT_CHARS + 1_000
    assert original(mail, ORIGINAL_TEXT).decode().replace("\r\n", "\n") == body


def test_mime_nested_too_deep_is_read_as_text_with_the_mail_attached() -> None:
    raw = nested_multipart(MAX_MIME_CONTAINERS + 5)
    mail = parse_mail(raw)
    assert "innermost text" in mail.text
    assert mail.text.startswith("[The helpdesk shortened") and "MIME containers" in mail.text
    assert original(mail, ORIGINAL_MAIL) == raw
    assert mail.subject == "Hostile" and mail.from_address == "mallory@example.com"


def test_mime_within_the_limits_is_parsed() -> None:
    mail = parse_mail(nested_multipart(MAX_MIME_CONTAINERS - 2))
    assert mail.text.strip() == "innermost text"
    assert not mail.attachments


def test_attachments_beyond_the_limit_are_in_the_original() -> None:
    files = [(f"f{i}.txt", "application/octet-stream", b"x") for i in range(MAX_ATTACHMENTS + 3)]
    raw = make_mail(attachments=files)
    mail = parse_mail(raw)
    names = [a.filename for a in mail.attachments]
    assert names[:MAX_ATTACHMENTS] == [f"f{i}.txt" for i in range(MAX_ATTACHMENTS)]
    assert names[MAX_ATTACHMENTS:] == [ORIGINAL_MAIL]
    assert f"it has {MAX_ATTACHMENTS + 3} attachments" in mail.text


def test_lost_boundary_with_many_candidates_is_recovered_once() -> None:
    body = "".join(f"--x{i}y\r\nline {i}\r\n" for i in range(500))
    body += "--real\r\nContent-Type: text/plain\r\n\r\nthe text\r\n--real--\r\n"
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="lost"\r\n\r\n' + body.encode()
    mail = parse_mail(raw)
    assert "RecoveredMultipartBoundary" in mail.defects
    assert mail.text.strip() == "the text"


# ---------------------------------------------------------------- through ingest


def test_hostile_mails_become_tickets_whose_pages_render(
    client: FlaskClient, session: Session
) -> None:
    signed_in(client, session)
    mails = [
        html_mail("<div>" * 100_000),
        html_mail("<!--" * 200_000),
        html_mail("<blockquote>" * 30_000 + "quoted"),
        nested_multipart(MAX_MIME_CONTAINERS * 3),
    ]
    for number, raw in enumerate(mails, start=1001):
        assert ingest(session, raw).outcome == "ticket"
        page = client.get(f"/tickets/{number}")
        assert page.status_code == 200, number
    session.rollback()
    cut = session.scalars(
        select(Attachment).where(Attachment.filename.in_([ORIGINAL_HTML, ORIGINAL_MAIL]))
    ).all()
    assert sorted(a.filename for a in cut) == [ORIGINAL_MAIL, ORIGINAL_HTML, ORIGINAL_HTML]
    page = client.get("/tickets/1001").get_data(as_text=True)
    assert "[The helpdesk shortened this mail for display" in page
    assert page.count("<div>") < 2 * MAX_HTML_DEPTH + 100
    original_html = next(a for a in cut if a.message.ticket.number == 1001)
    download = client.get(f"/attachments/{original_html.id}")
    assert download.status_code == 200
    assert download.get_data() == b"<div>" * 100_000
    mime = client.get("/tickets/1004").get_data(as_text=True)
    assert "innermost text" in mime and ORIGINAL_MAIL in mime
    stored = session.scalar(select(Message).where(Message.html.is_not(None)).limit(1))
    assert stored is not None
