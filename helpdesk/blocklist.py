"""The blocklist: addresses and domains whose mail makes no ticket (outcome `blocked`).

An entry is one address ("spam@example.com") or a domain ("example.com"), which also
covers its subdomains ("mail.example.com"). Values are stored in lower case, once each.
Blocked mail is blocked whether it would open a ticket or answer an existing one: the
ingest checks the sender before threading (mail_ingest/rules.py, `blocked_sender`).
Nothing is lost: the mail is recorded with its bytes, and an admin can release it.
Changes are audited; none of these commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.audit import record_audit
from helpdesk.models import BlockedSender, BlockKind

MAX_VALUE = 254  # RFC 5321: an address at most 254 octets, its local part 64
MAX_LOCAL = 64
MAX_NOTE = 500
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN = re.compile(rf"(?:{_LABEL}\.)+[a-z]{{2,63}}|(?:{_LABEL}\.)+xn--[a-z0-9-]{{1,59}}")
LOCAL = re.compile(r"[^\s@\"(),:;<>\[\\\]\x00-\x1f\x7f]+")


class BlocklistError(ValueError):
    """An entry that cannot be added or removed (the message says why)."""


def parse_entry(text: str) -> tuple[str, str]:
    """(kind, value) for an address or a domain as typed; BlocklistError if it is neither."""
    value = text.strip().lower()
    if value.startswith("@"):  # "@example.com": the domain
        value = value[1:]
    if not value:
        raise BlocklistError("give an email address or a domain")
    if len(value.encode("utf-8", "replace")) > MAX_VALUE:
        raise BlocklistError(f"at most {MAX_VALUE} characters")
    local, at, domain = value.rpartition("@")
    if not DOMAIN.fullmatch(domain):
        raise BlocklistError(f"“{text.strip()[:80]}” is not an email address or a domain")
    if not at:
        return BlockKind.DOMAIN, domain
    if not LOCAL.fullmatch(local) or len(local.encode("utf-8", "replace")) > MAX_LOCAL:
        raise BlocklistError(f"“{text.strip()[:80]}” is not an email address")
    return BlockKind.ADDRESS, value


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


def candidates(address: str) -> list[str]:
    """The values that would block this address: itself, its domain, the parent domains."""
    address = address.strip().lower()
    labels = domain_of(address).split(".")
    domains = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    return [address, *domains] if "@" in address else domains


def blocking(address: str | None, blocked: Iterable[str]) -> str | None:
    """The entry that blocks this address (the address itself first), or None."""
    if not address:
        return None
    found = set(blocked)
    return next((value for value in candidates(address) if value in found), None)


def load_blocked(session: Session, addresses: Iterable[str | None]) -> frozenset[str]:
    """The entries that block any of these addresses: one query, for a batch of mail."""
    wanted = {value for a in addresses if a for value in candidates(a)}
    if not wanted:
        return frozenset()
    return frozenset(
        session.scalars(select(BlockedSender.value).where(BlockedSender.value.in_(wanted)))
    )


def add_block(
    session: Session, text: str, actor_id: int | None, note: str = ""
) -> tuple[BlockedSender, bool]:
    """Block an address or a domain; (the entry, whether it is new). Audited when new."""
    kind, value = parse_entry(text)
    note = " ".join(note.split())[:MAX_NOTE]
    entry = session.scalar(select(BlockedSender).where(BlockedSender.value == value))
    if entry is not None:
        return entry, False
    entry = BlockedSender(value=value, kind=kind, note=note, created_by_id=actor_id)
    session.add(entry)
    session.flush()
    record_audit(
        session, actor_id, "blocklist.add", "blocked_sender", entry.id, value=value, note=note
    )
    return entry, True


def remove_block(session: Session, entry_id: int, actor_id: int | None) -> BlockedSender:
    """Take an entry off the blocklist (mail already blocked stays blocked until released)."""
    entry = session.get(BlockedSender, entry_id)
    if entry is None:
        raise BlocklistError("there is no such blocklist entry")
    session.delete(entry)
    record_audit(
        session, actor_id, "blocklist.remove", "blocked_sender", entry_id, value=entry.value
    )
    return entry


def list_blocked(session: Session) -> list[BlockedSender]:
    """Every entry, domains and addresses together, by value."""
    return list(session.scalars(select(BlockedSender).order_by(BlockedSender.value)))


def count_blocked(session: Session) -> int:
    return session.scalar(select(func.count(BlockedSender.id))) or 0
