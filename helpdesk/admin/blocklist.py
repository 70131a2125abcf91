"""The blocklist's admin side: the mail it blocked, paged, and releasing one of them.

Releasing ingests the mail now as any other mail, the blocklist not asked: it opens or
joins a ticket and is acknowledged as usual (the sender stays blocked). Audited; does not
commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.admin.mailbox import audit_ingested_again
from helpdesk.admin.paging import id_page
from helpdesk.models import FetchedMail, Outcome
from mail_ingest.quarantine import release
from mail_ingest.settings import IngestSettings

PAGE_SIZE = 50


@dataclass(frozen=True)
class BlockedPage:
    rows: list[FetchedMail]
    total: int
    older: int | None  # `before` of the next page
    newer: int | None  # `after` of the previous page


def blocked_page(
    session: Session, before: int | None = None, after: int | None = None, size: int = PAGE_SIZE
) -> BlockedPage:
    """Blocked mail newest first, `size` at a time (the outcome index counts them)."""
    blocked = FetchedMail.outcome == Outcome.BLOCKED
    page = id_page(session, select(FetchedMail).where(blocked), FetchedMail.id, before, after, size)
    total = session.scalar(select(func.count(FetchedMail.id)).where(blocked)) or 0
    return BlockedPage([row[0] for row in page.rows], total, page.older, page.newer)


def release_mail(
    session: Session, actor_id: int, record_id: int, settings: IngestSettings
) -> FetchedMail:
    """Ingest a blocked mail now; the new record replaces it. Raises ReprocessError."""
    old = session.get(FetchedMail, record_id)
    reason = old.reason if old is not None else None
    record = release(session, record_id, settings)
    audit_ingested_again(session, actor_id, "blocked.release", record_id, reason, record)
    return record
