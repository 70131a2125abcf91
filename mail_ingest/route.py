"""From raw bytes to a ticket or a reply: the one write path for incoming mail.

`ingest_raw` runs inside the caller's transaction and never commits; the
caller commits the mail's record together with everything it created.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.acks import AckFacts, ack_subject, ack_text
from helpdesk.blobs import store_blob
from helpdesk.categories import Rule, categorize, find_order_number, ticket_token
from helpdesk.models import Attachment, FetchedMail, Message, Ticket, utcnow
from helpdesk.outbox.services import may_acknowledge, queue_reply_message
from helpdesk.tickets.services import (
    add_message,
    change_status,
    create_ticket,
    get_or_create_customer,
    record_event,
)
from mail_ingest.parse import MailParseError, ParsedMail, parse_mail
from mail_ingest.rules import Context, automatic_reasons
from mail_ingest.settings import IngestSettings

REOPEN_FROM = ("pending", "solved", "closed")


class RouteError(Exception):
    """The mail parsed but cannot be routed (goes to quarantine with this reason)."""


@dataclass(frozen=True)
class MailSource:
    """Where a mail came from: one (mailbox, UIDVALIDITY, UID)."""

    mailbox: str
    uidvalidity: int
    uid: int


def ingest_raw(
    session: Session,
    raw: bytes,
    source: MailSource,
    settings: IngestSettings,
    rules: list[Rule],
) -> FetchedMail:
    """Record one fetched mail and create what it means. Does not commit."""
    sha = hashlib.sha256(raw).hexdigest()
    record = FetchedMail(
        mailbox=source.mailbox,
        uidvalidity=source.uidvalidity,
        uid=source.uid,
        sha256=sha,
        size=len(raw),
        outcome="quarantined",
    )
    try:
        mail = parse_mail(raw)
    except MailParseError as exc:
        return _quarantine(session, record, raw, f"parse error: {exc}")
    record.message_id = (mail.message_id or "")[:998] or None
    duplicate_of, content_key = _lookup_content(session, source.mailbox, mail.message_id, sha)
    if duplicate_of is not None:
        record.outcome, record.reason = "ignored", "duplicate"
        record.ticket_id = duplicate_of.ticket_id
        record.processed_at = utcnow()
        session.add(record)
        return record
    record.content_key = content_key
    record.raw_sha256 = store_blob(session, raw, sha)
    try:
        _route(session, record, mail, settings, rules)  # RouteError comes before any write
    except RouteError as exc:
        record.content_key = None
        return _quarantine(session, record, None, str(exc))
    session.add(record)
    session.flush()
    return record


def _quarantine(
    session: Session, record: FetchedMail, raw: bytes | None, reason: str
) -> FetchedMail:
    if raw is not None:
        record.raw_sha256 = store_blob(session, raw, record.sha256)
    record.outcome, record.reason = "quarantined", reason[:2000]
    record.ticket_id = record.message_pk = None
    record.processed_at = utcnow()
    session.add(record)
    session.flush()
    return record


def _lookup_content(
    session: Session, mailbox: str, message_id: str | None, sha: str
) -> tuple[FetchedMail | None, str]:
    """(the record that already ingested these bytes, else None; the content key to use).

    One query for both: the key is `mid:` unless that Message-ID was already used by
    other bytes, then `sha:`.
    """
    sha_key = f"sha:{sha}"
    mid_key = f"mid:{message_id}" if message_id else None
    stored_mid_key = mid_key[:1000] if mid_key else None  # as a content key is stored
    keys = {k for k in (sha_key, mid_key, stored_mid_key) if k}
    rows = session.scalars(
        select(FetchedMail).where(FetchedMail.mailbox == mailbox, FetchedMail.content_key.in_(keys))
    ).all()
    for row in rows:
        if row.content_key in (sha_key, mid_key) and (
            row.content_key == sha_key or row.sha256 == sha
        ):
            return row, sha_key
    if stored_mid_key is None or any(row.content_key == stored_mid_key for row in rows):
        return None, sha_key
    return None, stored_mid_key


def _route(
    session: Session,
    record: FetchedMail,
    mail: ParsedMail,
    settings: IngestSettings,
    rules: list[Rule],
) -> None:
    ctx = Context(frozenset({settings.support_address}), settings.message_id_domain)
    reasons = automatic_reasons(mail, ctx)
    automatic = bool(reasons)
    ticket, why_new = _thread(session, mail)
    if ticket is not None:
        message = _add_inbound(session, ticket, mail, record, automatic)
        if mail.is_delivery_report:
            message.delivery_failure = True
        elif not automatic and ticket.status in REOPEN_FROM:
            change_status(session, ticket, "open", detail="the customer replied")
        if not ticket.order_number:
            ticket.order_number = find_order_number(
                f"{mail.subject}\n{mail.text}", settings.order_pattern
            )
        record.outcome, record.ticket_id, record.message_pk = "reply", ticket.id, message.id
        record.processed_at = utcnow()
        return
    sender = mail.from_address or mail.return_path
    if not sender or "@" not in sender:
        raise RouteError("no sender address to open a ticket for")
    customer = get_or_create_customer(session, sender, mail.from_name)
    category = categorize(mail.subject, rules)
    order_number = find_order_number(f"{mail.subject}\n{mail.text}", settings.order_pattern)
    ticket = create_ticket(
        session,
        customer=customer,
        subject=mail.subject,
        category=category,
        order_number=order_number,
        reason=why_new,
    )
    # Everything this mail causes on its new ticket happens at the ticket's creation time,
    # so the ticket row is not updated again for each message.
    message = _add_inbound(session, ticket, mail, record, automatic, at=ticket.created_at)
    message.delivery_failure = mail.is_delivery_report
    if automatic:
        record_event(session, ticket, "automatic", detail=", ".join(reasons))
    elif may_acknowledge(session, customer.email, settings.acks_per_hour):
        _acknowledge(session, ticket, message, mail, settings, ticket.created_at)
    record.outcome, record.ticket_id, record.message_pk = "ticket", ticket.id, message.id
    record.processed_at = utcnow()


def _thread(session: Session, mail: ParsedMail) -> tuple[Ticket | None, str | None]:
    """The ticket this mail answers, if the sender may join it; else why a new one opens."""
    ids = list(mail.bounced_message_ids) if mail.is_delivery_report else []
    ids += list(mail.in_reply_to) + list(mail.references)
    ticket = None
    if ids:
        ticket = session.scalar(
            select(Ticket)
            .join(Message, Message.ticket_id == Ticket.id)
            .where(Message.message_id.in_(ids[:100]))
            .order_by(Message.id.desc())
            .limit(1)
        )
    if ticket is None and (number := ticket_token(mail.subject)) is not None:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        return None, None
    if mail.is_delivery_report or _is_participant(session, ticket, mail.from_address):
        return ticket, None
    return (
        None,
        f"{mail.from_address or 'an unknown sender'} is not a participant of #{ticket.number}",
    )


def _is_participant(session: Session, ticket: Ticket, address: str | None) -> bool:
    if not address:
        return False
    if ticket.customer.email == address:
        return True
    recipients = session.scalars(select(Message.recipients).where(Message.ticket_id == ticket.id))
    return any(address in (r or "").split(",") for r in recipients)


def _add_inbound(
    session: Session,
    ticket: Ticket,
    mail: ParsedMail,
    record: FetchedMail,
    automatic: bool,
    at: datetime | None = None,
) -> Message:
    message = add_message(
        session,
        ticket,
        at=at,
        direction="inbound",
        message_id=mail.message_id,
        in_reply_to=" ".join(mail.in_reply_to),
        references=" ".join(mail.references),
        sender=mail.from_address or mail.return_path or "",
        sender_name=mail.from_name[:200],
        recipients=",".join(mail.to + mail.cc),
        subject=mail.subject[:998],
        date=mail.date,
        text=mail.text,
        html=mail.html,
        automatic=automatic,
        raw_sha256=record.raw_sha256,
    )
    for part in mail.attachments:
        session.add(
            Attachment(
                message_pk=message.id,
                filename=part.filename,
                content_type=part.content_type[:200],
                size=len(part.data),
                sha256=store_blob(session, part.data),
                inline=part.inline,
                content_id=(part.content_id or None) and part.content_id[:300],
            )
        )
    return message


def _acknowledge(
    session: Session,
    ticket: Ticket,
    inbound: Message,
    mail: ParsedMail,
    settings: IngestSettings,
    at: datetime,
) -> None:
    to_address = mail.reply_to[0] if mail.reply_to else ticket.customer.email
    facts = AckFacts(
        number=ticket.number,
        category=ticket.category,
        customer_name=ticket.customer.name,
        store_name=settings.store_name,
        order_number=ticket.order_number,
        has_photo=any(a.content_type.startswith("image/") for a in mail.attachments),
    )
    queue_reply_message(
        session,
        ticket,
        kind="ack",
        from_address=settings.support_address,
        from_name=settings.store_name,
        to_address=to_address,
        subject=ack_subject(mail.subject),
        text=ack_text(facts),
        message_id_domain=settings.message_id_domain,
        parent_id=mail.message_id,
        parent_references=mail.references,
        automatic=True,
        auto_submitted="auto-replied",
        at=at,
    )
