"""Who the helpdesk is in mail, for ingestion (acknowledgements, loop checks) and replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MailIdentity:
    """The support address (lowercase), the store's name and our Message-IDs' domain."""

    support_address: str
    store_name: str
    message_id_domain: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailIdentity:
        return cls(
            support_address=str(config["HELPDESK_SUPPORT_ADDRESS"]).lower(),
            store_name=str(config["HELPDESK_STORE_NAME"]),
            message_id_domain=str(config["HELPDESK_MESSAGE_ID_DOMAIN"]).lower(),
        )
