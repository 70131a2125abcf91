"""Automatic-mail checks, Mailman style: small named predicates listed in one place.

A mail is automatic when any rule in RULES says so; automatic mail is recorded
but never acknowledged and never reopens a ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mail_ingest.parse import ParsedMail

_DAEMON_LOCALPARTS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
_NOREPLY_LOCALPARTS = {"noreply", "no-reply", "donotreply", "do-not-reply"}


@dataclass(frozen=True)
class Context:
    """What the rules need besides the mail itself."""

    own_addresses: frozenset[str]
    own_message_id_domain: str


Rule = Callable[[ParsedMail, Context], bool]


def auto_submitted(mail: ParsedMail, ctx: Context) -> bool:
    """RFC 3834: any Auto-Submitted value other than `no`."""
    value = (mail.auto_submitted or "").split(";")[0].strip()
    return bool(value) and value != "no"


def bulk_precedence(mail: ParsedMail, ctx: Context) -> bool:
    return (mail.precedence or "").strip() in {"bulk", "junk", "list", "auto_reply"}


def mailing_list(mail: ParsedMail, ctx: Context) -> bool:
    return bool(mail.list_id)


def auto_response_suppress(mail: ParsedMail, ctx: Context) -> bool:
    """Exchange's marker on its own automatic mail (out-of-office and the like)."""
    return bool(mail.x_auto_response_suppress)


def null_sender(mail: ParsedMail, ctx: Context) -> bool:
    return mail.return_path == "" or not mail.from_address


def daemon_sender(mail: ParsedMail, ctx: Context) -> bool:
    local = (mail.from_address or "").partition("@")[0]
    return local in _DAEMON_LOCALPARTS or local in _NOREPLY_LOCALPARTS


def from_ourselves(mail: ParsedMail, ctx: Context) -> bool:
    """Our own address, or a Message-ID we minted: a loop."""
    if mail.from_address and mail.from_address in ctx.own_addresses:
        return True
    mid = mail.message_id or ""
    return bool(mid) and mid.rpartition("@")[2].lower() == ctx.own_message_id_domain.lower()


def delivery_report(mail: ParsedMail, ctx: Context) -> bool:
    return mail.is_delivery_report


RULES: tuple[Rule, ...] = (
    auto_submitted,
    bulk_precedence,
    mailing_list,
    auto_response_suppress,
    null_sender,
    daemon_sender,
    from_ourselves,
    delivery_report,
)


def automatic_reasons(mail: ParsedMail, ctx: Context) -> list[str]:
    """The names of the rules that call this mail automatic (empty: a person wrote it)."""
    return [rule.__name__ for rule in RULES if rule(mail, ctx)]
