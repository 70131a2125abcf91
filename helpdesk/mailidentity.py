"""Who the helpdesk is in mail, for ingestion (acknowledgements, loop checks) and replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any


def from_name(config: Mapping[str, Any]) -> str:
    """The display name on our From: HELPDESK_FROM_NAME, else "<store name> Support"."""
    name = str(config.get("HELPDESK_FROM_NAME") or "").strip()
    return name or f"{config['HELPDESK_STORE_NAME']} Support".strip()


def from_header(name: str, address: str) -> str:
    """`Name <address>`, quoted or RFC 2047-encoded as the name needs; the bare address
    when there is no name. Line breaks in the name are folded into spaces."""
    name = " ".join(name.split())
    return formataddr((name, address)) if name else address


@dataclass(frozen=True)
class MailIdentity:
    """The support address (lowercase), the store's name and our Message-IDs' domain.

    The display name on our From (`from_name`) is added by the outbox sender to every mail,
    so it is one setting for acknowledgements, replies and account mail alike."""

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
