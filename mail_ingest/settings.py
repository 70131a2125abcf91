"""What the ingest pipeline needs from the app's configuration, as one plain value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IngestSettings:
    support_address: str
    message_id_domain: str
    order_pattern: str
    acks_per_hour: int
    store_name: str
    max_bytes: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IngestSettings:
        return cls(
            support_address=str(config["HELPDESK_SUPPORT_ADDRESS"]).lower(),
            message_id_domain=str(config["HELPDESK_MESSAGE_ID_DOMAIN"]).lower(),
            order_pattern=str(config["HELPDESK_ORDER_PATTERN"]),
            acks_per_hour=int(config["HELPDESK_ACKS_PER_SENDER_PER_HOUR"]),
            store_name=str(config["HELPDESK_STORE_NAME"]),
            max_bytes=int(config["MAX_MESSAGE_BYTES"]),
        )
