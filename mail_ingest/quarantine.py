"""Mail that could not become a ticket: kept with its reason, listable, reprocessable."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from helpdesk.blobs import load_blob, store_blob
from helpdesk.categories import load_rules
from helpdesk.models import FetchedMail, Outcome, utcnow
from mail_ingest import imap
from mail_ingest.imap import ImapConfig
from mail_ingest.route import MailSource, ingest_raw, reason_text
from mail_ingest.settings import IngestSettings

MAX_DESCRIBE = 500


class ReprocessError(Exception):
    """The quarantined mail cannot be reprocessed (the message says why)."""


def describe(error: BaseException) -> str:
    """The error in a line: the database's own message, not the statement and its values."""
    detail = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(detail).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"[:MAX_DESCRIBE]


def record_quarantine(
    session: Session, source: MailSource, raw: bytes | None, reason: str, size: int
) -> FetchedMail:
    record = FetchedMail(
        mailbox=source.mailbox,
        uidvalidity=source.uidvalidity,
        uid=source.uid,
        size=size,
        outcome=Outcome.QUARANTINED,
        reason=reason_text(reason),
        processed_at=utcnow(),
    )
    if raw is not None:
        record.sha256 = record.raw_sha256 = store_blob(session, raw)
    session.add(record)
    session.flush()
    return record


def list_quarantine(session: Session) -> list[FetchedMail]:
    return list(
        session.scalars(
            select(FetchedMail)
            .where(FetchedMail.outcome == Outcome.QUARANTINED)
            .order_by(FetchedMail.id)
        )
    )


def reprocess(
    session: Session, record_id: int, settings: IngestSettings, raw: bytes | None = None
) -> FetchedMail:
    """Run a quarantined mail through the pipeline again, replacing its record.

    `raw` is given for a mail whose bytes were never stored (it was too large):
    the caller fetched it from the mailbox. Does not commit.
    """
    record = session.get(FetchedMail, record_id)
    if record is None:
        raise ReprocessError(f"no fetched mail with id {record_id}")
    if record.outcome != Outcome.QUARANTINED:
        raise ReprocessError(f"mail {record_id} is not in quarantine (it is {record.outcome})")
    if raw is None:
        raw = load_blob(session, record.raw_sha256) if record.raw_sha256 else None
    if raw is None:
        raise ReprocessError(f"mail {record_id} has no stored bytes; fetch it from the mailbox")
    return _ingest_again(session, record, raw, settings)


def _ingest_again(
    session: Session, record: FetchedMail, raw: bytes, settings: IngestSettings
) -> FetchedMail:
    """Replace the record by what ingesting its bytes now makes of them."""
    record_id = record.id
    source = MailSource(record.mailbox, record.uidvalidity, record.uid)
    try:
        session.delete(record)
        session.flush()
        return ingest_raw(session, raw, source, settings, load_rules(session))
    except DBAPIError as exc:  # the caller rolls back; the mail stays where it was
        raise ReprocessError(f"the database refused mail {record_id}: {describe(exc)}") from exc


def release(session: Session, record_id: int, settings: IngestSettings) -> FetchedMail:
    """Ingest a blocked mail now as any other mail (the blocklist not asked), replacing its
    record: it opens or joins a ticket and is acknowledged as usual. Does not commit."""
    record = session.get(FetchedMail, record_id, with_for_update=True)
    if record is None:
        raise ReprocessError(f"there is no fetched mail {record_id}")
    if record.outcome != Outcome.BLOCKED:
        raise ReprocessError(f"mail {record_id} is not blocked (it is {record.outcome})")
    raw = load_blob(session, record.raw_sha256) if record.raw_sha256 else None
    if raw is None:
        raise ReprocessError(f"mail {record_id} has no stored bytes")
    return _ingest_again(session, record, raw, replace(settings, check_blocklist=False))


def fetch_if_missing(session: Session, record_id: int, cfg: ImapConfig) -> bytes | None:
    """A mail quarantined for its size was never fetched: get it from the mailbox now.

    None when the bytes are stored, or it is not in quarantine (`reprocess` says why).
    Raises ReprocessError, or imap.MailboxUnavailable when the server cannot be reached.
    """
    record = session.get(FetchedMail, record_id)
    if record is None or record.raw_sha256 or record.outcome != Outcome.QUARANTINED:
        return None
    if record.mailbox != cfg.mailbox:
        raise ReprocessError(f"mail {record_id} came from {record.mailbox}, not {cfg.mailbox}")
    client = imap.connect(cfg)
    try:
        if imap.select(client, cfg.folder) != record.uidvalidity:
            raise ReprocessError("the mailbox's UIDVALIDITY changed; the mail cannot be found")
        bodies = imap.fetch_bodies(client, [record.uid])
    finally:
        client.logout()
    if record.uid not in bodies:
        raise ReprocessError(f"UID {record.uid} is no longer in the mailbox")
    return bodies[record.uid]
