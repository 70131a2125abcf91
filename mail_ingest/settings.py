"""What the ingest pipeline needs from the app's configuration, as one plain value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from helpdesk.mailidentity import MailIdentity


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
        )


def _store_midnight(day: date | None, timezone: str) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), ZoneInfo(timezone))
