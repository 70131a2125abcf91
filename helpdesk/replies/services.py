"""Agents' replies and internal notes: the one write path for them (web and API).

Functions take explicit arguments and never commit; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.acks import ack_subject
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import (
    Attachment,
    Direction,
    EventKind,
    Message,
    OutboxKind,
    OutboxMail,
    OutboxStatus,
    ReplyTemplate,
    Status,
    Ticket,
    User,
    utcnow,
)
from helpdesk.models.vocabulary import CONVERSATION, RESOLVED
from helpdesk.outbox import sender
from helpdesk.outbox.addresses import AddressError, parse_addresses
from helpdesk.outbox.files import (
    FileError,
    FileLimits,
    OutgoingFile,
    Upload,
    prepare_files,
    ticket_attachments,
)
from helpdesk.outbox.services import queue_reply_message
from helpdesk.policy_panel.services import saved_check
from helpdesk.replies.errors import NewMessagesSince, ReplyError, TemplateProblem
from helpdesk.replies.rendering import render_for_ticket, uses_verdict
from helpdesk.replies.sandbox import MAX_TEXT
from helpdesk.tickets.services import add_message, change_status, record_event

# The statuses a reply may leave its ticket in, as the composer offers them.
REPLY_STATUSES: tuple[str, ...] = (Status.PENDING, Status.OPEN, *RESOLVED)
DEFAULT_REPLY_STATUS = Status.PENDING
# The reply's fields that hold several values (API): addresses, attachments to forward.
REPLY_LISTS: tuple[str, ...] = ("cc", "bcc", "forward_attachment_ids")


def newer_inbound(session: Session, ticket: Ticket, seen_message_id: int | None) -> list[Message]:
    """Mail from people on the ticket that arrived after message `seen_message_id`."""
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.ticket_id == ticket.id,
                Message.direction == Direction.INBOUND,
                Message.automatic.is_(False),
                Message.id > (seen_message_id or 0),
            )
            .order_by(Message.id)
        )
    )


def newer_from_colleagues(
    session: Session, ticket: Ticket, seen_message_id: int | None, author_id: int
) -> list[Message]:
    """Replies and internal notes other agents wrote after message `seen_message_id`."""
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.ticket_id == ticket.id,
                Message.direction.in_((Direction.OUTBOUND, Direction.NOTE)),
                Message.author_id.is_not(None),
                Message.author_id != author_id,
                Message.id > (seen_message_id or 0),
            )
            .order_by(Message.id)
        )
    )


def reply_parent(session: Session, ticket: Ticket) -> Message | None:
    """The message a reply threads under: the latest inbound mail, else the latest mail of
    the customer's conversation (never a note, a forward or its answer)."""
    base = select(Message).where(
        Message.ticket_id == ticket.id,
        Message.message_id.is_not(None),
        Message.direction.in_(CONVERSATION),
        Message.delivery_failure.is_(False),
    )
    inbound = (
        base.where(Message.direction == Direction.INBOUND).order_by(Message.id.desc()).limit(1)
    )
    return session.scalar(inbound) or session.scalar(base.order_by(Message.id.desc()).limit(1))


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return text.rstrip() + "\n" if text.strip() else ""


SIGNATURE_SEPARATOR = "-- "  # RFC 3676: mail readers fold or grey what follows this line


def with_signature(text: str, signature: str) -> str:
    """`text` (cleaned) with the agent's `signature` after a "-- " line; unchanged when there
    is no signature or the text already ends with it (pasted, or kept from a draft)."""
    signature = _clean(signature)
    if not signature or text.rstrip().endswith(signature.rstrip()):
        return text
    return f"{text}\n{SIGNATURE_SEPARATOR}\n{signature}"


