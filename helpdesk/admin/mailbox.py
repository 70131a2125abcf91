"""Mailbox health (poller cursors, today's mail, the outbox) and the quarantine's actions.

Quarantined mail is never deleted: discarding marks it ignored and keeps its bytes.
The actions are audited and do not commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from helpdesk.admin.paging import id_page
from helpdesk.audit import record_audit
from helpdesk.models import (
    FetchedMail,
    MailboxCursor,
    OutboxMail,
    OutboxStatus,
    Outcome,
    Ticket,
    utcnow,
)
from helpdesk.storedays import start_of_day
from mail_ingest.imap import ImapConfig
from mail_ingest.quarantine import ReprocessError, fetch_if_missing, reprocess
from mail_ingest.rules import AUTOMATIC_PREFIX
from mail_ingest.settings import IngestSettings

PAGE_SIZE = 50
FAILED_SHOWN = 50
AUTOMATIC_SHOWN = 10


@dataclass(frozen=True)
class FailedMail:
    mail: OutboxMail
    ticket_number: int | None


@dataclass(frozen=True)
class MailboxHealth:
    cursors: list[MailboxCursor]
    day_start: datetime
    today: dict[str, int]  # outcome -> mails fetched since day_start
    outbox: dict[str, int]  # status -> mails
    failed: list[FailedMail]  # the newest FAILED_SHOWN
    automatic_today: int  # machine replies that opened no ticket, since day_start
    automatic: list[FetchedMail]  # the newest AUTOMATIC_SHOWN of them


@dataclass(frozen=True)
class QuarantinePage:
    rows: list[FetchedMail]
    total: int
    older: int | None  # `before` of the next page
    newer: int | None  # `after` of the previous page


def mailbox_health(session: Session, now: datetime, timezone: str) -> MailboxHealth:
    """Six small queries: cursors, today's outcomes, outbox counts, the failed mail, and the
    machine replies ignored (count today, the newest ones; read on the outcome index)."""
    day_start = start_of_day(now, timezone)
    today = session.execute(
        select(FetchedMail.outcome, func.count(FetchedMail.id))
        .where(FetchedMail.created_at >= day_start)
        .group_by(FetchedMail.outcome)
    ).all()
    outbox = session.execute(
        select(OutboxMail.status, func.count(OutboxMail.id)).group_by(OutboxMail.status)
    ).all()
    failed = session.execute(
        select(OutboxMail, Ticket.number)
        .outerjoin(Ticket, Ticket.id == OutboxMail.ticket_id)
        .where(OutboxMail.status == OutboxStatus.FAILED)
        .order_by(OutboxMail.id.desc())
        .limit(FAILED_SHOWN)
    ).all()
    machine = and_(
        FetchedMail.outcome == Outcome.IGNORED,
        FetchedMail.reason.startswith(AUTOMATIC_PREFIX, autoescape=True),
    )
    automatic_today = session.scalar(
        select(func.count(FetchedMail.id)).where(machine, FetchedMail.created_at >= day_start)
    )
    automatic = session.scalars(
        select(FetchedMail)
        .where(machine)
        .order_by(FetchedMail.created_at.desc(), FetchedMail.id.desc())
        .limit(AUTOMATIC_SHOWN)
    ).all()
    return MailboxHealth(
        cursors=list(session.scalars(select(MailboxCursor).order_by(MailboxCursor.mailbox))),
        day_start=day_start,
        today={outcome: count for outcome, count in today},
        outbox={status: count for status, count in outbox},
        failed=[FailedMail(mail, number) for mail, number in failed],
        automatic_today=automatic_today or 0,
        automatic=list(automatic),
    )


def quarantine_page(
    session: Session, before: int | None = None, after: int | None = None, size: int = PAGE_SIZE
) -> QuarantinePage:
    """Quarantined mail newest first, `size` at a time, keyed by id (before: older pages)."""
    query = select(FetchedMail).where(FetchedMail.outcome == Outcome.QUARANTINED)
    page = id_page(session, query, FetchedMail.id, before, after, size)
    total = session.scalar(
        select(func.count(FetchedMail.id)).where(FetchedMail.outcome == Outcome.QUARANTINED)
    )
    return QuarantinePage([row[0] for row in page.rows], total or 0, page.older, page.newer)


def _quarantined(session: Session, record_id: int) -> FetchedMail:
    record = session.get(FetchedMail, record_id, with_for_update=True)
    if record is None:
        raise ReprocessError(f"there is no fetched mail {record_id}")
    if record.outcome != Outcome.QUARANTINED:
        raise ReprocessError(
            f"mail {record_id} is no longer in quarantine (it is {record.outcome})"
        )
    return record


def discard_mail(session: Session, actor_id: int, actor_email: str, record_id: int) -> FetchedMail:
    """Take a mail out of the quarantine without a ticket; its bytes stay stored."""
    record = _quarantined(session, record_id)
    old_reason = record.reason
    record.outcome, record.reason = Outcome.IGNORED, f"discarded by {actor_email}"
    record.processed_at = utcnow()
    record_audit(
        session, actor_id, "quarantine.discard", "fetched_mail", record.id, reason=old_reason
    )
    return record


def reprocess_mail(
    session: Session,
    actor_id: int,
    record_id: int,
    settings: IngestSettings,
    imap_config: ImapConfig,
) -> FetchedMail:
    """Run a quarantined mail through ingestion again; the new record replaces the old.

    A mail quarantined for its size is fetched from the mailbox first (as the CLI does);
    raises ReprocessError, or MailboxUnavailable when the server cannot be reached.
    """
    raw = fetch_if_missing(session, record_id, imap_config)  # before the row lock: network
    old_reason = _quarantined(session, record_id).reason
    record = reprocess(session, record_id, settings, raw)
    audit_ingested_again(session, actor_id, "quarantine.reprocess", record_id, old_reason, record)
    return record


def audit_ingested_again(
    session: Session,
    actor_id: int,
    action: Literal["quarantine.reprocess", "blocked.release"],
    record_id: int,
    old_reason: str | None,
    record: FetchedMail,
) -> None:
    """Audit a mail ingested again (reprocessed, released): what it was, what it made."""
    session.flush()
    record_audit(
        session,
        actor_id,
        action,
        "fetched_mail",
        record_id,
        reason=old_reason,
        new_id=record.id,
        outcome=record.outcome,
        ticket_id=record.ticket_id,
    )
