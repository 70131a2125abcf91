"""Forwarding a ticket, or one message of it, to someone else (the warehouse, a supplier).

The agent's note comes first, then the customer's conversation (or the one message)
quoted, oldest first, with its attachments as files (helpdesk/outbox/files.py). The mail
goes From the support address with the ticket's [#N] token and its own Message-ID, so the
answer threads into the ticket; it is internal mail (Direction.FORWARD) and the answer
too (Direction.FWD_REPLY, mail_ingest/route.py): neither is the customer's conversation.

Functions take explicit arguments and never commit; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpdesk.conversations.services import recipient
from helpdesk.mailidentity import MailIdentity, from_header
from helpdesk.models import Direction, EventKind, Message, OutboxKind, Ticket, User, utcnow
from helpdesk.models.vocabulary import CONVERSATION
from helpdesk.outbox.files import (
    FileLimitError,
    FileLimits,
    OutgoingFile,
    check_files,
    from_attachment,
)
from helpdesk.outbox.services import new_message_id, queue_mail, with_token
from helpdesk.replies.errors import ReplyError
from helpdesk.replies.services import signed_text
from helpdesk.tickets.services import add_message, record_event

QUOTE_HEADER = "---------- Forwarded message ----------"


def forwardable(session: Session, ticket: Ticket, message_id: int | None) -> list[Message]:
    """The messages a forward quotes: the one `message_id` (of the customer's conversation),
    else the whole conversation without automatic mail (acknowledgements, auto-replies)."""
    stmt = (
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.direction.in_(CONVERSATION))
        .options(selectinload(Message.attachments))
        .order_by(Message.created_at, Message.id)
    )
    if message_id is not None:
        found = list(session.scalars(stmt.where(Message.id == message_id)))
        if not found:
            raise ReplyError(
                f"Message {message_id} is not a customer's mail or a reply on #{ticket.number}.",
                "message_id",
            )
        return found
    found = list(session.scalars(stmt.where(Message.automatic.is_(False))))
    if not found:
        raise ReplyError(f"#{ticket.number} has no conversation to forward yet.", "message_id")
    return found


def quoted(messages: Sequence[Message]) -> str:
    """The messages as a mail client quotes a forward: a header block, then the text."""
    blocks = []
    for m in messages:
        lines = [
            QUOTE_HEADER,
            f"From: {from_header(m.sender_name, m.sender) or '(unknown)'}",
            f"Date: {format_datetime(m.date or m.created_at)}",
            f"Subject: {m.subject}",
        ]
        if m.recipients:
            lines.append(f"To: {m.recipients.replace(',', ', ')}")
        blocks.append("\n".join(lines) + "\n\n" + (m.text or "").strip("\n") + "\n")
    return "\n".join(blocks)


def _files(messages: Sequence[Message], limits: FileLimits, text: str) -> list[OutgoingFile]:
    """The messages' attachments (not inline images), each stored file once."""
    files: dict[str, OutgoingFile] = {}
    for m in messages:
        for a in m.attachments:
            if not a.inline:
                files.setdefault(a.sha256, from_attachment(a))
    try:
        check_files([(f.filename, f.size) for f in files.values()], limits, len(text.encode()))
    except FileLimitError as exc:
        message = f"{exc} Forward one message at a time instead."
        raise ReplyError(message, "attachments", exc.status) from None
    return list(files.values())


def forward(
    session: Session,
    ticket: Ticket,
    *,
    author: User,
    to: str,
    note: str,
    identity: MailIdentity,
    limits: FileLimits,
    message_id: int | None = None,
    signature: str = "",
) -> Message:
    """Forward the ticket's conversation (or message `message_id`) to `to` with the agent's
    `note` (signed like a reply) above it; the internal FORWARD message it records.

    The ticket's status, waiting time and first response do not change: nobody answered
    the customer. ReplyError names the field when something cannot be sent."""
    address = recipient(to, identity)
    messages = forwardable(session, ticket, message_id)
    head = signed_text(note, signature, "note") if note.strip() else ""
    text = f"{head}\n{quoted(messages)}" if head else quoted(messages)
    files = _files(messages, limits, text)
    subject = with_token(f"Fwd: {ticket.subject}", ticket.number)
    # Its own Message-ID: the answer's In-Reply-To finds the ticket (and says it is internal).
    mail_id = new_message_id(identity.message_id_domain)
    message = add_message(
        session,
        ticket,
        direction=Direction.FORWARD,
        message_id=mail_id,
        sender=identity.support_address,
        sender_name=author.name,
        recipients=address,
        subject=subject,
        date=utcnow(),
        text=text,
        author_id=author.id,
    )
    queue_mail(
        session,
        ticket=ticket,
        kind=OutboxKind.FORWARD,
        from_address=identity.support_address,
        to_address=address,
        subject=subject,
        text=text,
        message_id_domain=identity.message_id_domain,
        message=message,
        message_id=mail_id,
        files=files,
    )
    which = f"message {message_id} " if message_id is not None else ""
    record_event(
        session, ticket, EventKind.FORWARD, actor_id=author.id, detail=f"{which}to {address}"
    )
    return message
