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
    """Ingest one mail as the poller would and commit it."""
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
