"""POST /api/v1/tickets/{number}/replies with files (multipart/form-data), attachments of the
ticket forwarded, Cc and Bcc, in JSON and in forms; the limits answer JSON 413, bad input
400 naming the field; the mail the SMTP server got holds the bytes sent."""

from __future__ import annotations

import email
import io
from email import policy
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import Attachment, Message, OutboxMail
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now
from tests.test_api_policy import bearer
from tests.test_api_tickets import mail_ticket, token_for

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
LABEL = b"%PDF-1.4\n" + bytes(range(256)) * 30
URL = "/api/v1/tickets/1001/replies"


@pytest.fixture
def token(session: Session) -> str:
    mail_ticket(session, attachments=[("photo.png", "image/png", PHOTO)])
    return token_for(session)


def _photo(session: Session) -> Attachment:
    return session.scalars(select(Attachment).where(Attachment.filename == "photo.png")).one()


def _form(client: FlaskClient, token: str, data: dict[str, Any]) -> Any:
    return client.post(URL, data=data, headers=bearer(token), content_type="multipart/form-data")


def _replies(session: Session) -> int:
    session.rollback()
    return (
        session.scalar(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "reply")
        )
        or 0
    )


def test_json_reply_forwards_an_attachment_with_copies(
    client: FlaskClient, session: Session, token: str
) -> None:
    photo = _photo(session)
    body = {
        "text": "Your photo, as we received it.",
        "cc": ["warehouse@procase.com", "qa@procase.com"],
        "bcc": "boss@procase.com",
        "forward_attachment_ids": [photo.id],
    }
    response = client.post(URL, json=body, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    reply = response.get_json()
    assert reply["to"] == ["alice@example.com", "warehouse@procase.com", "qa@procase.com"]
    assert [(a["filename"], a["size"]) for a in reply["attachments"]] == [("photo.png", len(PHOTO))]
    session.rollback()
    row = session.scalars(select(OutboxMail).where(OutboxMail.kind == "reply")).one()
    assert (row.cc, row.bcc) == ("warehouse@procase.com,qa@procase.com", "boss@procase.com")


def test_multipart_reply_sends_the_files(
    client: FlaskClient, session: Session, token: str, smtp
) -> None:  # type: ignore[no-untyped-def]
    photo = _photo(session)
    last = session.scalar(select(func.max(Message.id)))
    data = {
        "text": "Label attached.",
        "status": "solved",
        "seen_message_id": str(last),
        "cc": ["warehouse@procase.com", "qa@procase.com, ops@procase.com"],
        "forward_attachment_ids": str(photo.id),
        "attachments": [(io.BytesIO(LABEL), "label.pdf", "application/pdf")],
    }
    response = _form(client, token, data)
    assert response.status_code == 201, response.get_json()
    reply = response.get_json()
    assert [a["filename"] for a in reply["attachments"]] == ["label.pdf", "photo.png"]
    assert reply["to"][1:] == ["warehouse@procase.com", "qa@procase.com", "ops@procase.com"]
    session.rollback()
    assert send_now(session)["sent"] == 2
    (raw,) = [e[2] for e in smtp.envelopes if reply["message_id"].encode() in e[2]]
    sent = email.message_from_bytes(raw, policy=policy.default)
    assert [p.get_payload(decode=True) for p in sent.iter_attachments()] == [LABEL, PHOTO]
    assert sent["Cc"] is not None and "ops@procase.com" in sent["Cc"]


def test_files_over_the_limits_answer_413(
    web_app: Flask, client: FlaskClient, session: Session, token: str
) -> None:
    web_app.config.update(REPLY_MAX_FILE_BYTES=1500, REPLY_MAX_BYTES=2000)

    def big() -> dict[str, Any]:
        return {"text": "x", "attachments": [(io.BytesIO(LABEL), "label.pdf", "application/pdf")]}

    response = _form(client, token, big())
    assert response.status_code == 413
    assert response.get_json()["error"].startswith("The file 'label.pdf' is 7.5 KB: at most 1.5 KB")
    two = [(io.BytesIO(PHOTO), f"p{i}.png", "image/png") for i in range(2)]
    response = _form(client, token, {"text": "x", "attachments": two})
    assert response.status_code == 413 and "in one mail" in response.get_json()["error"]
    many = [(io.BytesIO(b"x"), f"f{i}.txt", "text/plain") for i in range(21)]
    response = _form(client, token, {"text": "x", "attachments": many})
    assert response.status_code == 413 and "At most 20 files" in response.get_json()["error"]
    web_app.config.update(MAX_CONTENT_LENGTH=4000)
    response = _form(client, token, big())
    assert response.status_code == 413 and response.is_json
    assert "too large to send" in response.get_json()["error"]
    assert _replies(session) == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": "x", "cc": "a@example.com\r\nBcc: b@example.com"}, "cc"),
        ({"text": "x", "bcc": "not an address"}, "bcc"),
        ({"text": "x", "cc": [f"p{i}@example.com" for i in range(11)]}, "cc"),
        ({"text": "x", "forward_attachment_ids": "abc"}, "forward_attachment_ids"),
        ({"text": "x", "forward_attachment_ids": "99999999999"}, "forward_attachment_ids"),
        ({"text": "x", "seen_message_id": "abc"}, "seen_message_id"),
        ({"text": "x", "colour": "red"}, "colour"),
        ({"text": ["x", "y"]}, "text"),
        ({"text": "x", "files": (io.BytesIO(b"x"), "x.txt")}, "files"),
    ],
)
def test_bad_form_input_is_a_400_naming_the_field(
    client: FlaskClient, session: Session, token: str, data: dict[str, Any], field: str
) -> None:
    response = _form(client, token, data)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == field
    assert _replies(session) == 0


def test_bad_json_copies_and_foreign_attachments_are_refused(
    client: FlaskClient, session: Session, token: str
) -> None:
    ingest(
        session,
        make_mail(
            subject="Other", sender="bob@example.com", attachments=[("b.txt", "text/plain", b"b")]
        ),
    )
    other = session.scalars(select(Attachment).where(Attachment.filename == "b.txt")).one()
    for body, field in [
        ({"text": "x", "forward_attachment_ids": [other.id]}, "forward_attachment_ids"),
        ({"text": "x", "forward_attachment_ids": [True]}, "forward_attachment_ids"),
        ({"text": "x", "forward_attachment_ids": 5}, "forward_attachment_ids"),
        ({"text": "x", "cc": [1]}, "cc"),
        ({"text": "x", "cc": "a\x00@example.com"}, None),  # NUL: refused before the view
    ]:
        response = client.post(URL, json=body, headers=bearer(token))
        assert response.status_code == 400, body
        if field:
            assert response.get_json()["field"] == field, body
    assert _replies(session) == 0
