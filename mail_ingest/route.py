"""From raw bytes to tickets and replies: the one write path for incoming mail.

`ingest_batch` runs inside the caller's transaction and never commits; the
caller commits the mails' records together with everything they created. The
batch's reads happen up front (see `IngestBatch`) and its writes in one flush at
the end, so a batch costs a handful of statements rather than a dozen per mail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.acks import AckFacts, ack_subject, ack_text
from helpdesk.categories import Rule, categorize, find_order_number
from helpdesk.models import (
    Attachment,
    Direction,
    EventKind,
    FetchedMail,
    Message,
    OutboxKind,
    Outcome,
    Status,
    Ticket,
    utcnow,
)
from helpdesk.models.vocabulary import REOPENABLE
from helpdesk.outbox.services import queue_reply_message
from helpdesk.tickets.services import add_message, change_status, create_ticket, record_event
from mail_ingest.batch import IngestBatch
from mail_ingest.dates import first_contact
from mail_ingest.parse import SENDER_TOO_LONG, ParsedMail, sha256_hex
from mail_ingest.pipeline import Parsed, parse_raw
from mail_ingest.rules import (
    AUTOMATIC_PREFIX,
    Context,
    answers_notification,
    automatic_reasons,
    blocked_reason,
    machine_reply,
    suspect_reasons,
)
from mail_ingest.settings import IngestSettings

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_REASON = 2000


class RouteError(Exception):
    """The mail parsed but cannot be routed (goes to quarantine with this reason)."""


@dataclass(frozen=True)
class MailSource:
    """Where a mail came from: one (mailbox, UIDVALIDITY, UID)."""

    mailbox: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class Prepared:
    """A fetched mail, parsed, ready for `ingest_prepared`."""

    source: MailSource
    raw: bytes
    sha: str
    mail: ParsedMail | None
    error: str | None

    @classmethod
    def of(cls, source: MailSource, raw: bytes, parsed: Parsed | None = None) -> Prepared:
        parsed = parsed or parse_raw(raw)
        return cls(source, raw, parsed.sha, parsed.mail, parsed.error)


def ingest_batch(
    session: Session,
    items: Sequence[tuple[MailSource, bytes]],
    settings: IngestSettings,
    rules: list[Rule],
) -> list[FetchedMail]:
    """Record each fetched mail of one mailbox and create what it means. Does not commit."""
    return ingest_prepared(session, [Prepared.of(s, raw) for s, raw in items], settings, rules)


def ingest_prepared(
    session: Session,
    prepared: Sequence[Prepared],
    settings: IngestSettings,
    rules: list[Rule],
) -> list[FetchedMail]:
    """`ingest_batch` for mails parsed already (in a worker process, say)."""
    if not prepared:
        return []
    batch = IngestBatch.prefetch(
        session, prepared[0].source.mailbox, [(p.mail, p.sha) for p in prepared if p.mail]
    )
    with session.no_autoflush:
        records = [_ingest_one(session, batch, p, settings, rules) for p in prepared]
    batch.finish()
    return records


def ingest_raw(
    session: Session, raw: bytes, source: MailSource, settings: IngestSettings, rules: list[Rule]
) -> FetchedMail:
    """One mail: a batch of one."""
    return ingest_batch(session, [(source, raw)], settings, rules)[0]


def _ingest_one(
    session: Session,
    batch: IngestBatch,
    p: Prepared,
    settings: IngestSettings,
    rules: list[Rule],
) -> FetchedMail:
    record = FetchedMail(
        mailbox=p.source.mailbox,
        uidvalidity=p.source.uidvalidity,
        uid=p.source.uid,
        sha256=p.sha,
        size=len(p.raw),
        processed_at=utcnow(),
    )
    session.add(record)
    if p.mail is None:
        return _quarantine(batch, record, p, p.error or "parse error")
    record.message_id = (p.mail.message_id or "")[:998] or None
    duplicate_of, content_key = batch.find_content(p.mail.message_id, p.sha)
    if duplicate_of is not None:
        record.outcome, record.reason = Outcome.IGNORED, "duplicate"
        if duplicate_of.ticket_id is not None:
            record.ticket_id = duplicate_of.ticket_id
        else:  # the first copy came in this same batch
            record.ticket = duplicate_of.ticket
        return record
    record.raw_sha256 = batch.blob(p.sha, p.raw)
    try:
        _route(session, batch, record, p.mail, settings, rules)  # raises before any write
    except RouteError as exc:
        return _quarantine(batch, record, p, str(exc))
    record.content_key = content_key
    batch.remember_content(record)
    return record


def _quarantine(batch: IngestBatch, record: FetchedMail, p: Prepared, reason: str) -> FetchedMail:
    record.raw_sha256 = batch.blob(p.sha, p.raw)
    record.outcome, record.reason = Outcome.QUARANTINED, reason_text(reason)
    return record


def reason_text(reason: str) -> str:
    """A quarantine reason as stored: one line without control characters (PostgreSQL
    refuses NUL), at most MAX_REASON characters."""
    return _clip(" ".join(reason.split()), MAX_REASON)


def _route(
    session: Session,
    batch: IngestBatch,
    record: FetchedMail,
    mail: ParsedMail,
    settings: IngestSettings,
    rules: list[Rule],
) -> None:
    ctx = Context(
        frozenset({settings.identity.support_address}),
        settings.identity.message_id_domain,
        settings.trusted_authserv_ids,
        blocked=batch.blocked,
    )
    if settings.check_blocklist and (blocked := blocked_reason(mail, ctx)):
        # Before threading: a blocked sender's reply to a ticket is blocked too.
        record.outcome, record.reason = Outcome.BLOCKED, reason_text(blocked)
        return
    if answers_notification(mail, ctx):
        from_ = mail.from_address or mail.return_path or "no sender"
        record.outcome = Outcome.IGNORED
        record.reason = reason_text(f"an answer to a notification to staff, from {from_}")
        return
    reasons = automatic_reasons(mail, ctx)
    automatic = bool(reasons)
    ticket, why_new = _thread(batch, mail)
    if ticket is not None:
        # Someone the ticket was forwarded to answers internally: no reopening, no waiting.
        internal = not mail.is_delivery_report and batch.is_forwarded_party(
            ticket, mail.from_address
        )
        message = _add_inbound(
            session, batch, ticket, mail, record, automatic, settings, internal=internal
        )
        if mail.is_delivery_report:
            message.delivery_failure = True
        elif not automatic and not internal and ticket.status in REOPENABLE:
            change_status(session, ticket, Status.OPEN, detail="the customer replied")
        if not ticket.order_number:
            ticket.order_number = find_order_number(
                f"{mail.subject}\n{mail.text}", settings.order_pattern
            )
        record.outcome, record.ticket, record.message = Outcome.REPLY, ticket, message
        return
    if kind := machine_reply(mail, ctx):  # an answer to nothing we hold: no ticket
        from_ = mail.from_address or mail.return_path or "no sender"
        record.outcome = Outcome.IGNORED
        record.reason = reason_text(f"{AUTOMATIC_PREFIX}{kind}, from {from_}")
        return
    now = utcnow()
    wrote_at = first_contact(mail, now)
    if settings.ingest_since is not None and wrote_at < settings.ingest_since:
        record.outcome = Outcome.IGNORED
        record.reason = f"written on {wrote_at:%Y-%m-%d}, before IMAP_INGEST_SINCE"
        return
    sender = mail.from_address or mail.return_path
    if not sender or "@" not in sender:
        raise RouteError(_no_sender(mail))
    customer = batch.customer(sender, mail.from_name)
    ticket = create_ticket(
        session,
        customer=customer,
        subject=mail.subject,
        category=categorize(mail.subject, rules),
        order_number=find_order_number(f"{mail.subject}\n{mail.text}", settings.order_pattern),
        reason=why_new,
        number=batch.take_number(),
        first_contact_at=wrote_at,
        notify=None if automatic else settings.notify,  # a person's mail: its followers
    )
    batch.remember_ticket(ticket)
    # Everything this mail causes on its new ticket happens at the ticket's creation time,
    # so the ticket row is not updated again for each message.
    message = _add_inbound(
        session, batch, ticket, mail, record, automatic, settings, at=ticket.created_at
    )
    message.delivery_failure = mail.is_delivery_report
    if automatic:
        record_event(session, ticket, EventKind.AUTOMATIC, detail=", ".join(reasons))
    elif why_not := _why_not_acknowledged(mail, ctx, settings, wrote_at, now):
        record_event(
            session, ticket, EventKind.NOT_ACKNOWLEDGED, detail=why_not, at=ticket.created_at
        )
    elif batch.may_acknowledge(customer.email, settings.acks_per_hour):
        _acknowledge(session, batch, ticket, mail, settings, ticket.created_at)
    record.outcome, record.ticket, record.message = Outcome.TICKET, ticket, message


def _no_sender(mail: ParsedMail) -> str:
    if SENDER_TOO_LONG in mail.defects:
        return (
            "no sender address to open a ticket for: "
            "the From address is longer than RFC 5321 allows"
        )
    return "no sender address to open a ticket for"


def _why_not_acknowledged(
    mail: ParsedMail, ctx: Context, settings: IngestSettings, wrote_at: datetime, now: datetime
) -> str:
    """Why a person's new mail gets no acknowledgement (empty: it gets one)."""
    reasons = suspect_reasons(mail, ctx)
    if settings.ack_max_age is not None and now - wrote_at > settings.ack_max_age:
        hours = int(settings.ack_max_age.total_seconds() // 3600)
        reasons.append(
            f"the customer wrote on {wrote_at:%Y-%m-%d %H:%M} UTC, "
            f"more than {hours} hours before it was read"
        )
    return "; ".join(reasons)


def _thread(batch: IngestBatch, mail: ParsedMail) -> tuple[Ticket | None, str | None]:
    """The ticket this mail answers, if the sender may join it; else why a new one opens."""
    ticket = batch.ticket_for(mail)
    if ticket is None:
        return None, None
    if mail.is_delivery_report or batch.is_participant(ticket, mail.from_address):
        return ticket, None
    sender = mail.from_address or "an unknown sender"
    return None, f"{sender} is not a participant of #{ticket.number}"


def _add_inbound(
    session: Session,
    batch: IngestBatch,
    ticket: Ticket,
    mail: ParsedMail,
    record: FetchedMail,
    automatic: bool,
    settings: IngestSettings,
    at: datetime | None = None,
    internal: bool = False,
) -> Message:
    message = add_message(
        session,
        ticket,
        at=at,
        direction=Direction.FWD_REPLY if internal else Direction.INBOUND,
        message_id=mail.message_id,
        in_reply_to=" ".join(mail.in_reply_to),
        references=" ".join(mail.references),
        sender=mail.from_address or mail.return_path or "",
        sender_name=mail.from_name,
        recipients=",".join(mail.to + mail.cc),
        subject=mail.subject,
        date=mail.date,
        text=mail.text,
        html=mail.html,
        automatic=automatic,
        raw_sha256=record.raw_sha256,
        notify=settings.notify,
    )
    for part in mail.attachments:
        session.add(
            Attachment(
                message=message,
                filename=part.filename,
                content_type=_clip(part.content_type, 200),
                size=len(part.data),
                sha256=batch.blob(sha256_hex(part.data), part.data),
                inline=part.inline,
                content_id=_clip(part.content_id or "", 300) or None,
            )
        )
    batch.remember_message(ticket, message)
    return message


def _clip(value: str, limit: int) -> str:
    """A header value cut to its column's length, without control characters (NUL)."""
    return _CONTROL.sub("", value)[:limit]


def _acknowledge(
    session: Session,
    batch: IngestBatch,
    ticket: Ticket,
    mail: ParsedMail,
    settings: IngestSettings,
    at: datetime,
) -> None:
    to_address = mail.reply_to[0] if mail.reply_to else ticket.customer.email
    facts = AckFacts(
        number=ticket.number,
        category=ticket.category,
        customer_name=ticket.customer.name,
        store_name=settings.identity.store_name,
        order_number=ticket.order_number,
        has_photo=any(a.content_type.startswith("image/") for a in mail.attachments),
    )
    outbound = queue_reply_message(
        session,
        ticket,
        kind=OutboxKind.ACK,
        from_address=settings.identity.support_address,
        from_name=settings.identity.store_name,
        to_address=to_address,
        subject=ack_subject(mail.subject),
        text=ack_text(facts),
        message_id_domain=settings.identity.message_id_domain,
        parent_id=mail.message_id,
        parent_references=mail.references,
        automatic=True,
        auto_submitted="auto-replied",
        at=at,
    )
    batch.remember_message(ticket, outbound)
    batch.count_ack(ticket.customer.email)
