"""The outbox against a real SMTP server: threading headers, retries, never twice."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk.models import OutboxMail, utcnow
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now


def _queue_ack(session: Session) -> OutboxMail:
    ingest(
        session,
        make_mail(
            subject="Where is my order?",
            message_id="q1@example.com",
            references=["older@example.com"],
        ),
    )
    return session.scalars(select(OutboxMail)).one()


def _make_due(session: Session) -> None:
    session.execute(update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()


def test_ack_is_sent_once_with_threading_headers(session: Session, smtp) -> None:  # type: ignore[no-untyped-def]
    row = _queue_ack(session)
    assert send_now(session)["sent"] == 1
    assert send_now(session)["sent"] == 0
    (raw,) = smtp.wait_for(1)
    sent = email.message_from_bytes(raw, policy=policy.default)
    assert sent["Message-ID"] == f"<{row.message_id}>"
    assert sent["In-Reply-To"] == "<q1@example.com>"
    assert sent["References"] == "<older@example.com> <q1@example.com>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["Subject"].startswith("[#1001] Re: Where is my order?")
    assert sent["To"] == "alice@example.com"
    session.refresh(row)
    assert row.status == "sent" and row.sent_at is not None
    assert len(smtp.messages) == 1


def test_smtp_down_then_back_retries_with_same_message_id(session: Session, smtp) -> None:  # type: ignore[no-untyped-def]
    row = _queue_ack(session)
    smtp.stop()
    counts = send_now(session)
    assert counts["retry"] == 1
    session.refresh(row)
    assert row.status == "queued" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > utcnow()
    assert send_now(session)["sent"] == 0  # not due yet: backoff
    smtp.start()
    _make_due(session)
    assert send_now(session)["sent"] == 1
    (raw,) = smtp.wait_for(1)
    assert f"<{row.message_id}>".encode() in raw


def test_temporary_4xx_is_retried_and_5xx_fails_visibly(session: Session, smtp) -> None:  # type: ignore[no-untyped-def]
    row = _queue_ack(session)
    smtp.set_failure(451, "try later")
    assert send_now(session)["retry"] == 1
    session.refresh(row)
    assert row.status == "queued" and "451" in row.last_error
    smtp.set_failure(550, "no such user")
    _make_due(session)
    assert send_now(session)["failed"] == 1
    session.refresh(row)
    assert row.status == "failed" and "550" in row.last_error
    assert smtp.messages == []


def test_too_many_attempts_fail(session: Session, smtp, app) -> None:  # type: ignore[no-untyped-def]
    row = _queue_ack(session)
    smtp.set_failure(451, "busy")
    for _ in range(app.config["OUTBOX_MAX_ATTEMPTS"]):
        _make_due(session)
        send_now(session)
    session.refresh(row)
    assert row.status == "failed"


def test_row_claimed_by_another_sender_is_not_sent(session: Session, smtp) -> None:  # type: ignore[no-untyped-def]
    row = _queue_ack(session)
    row.status, row.claimed_at = "sending", utcnow()
    session.commit()
    assert send_now(session) == {"sent": 0, "retry": 0, "failed": 0, "stale": 0}
    assert smtp.messages == []


def test_row_left_sending_by_a_crash_becomes_failed_not_resent(session: Session, smtp) -> None:  # type: ignore[no-untyped-def]
    row = _queue_ack(session)
    row.status, row.claimed_at = "sending", utcnow() - timedelta(hours=1)
    session.commit()
    assert send_now(session)["stale"] == 1
    session.refresh(row)
    assert row.status == "failed" and "delivery unknown" in row.last_error
    assert smtp.messages == []


def test_an_idle_sender_holds_no_transaction(app) -> None:  # type: ignore[no-untyped-def]
    from helpdesk.database import writer_session
    from helpdesk.extensions import db

    sender = writer_session(db.engine)
    assert send_now(sender) == {"sent": 0, "retry": 0, "failed": 0, "stale": 0}
    assert not sender.in_transaction()  # on SQLite an open one would block the poller
    sender.close()
