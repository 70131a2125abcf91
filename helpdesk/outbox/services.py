"""Queueing outgoing mail (called inside the transaction that causes it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.models import Message, OutboxMail, Ticket, utcnow
from helpdesk.outbox.files import OutgoingFile, attach_files
from helpdesk.tickets.services import add_message

MAX_REFERENCES = 20
# Subjects we send (acknowledgements, replies): a longer one is cut, ending in "…". The whole
# subject the customer wrote stays on their message.
MAX_SUBJECT = 250


def new_message_id(domain: str) -> str:
    """A globally unique Message-ID (without angle brackets)."""
    return f"{uuid.uuid4().hex}@{domain}"


def shorten(text: str, limit: int) -> str:
    """`text`, cut to at most `limit` characters ending in "…" when longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def with_token(subject: str, number: int) -> str:
    """The subject with the ticket's [#N] token, at most MAX_SUBJECT characters."""
    token = f"[#{number}]"
    if token not in subject[: MAX_SUBJECT - 1]:
        subject = f"{token} {subject}".strip()
    return shorten(subject, MAX_SUBJECT)


def queue_mail(
    session: Session,
    *,
    ticket: Ticket | None,
    kind: str,
    from_address: str,
    to_address: str,
    subject: str,
    text: str,
    message_id_domain: str,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    auto_submitted: str | None = None,
    message: Message | None = None,
    message_id: str | None = None,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    files: Sequence[OutgoingFile] = (),
    token: bool = True,
    not_before: datetime | None = None,
) -> OutboxMail:
    """Add an outbox row; its Message-ID is fixed now (or given) and reused on every retry.

    `cc` and `bcc` are addresses already validated (helpdesk.outbox.addresses). `files`
    (helpdesk.outbox.files) are attached to `message`, which they need: the sender sends
    the attachments of the row's message, so the ticket shows what was sent. The subject
    gets the ticket's [#N] token unless `token` is False (mail to staff); the row is not
    sent before `not_before` (default: now).
    """
    if files:
        if message is None:
            raise ValueError("files are sent as the attachments of a message: give message")
        attach_files(session, message, files)
    mail = OutboxMail(
        ticket=ticket,
        message=message,
        kind=kind,
        message_id=message_id or new_message_id(message_id_domain),
        from_address=from_address,
        to_address=to_address,
        cc=",".join(cc),
        bcc=",".join(bcc),
        subject=(
            with_token(subject, ticket.number)
            if ticket is not None and token
            else shorten(subject, MAX_SUBJECT)
        ),
        text=text,
        in_reply_to=in_reply_to,
        references=" ".join(references or []),
        auto_submitted=auto_submitted,
        status="queued",
        next_attempt_at=not_before or utcnow(),
    )
    session.add(mail)
    return mail


def queue_reply_message(
    session: Session,
    ticket: Ticket,
    *,
    kind: str,
    from_address: str,
    from_name: str,
    to_address: str,
    subject: str,
    text: str,
    message_id_domain: str,
    parent_id: str | None,
    parent_references: Sequence[str] = (),
    automatic: bool,
    auto_submitted: str | None = None,
    author_id: int | None = None,
    at: datetime | None = None,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    files: Sequence[OutgoingFile] = (),
) -> Message:
    """An outbound Message and its OutboxMail row, threaded under `parent_id`.

    In-Reply-To is the parent's Message-ID; References are the parent's plus the parent
    (the last 20). Both share one Message-ID and are added in the caller's transaction.
    The message's recipients are To and Cc (so Cc'd people may reply into the ticket);
    Bcc is kept on the outbox row only. `files` become the message's attachments.
    """
    references = [*parent_references, parent_id] if parent_id else list(parent_references)
    references = references[-MAX_REFERENCES:]
    message_id = new_message_id(message_id_domain)
    subject = with_token(subject, ticket.number)
    outbound = add_message(
        session,
        ticket,
        at=at,
        direction="outbound",
        message_id=message_id,
        in_reply_to=parent_id or "",
        references=" ".join(references),
        sender=from_address,
        sender_name=from_name,
        recipients=",".join([to_address, *cc]),
        subject=subject,
        date=utcnow(),
        text=text,
        automatic=automatic,
        author_id=author_id,
    )
    queue_mail(
        session,
        ticket=ticket,
        kind=kind,
        from_address=from_address,
        to_address=to_address,
        subject=subject,
        text=text,
        message_id_domain=message_id_domain,
        in_reply_to=parent_id,
        references=references,
        auto_submitted=auto_submitted,
        message=outbound,
        message_id=message_id,
        cc=cc,
        bcc=bcc,
        files=files,
    )
    return outbound
