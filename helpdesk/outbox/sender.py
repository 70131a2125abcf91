"""Sending queued mail through SMTP with flask-mail, at most once per outbox row.

A row is claimed (queued -> sending) in its own committed transaction before
the SMTP conversation starts, so two senders never send the same row. A row
left in `sending` by a crash is never resent blindly: after a grace period it
becomes `failed` with a note, where an agent sees it and decides.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import Flask
from flask_mail import Message as MailMessage
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from helpdesk.extensions import mail as mail_ext
from helpdesk.mailauth import OAuthFailure, TokenSource, mail_tokens
from helpdesk.mailauth.smtp import xoauth2_login
from helpdesk.mailidentity import from_header, from_name
from helpdesk.models import Attachment, OutboxMail, OutboxStatus, utcnow
from helpdesk.outbox.files import clean_content_type, load_files

STALE_SENDING = timedelta(minutes=10)
BLOCKED_PAUSE = timedelta(minutes=1)  # after the mailbox refused us: no try sooner
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


@dataclass(frozen=True)
class SenderSettings:
    """What sending needs from the app, built at the edge (command, demo) by `from_app`."""

    max_attempts: int = 8
    oauth_user: str = ""  # the SMTP login when `tokens` is set
    tokens: TokenSource | None = None  # MAIL_AUTH=oauth2: XOAUTH2 with these tokens
    from_name: str = ""  # the display name on every mail's From (HELPDESK_FROM_NAME)

    @classmethod
    def from_app(cls, app: Flask) -> SenderSettings:
        config = app.config
        oauth = config.get("MAIL_AUTH") == "oauth2"
        return cls(
            max_attempts=int(config.get("OUTBOX_MAX_ATTEMPTS", 8)),
            oauth_user=str(config.get("MAIL_USERNAME") or config.get("IMAP_USERNAME") or ""),
            tokens=mail_tokens(app) if oauth else None,
            from_name=from_name(config),
        )


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


def backoff(attempts: int) -> timedelta:
    return timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def build_message(
    row: OutboxMail,
    display_name: str = "",
    files: Sequence[tuple[Attachment, bytes]] = (),
) -> MailMessage:
    """The mail for an outbox row, From `display_name <row's address>`: text/plain, or
    multipart/mixed with the text first and then `files` (its message's attachments,
    `load_files`). Cc goes in the header; Bcc only in the envelope."""
    headers = {}
    if row.in_reply_to:
        headers["In-Reply-To"] = f"<{row.in_reply_to}>"
    if row.references:
        headers["References"] = " ".join(f"<{ref}>" for ref in row.references.split())
    if row.auto_submitted:
        headers["Auto-Submitted"] = row.auto_submitted
        headers["X-Auto-Response-Suppress"] = "All"
    message = MailMessage(
        subject=row.subject,
        recipients=[row.to_address],
        cc=_addresses(row.cc),
        bcc=_addresses(row.bcc),
        body=row.text,
        sender=from_header(display_name, row.from_address),
        extra_headers=headers,
    )
    for attachment, data in files:
        message.attach(attachment.filename, clean_content_type(attachment.content_type), data)
    message.msgId = f"<{row.message_id}>"
    return message


def _addresses(value: str) -> list[str | tuple[str, str]]:
    return [address for address in value.split(",") if address]


def _classify(error: Exception) -> Exception:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            return PermanentFailure(f"recipient refused: {error.recipients}")
        return TemporaryFailure(f"recipient refused for now: {error.recipients}")
    if isinstance(error, smtplib.SMTPResponseException):
        text = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        if 500 <= error.smtp_code < 600:
            return PermanentFailure(f"{error.smtp_code} {text}")
        return TemporaryFailure(f"{error.smtp_code} {text}")
    return TemporaryFailure(f"{type(error).__name__}: {error}")


def fail_stale(session: Session) -> int:
    """Rows stuck in `sending` (a sender died mid-send) become failed, never resent blindly."""
    cutoff = utcnow() - STALE_SENDING
    result = session.execute(
        update(OutboxMail)
        .where(OutboxMail.status == OutboxStatus.SENDING, OutboxMail.claimed_at < cutoff)
        .values(
            status=OutboxStatus.FAILED,
            last_error="interrupted while sending: delivery unknown, check before retrying",
        )
    )
    session.commit()
    return cast("CursorResult[Any]", result).rowcount or 0


def claim_due(session: Session, limit: int = 50, now: datetime | None = None) -> list[int]:
    """Claim due rows for this sender; each claim is committed before anything is sent.

    `now` (default: the clock) decides what is due: tests pass a later one to send what
    is held (notifications wait NOTIFY_GROUP_SECONDS)."""
    now = now or utcnow()
    ids = session.scalars(
        select(OutboxMail.id)
        .where(OutboxMail.status == OutboxStatus.QUEUED, OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.id)
        .limit(limit)
    ).all()
    session.commit()  # never sit in a transaction (on SQLite: the write lock) while idle
    claimed = []
    for row_id in ids:
        result = session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == row_id, OutboxMail.status == OutboxStatus.QUEUED)
            .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMail.attempts + 1)
        )
        session.commit()
        if cast("CursorResult[Any]", result).rowcount == 1:
            claimed.append(row_id)
    return claimed


def _finish(session: Session, row: OutboxMail, error: Exception | None, max_attempts: int) -> None:
    if error is None:
        row.status, row.sent_at, row.last_error = OutboxStatus.SENT, utcnow(), None
    elif isinstance(error, PermanentFailure) or row.attempts >= max_attempts:
        row.status, row.last_error = OutboxStatus.FAILED, str(error)[:2000]
    else:
        row.status, row.last_error = OutboxStatus.QUEUED, str(error)[:2000]
        row.next_attempt_at = utcnow() + backoff(row.attempts)
    session.commit()


def _release(session: Session, row_ids: list[int], error: OAuthFailure) -> None:
    """Claimed rows go back to the queue untried (the try is not counted): the mailbox
    refused us, not the mail. They wait BLOCKED_PAUSE, showing why."""
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(row_ids), OutboxMail.status == OutboxStatus.SENDING)
        .values(
            status=OutboxStatus.QUEUED,
            attempts=OutboxMail.attempts - 1,
            next_attempt_at=utcnow() + BLOCKED_PAUSE,
            last_error=str(error)[:2000],
        )
    )
    session.commit()


def _open(settings: SenderSettings) -> object:
    """A flask-mail connection, authenticated with XOAUTH2 when the settings hold tokens."""
    connection = mail_ext.connect().__enter__()
    if settings.tokens is not None:
        try:
            assert connection.host is not None  # connect() opened it
            xoauth2_login(connection.host, settings.oauth_user, settings.tokens)
        except BaseException:
            _drop(connection)
            raise
    return connection


def send_due(
    session: Session, settings: SenderSettings, limit: int = 50, now: datetime | None = None
) -> dict[str, int]:
    """Send what is due at `now` (default: the clock); returns counts by outcome.

    Raises OAuthFailure when the mailbox refuses our OAuth login (the rows claimed are
    put back untried)."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "stale": fail_stale(session)}
    claimed = claim_due(session, limit, now)
    if not claimed:
        return counts
    connection: Any = None
    try:
        for number, row_id in enumerate(claimed):
            error: Exception | None = None
            try:
                if connection is None:
                    # before the row is read: no transaction is held while tokens are fetched
                    # (and stored, on another connection)
                    connection = _open(settings)
                row = _claimed_row(session, row_id)
                files = load_files(session, row.message_pk)
                connection.send(build_message(row, settings.from_name, files))
            except OAuthFailure as exc:
                session.rollback()
                _release(session, claimed[number:], exc)
                raise
            except (TimeoutError, smtplib.SMTPException, OSError) as exc:
                error = _classify(exc)
                _drop(connection)
                connection = None
            row = _claimed_row(session, row_id)
            _finish(session, row, error, settings.max_attempts)
            if error is None:
                counts["sent"] += 1
            elif row.status == OutboxStatus.FAILED:
                counts["failed"] += 1
            else:
                counts["retry"] += 1
    finally:
        _drop(connection)
    return counts


def _claimed_row(session: Session, row_id: int) -> OutboxMail:
    row = session.get(OutboxMail, row_id)
    assert row is not None
    return row


def _drop(connection: object | None) -> None:
    host = getattr(connection, "host", None)
    if host is not None:
        try:
            host.quit()
        except (smtplib.SMTPException, OSError):
            host.close()
    return None


def retry(session: Session, row: OutboxMail) -> None:
    """An agent asks to try a failed row again (a fresh claim, same Message-ID)."""
    if row.status != OutboxStatus.FAILED:
        return
    row.status, row.next_attempt_at, row.attempts = OutboxStatus.QUEUED, utcnow(), 0
