"""Starting a conversation: an agent writes to a customer first (web and API alike).

Functions take explicit arguments and never commit; the caller owns the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.orm import Session

from helpdesk.categories import categorize, find_order_number, load_rules
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import EventKind, OutboxKind, Ticket, User, utcnow
from helpdesk.outbox.addresses import AddressError, parse_addresses
from helpdesk.outbox.files import FileError, FileLimits, OutgoingFile, Upload, prepare_files
from helpdesk.outbox.services import queue_reply_message
from helpdesk.replies.errors import ReplyError
from helpdesk.replies.services import (
    DEFAULT_REPLY_STATUS,
    REPLY_STATUSES,
    signed_text,
    template_reply_text,
)
from helpdesk.tickets.services import (
    change_field,
    change_status,
    create_ticket,
    get_or_create_customer,
    record_event,
)

# The subject the agent types; the [#N] token goes before it and the mail's subject stays
# within outbox.services.MAX_SUBJECT (250).
MAX_SUBJECT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
STARTED = "new conversation: the agent wrote first"


def recipient(value: str, identity: MailIdentity, field: str = "to") -> str:
    """`value` as the address to write to; ReplyError naming `field` when it is not one
    plain address, or is our own support address (the mail would come back as a ticket)."""
    try:
        found = parse_addresses([value], field, limit=len(value))
    except AddressError as exc:
        raise ReplyError(str(exc), field) from None
    if len(found) > 1:
        raise ReplyError("Give one plain address, like name@example.com.", field)
    if not found:
        raise ReplyError("Give an email address.", field)
    address = found[0]
    if address == identity.support_address:
        raise ReplyError("That is the support address itself: write to someone else.", field)
    return address


def mail_subject(value: str) -> str:
    """A subject an agent typed, checked: one line, not empty, at most MAX_SUBJECT."""
    subject = value.strip()
    if not subject:
        raise ReplyError("Give the mail a subject.", "subject")
    if _CONTROL.search(subject):
        raise ReplyError("The subject must be one line without control characters.", "subject")
    if len(subject) > MAX_SUBJECT:
        raise ReplyError(f"The subject has at most {MAX_SUBJECT} characters.", "subject")
    return subject


def upload_files(
    session: Session, uploads: Sequence[Upload], limits: FileLimits | None, text: str
) -> list[OutgoingFile]:
    """The agent's `uploads` stored to send with `text`; ReplyError (413 when too large)."""
    if not uploads:
        return []
    if limits is None:
        raise ValueError("files need their limits")
    try:
        return prepare_files(session, uploads, [], limits, text)
    except FileError as exc:
        raise ReplyError(str(exc), exc.field, exc.status) from None


def start_conversation(
    session: Session,
    *,
    author: User,
    to: str,
    subject: str,
    text: str,
    identity: MailIdentity,
    order_pattern: str,
    template_key: str | None = None,
    status: str = DEFAULT_REPLY_STATUS,
    signature: str = "",
    uploads: Sequence[Upload] = (),
    limits: FileLimits | None = None,
) -> Ticket:
    """A new ticket for the customer at `to`, opened by the agent's mail to them.

    The ticket is categorized by the subject as an inbound one is, assigned to `author` and
    left in `status` (waiting on the customer by default). The mail goes through the outbox
    From the support address with the ticket's [#N] token and its own Message-ID, so the
    customer's answer threads into the ticket. An empty `text` with `template_key` sends
    that template rendered for the new ticket. `uploads` are sent as files within
    `limits` (ReplyError with status 413 when over). No acknowledgement is sent.
    """
    address = recipient(to, identity)
    subject = mail_subject(subject)
    if status not in REPLY_STATUSES:
        raise ReplyError(f"Unknown status {status!r}.", "status")
    if not text.strip() and not template_key:
        raise ReplyError("Write a message before sending it.", "text")
    customer = get_or_create_customer(session, address)
    ticket = create_ticket(
        session,
        customer=customer,
        subject=subject,
        category=categorize(subject, load_rules(session)),
        order_number=find_order_number(f"{subject}\n{text}", order_pattern),
        actor_id=author.id,
        reason=STARTED,
    )
    session.flush()  # the template reads the ticket's saved checks by its id
    if not text.strip() and template_key:
        text = template_reply_text(
            session, ticket, template_key, agent_name=author.name, store_name=identity.store_name
        )
    text = signed_text(text, signature, "message")
    queue_reply_message(
        session,
        ticket,
        kind=OutboxKind.REPLY,
        from_address=identity.support_address,
        from_name=author.name,
        to_address=address,
        subject=subject,
        text=text,
        message_id_domain=identity.message_id_domain,
        parent_id=None,
        automatic=False,
        author_id=author.id,
        files=upload_files(session, uploads, limits, text),
    )
    now = utcnow()
    detail = f"template {template_key}" if template_key else None
    record_event(session, ticket, EventKind.REPLY, actor_id=author.id, detail=detail, at=now)
    change_field(session, ticket, "assignee_id", author.id, actor_id=author.id)
    change_status(session, ticket, status, actor_id=author.id, detail="reply sent")
    ticket.first_response_at = now
    ticket.first_responder_id = author.id
    return ticket
