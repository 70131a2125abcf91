"""What the ingest pipeline and the poller need from the app's configuration, as plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from helpdesk.mailidentity import MailIdentity
from helpdesk.notifications import Notifier
from mail_ingest.imap import AccessTokens, ImapConfig


@dataclass(frozen=True)
class IngestSettings:
    identity: MailIdentity
    order_pattern: str
    acks_per_hour: int
    max_bytes: int
    # A mail written longer ago than this is not acknowledged (None: whatever its age).
    ack_max_age: timedelta | None = timedelta(hours=24)
    # Mail written before this moment opens no ticket (IMAP_INGEST_SINCE, the store's midnight).
    ingest_since: datetime | None = None
    trusted_authserv_ids: frozenset[str] = frozenset()
    # Mail to the assignee when their customer writes (None: no notifications).
    notify: Notifier | None = None
    # False only to release a blocked mail (helpdesk/admin/blocklist.py).
    check_blocklist: bool = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IngestSettings:
        hours = int(config["HELPDESK_ACK_MAX_AGE_HOURS"])
        return cls(
            identity=MailIdentity.from_config(config),
            order_pattern=str(config["HELPDESK_ORDER_PATTERN"]),
            acks_per_hour=int(config["HELPDESK_ACKS_PER_SENDER_PER_HOUR"]),
            max_bytes=int(config["MAX_MESSAGE_BYTES"]),
            ack_max_age=timedelta(hours=hours) if hours > 0 else None,
            ingest_since=_store_midnight(config["IMAP_INGEST_SINCE"], config["HELPDESK_TIMEZONE"]),
            trusted_authserv_ids=frozenset(
                part.strip().lower()
                for part in str(config["HELPDESK_TRUSTED_AUTHSERV_IDS"] or "").split(",")
                if part.strip()
            ),
            notify=Notifier.from_config(config),
        )


@dataclass(frozen=True)
class PollerSettings:
    """Everything the poller reads: the mailbox, the pipeline's settings, its pace."""

    imap: ImapConfig
    ingest: IngestSettings
    batch_size: int = 200
    mark_seen: bool = True
    poll_seconds: float = 30
    parse_workers: int = 0

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], tokens: AccessTokens | None = None
    ) -> PollerSettings:
        """`tokens`: the OAuth 2.0 token source, used when IMAP_AUTH is oauth2."""
        return cls(
            imap=ImapConfig.from_config(config, tokens),
            ingest=IngestSettings.from_config(config),
            batch_size=int(config["IMAP_BATCH_SIZE"]),
            mark_seen=bool(config["IMAP_MARK_SEEN"]),
            poll_seconds=float(config["IMAP_POLL_SECONDS"]),
            parse_workers=int(config["IMAP_PARSE_WORKERS"]),
        )


def _store_midnight(day: date | None, timezone: str) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), ZoneInfo(timezone))
