"""Running mail through the real pipeline in tests, without IMAP."""

from __future__ import annotations

import itertools

from flask import current_app
from sqlalchemy.orm import Session

from helpdesk.categories import load_rules
from helpdesk.models import FetchedMail
from mail_ingest.route import MailSource, ingest_raw
from mail_ingest.settings import IngestSettings

_uid = itertools.count(1)
MAILBOX = "test@127.0.0.1:0/INBOX"


def ingest(
    session: Session,
    raw: bytes,
    uid: int | None = None,
    uidvalidity: int = 1,
    mailbox: str = MAILBOX,
) -> FetchedMail:
    """Ingest one mail as the poller would and commit it. On SQLite the transaction holds
    the write lock from its start, as the poller's does (`writer_session`): a browser test's
    page writing meanwhile (a presence heartbeat) then waits instead of failing this one."""
    if session.get_bind().dialect.name == "sqlite":
        session.commit()  # ingest commits what the test left pending anyway
        session.connection(execution_options={"sqlite_immediate": True})
    settings = IngestSettings.from_config(current_app.config)
    record = ingest_raw(
        session,
        raw,
        MailSource(mailbox, uidvalidity, uid or next(_uid)),
        settings,
        load_rules(session),
    )
    session.commit()
    return record