def signed_text(text: str, signature: str, what: str = "reply") -> str:
    """The text of a mail an agent sends (`what`: a reply, a message), cleaned and signed;
    ReplyError (field "text") when it is empty or longer than MAX_TEXT."""
    text = _clean(text)
    if not text:
        raise ReplyError(f"Write a {what} before sending it.", "text")
    text = with_signature(text, signature)
    if len(text) > MAX_TEXT:
        raise ReplyError(f"The {what} is too long.", "text")
    return text


def send_reply(
    session: Session,
    ticket: Ticket,
    *,
    author: User,
    text: str,
    seen_message_id: int | None,
    identity: MailIdentity,
    status: str = DEFAULT_REPLY_STATUS,
    template_key: str | None = None,
    signature: str = "",
    check_colleagues: bool = False,
    files: ReplyFiles | None = None,
    cc: Sequence[str] | None = None,
    bcc: Sequence[str] = (),
) -> Message:
    """Queue the agent's reply to the customer, threaded, and set the ticket's status.

    `signature` (the author's, from their profile) goes under the text after "-- ", in the
    mail and in the stored message alike. `files`: uploads and attachments of the ticket
    to forward, within its limits (else ReplyError with status 413). `cc` and `bcc`: the
    addresses as typed (each value may hold several; ReplyError when one is not valid).
    The Cc'd become the ticket's recipients (`ticket.cc`): their mail threads into it and
    the next reply Cc's them by default; `cc` None keeps them as they are.

    Raises NewMessagesSince (sending nothing) when the customer wrote after message
    `seen_message_id`, so the agent reads it first; with `check_colleagues` (the web
    composer) also when another agent replied or added a note after it.
    """
    text = signed_text(text, signature)
    if status not in REPLY_STATUSES:
        raise ReplyError(f"Unknown status {status!r}.", "status")
    if ticket.status == Status.SPAM:
        raise ReplyError("This ticket is spam: mark it as not spam before replying.", "status")
    template = _template(session, template_key) if template_key else None
    if template_key and template is None:
        raise ReplyError(f"There is no reply template {template_key!r}.", "template")
    copies = _copies(
        [ticket.cc] if cc is None else cc, bcc, ticket.customer.email, identity.support_address
    )
    # Wait for a mail being ingested for this ticket right now (PostgreSQL row lock).
    session.execute(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    newer = newer_inbound(session, ticket, seen_message_id)
    if check_colleagues:
        newer += newer_from_colleagues(session, ticket, seen_message_id, author.id)
    if newer:
        newer.sort(key=lambda m: m.id)
        raise NewMessagesSince(newer)
    outgoing = _files(session, ticket, files, text) if files else []
    parent = reply_parent(session, ticket)
    message = queue_reply_message(
        session,
        ticket,
        kind=OutboxKind.REPLY,
        from_address=identity.support_address,
        from_name=author.name,
        to_address=ticket.customer.email,
        subject=ack_subject(ticket.subject),
        text=text,
        message_id_domain=identity.message_id_domain,
        parent_id=parent.message_id if parent else None,
        parent_references=parent.references.split() if parent else (),
        automatic=False,
        author_id=author.id,
        cc=copies[0],
        bcc=copies[1],
        files=outgoing,
    )
    ticket.cc = ",".join(copies[0])
    now = utcnow()
    record_event(
        session,
        ticket,
        EventKind.REPLY,
        actor_id=author.id,
        detail=f"template {template_key}" if template_key else None,
        at=now,
    )
    change_status(session, ticket, status, actor_id=author.id, detail="reply sent")
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        ticket.first_responder_id = author.id
    if template is not None:
        _mark_applied(session, ticket, template)
    return message


@dataclass(frozen=True)
class ReplyFiles:
    """Files for a reply: new `uploads`, and ids of the ticket's attachments to forward."""

    limits: FileLimits
    uploads: Sequence[Upload] = ()
    forward_ids: Sequence[int] = ()


def _files(session: Session, ticket: Ticket, files: ReplyFiles, text: str) -> list[OutgoingFile]:
    try:
        forwarded = ticket_attachments(session, ticket.id, files.forward_ids)
        return prepare_files(session, files.uploads, forwarded, files.limits, text)
    except FileError as exc:
        raise ReplyError(str(exc), exc.field, exc.status) from None


def _copies(
    cc: Sequence[str], bcc: Sequence[str], customer: str, support: str
) -> tuple[list[str], list[str]]:
    """The Cc and Bcc addresses, validated (ReplyError naming the field). The customer
    (the mail's To) is left out of them; the support address is refused (our own mail
    would come back into the mailbox)."""
    try:
        copies = parse_addresses(cc, "cc"), parse_addresses(bcc, "bcc")
    except AddressError as exc:
        raise ReplyError(str(exc), exc.field) from None
    for field, addresses in zip(("cc", "bcc"), copies, strict=True):
        if support.lower() in addresses:
            raise ReplyError(
                f"{field.capitalize()} cannot hold the support address {support}.", field
            )
    to = customer.lower()
    return [a for a in copies[0] if a != to], [a for a in copies[1] if a != to]


def template_reply_text(
    session: Session, ticket: Ticket, key: str, *, agent_name: str, store_name: str
) -> str:
    """The active template `key` rendered for `ticket` with its latest saved verdict, as the
    composer fills it in; ReplyError (field "template") when there is no such active
    template or it cannot be rendered."""
    template = _template(session, key)
    if template is None or not template.active:
        raise ReplyError(f"There is no active reply template {key!r}.", "template")
    latest = saved_check(session, ticket)
    verdict = None if latest is None else latest.saved_verdict
    try:
        return render_for_ticket(
            template, ticket, verdict, agent_name=agent_name, store_name=store_name
        )
    except TemplateProblem as exc:
        raise ReplyError(f"The template {key!r} cannot be used: {exc}", "template") from None


def _template(session: Session, key: str) -> ReplyTemplate | None:
    return session.scalar(select(ReplyTemplate).where(ReplyTemplate.key == key))


def _mark_applied(session: Session, ticket: Ticket, template: ReplyTemplate) -> None:
    latest = saved_check(session, ticket)
    if latest is not None and uses_verdict(template, latest.verdict):
        assert latest.check is not None
        latest.check.applied = True


def add_note(session: Session, ticket: Ticket, *, author: User, text: str) -> Message:
    """An internal note on the ticket: seen by agents, never emailed."""
    text = _clean(text)
    if not text:
        raise ReplyError("Write a note before adding it.", "text")
    if len(text) > MAX_TEXT:
        raise ReplyError("The note is too long.", "text")
    note = add_message(
        session,
        ticket,
        direction=Direction.NOTE,
        sender=author.email,
        sender_name=author.name,
        date=utcnow(),
        text=text,
        author_id=author.id,
    )
    record_event(session, ticket, EventKind.NOTE, actor_id=author.id)
    return note


def inbound_attachments(session: Session, ticket: Ticket) -> list[Attachment]:
    """The attachments of the customers' mail on the ticket, oldest first (to forward)."""
    return list(
        session.scalars(
            select(Attachment)
            .join(Message, Message.id == Attachment.message_pk)
            .where(Message.ticket_id == ticket.id, Message.direction == Direction.INBOUND)
            .order_by(Message.created_at, Message.id, Attachment.id)
        )
    )


def last_message_id(session: Session, ticket: Ticket) -> int | None:
    """The newest message's id: what an agent has seen when replying (see NewMessagesSince)."""
    return session.scalar(select(func.max(Message.id)).where(Message.ticket_id == ticket.id))


def retry_mail(session: Session, row: OutboxMail, *, actor_id: int | None) -> bool:
    """Queue a failed outbox row again (same Message-ID); False if it had not failed."""
    if row.status != OutboxStatus.FAILED:
        return False
    sender.retry(session, row)
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    if ticket is not None:
        record_event(session, ticket, EventKind.MAIL_RETRY, actor_id=actor_id, detail=row.kind)
    return True
