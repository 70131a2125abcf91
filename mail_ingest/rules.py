"""Mail checks, Mailman style: small named predicates listed in one place.

A mail is automatic when any rule in RULES says so; automatic mail is recorded
but never acknowledged and never reopens a ticket.

A mail is a machine reply when a rule in MACHINE_RULES names it: an out-of-office or
other automatic answer. One that threads into a ticket is added to it like any automatic
mail; one that does not opens no ticket (recorded as ignored, "automatic: …"). The relay
and list rules above are not machine rules: a person may write through a list or a
marketplace relay, so Precedence: list or bulk mail still opens a ticket.

A mail is blocked when a rule in BLOCK_RULES gives a reason: its sender or the sender's
domain is on the blocklist (helpdesk/blocklist.py). It makes no ticket, is not added to
the ticket it answers, and gets no acknowledgement; it is recorded as `blocked` with its
bytes, and an admin can release it.

A mail is suspect when any rule in SUSPECT_RULES gives a reason: likely forged or
spam, it is still a ticket like any other, but it is not acknowledged, so that we
never send mail to an address that did not write to us (backscatter).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from helpdesk.blocklist import blocking
from mail_ingest.authres import AuthResults, parse_authentication_results
from mail_ingest.parse import ParsedMail

_DAEMON_LOCALPARTS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
_NOREPLY_LOCALPARTS = {"noreply", "no-reply", "donotreply", "do-not-reply"}


@dataclass(frozen=True)
class Context:
    """What the rules need besides the mail itself."""

    own_addresses: frozenset[str]
    own_message_id_domain: str
    # authserv-ids whose Authentication-Results we believe (our own mail servers'), lower case
    trusted_authserv_ids: frozenset[str] = frozenset()
    # The blocklist entries that may concern this mail (loaded for its batch), lower case
    blocked: frozenset[str] = frozenset()


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


AUTOMATIC_RULES: tuple[str, ...] = tuple(rule.__name__ for rule in RULES)
# What a person reads for each rule's name (helpdesk/labels.py: kind "automatic_rule").
AUTOMATIC_WORDS: dict[str, str] = {
    "auto_submitted": "Marked as sent automatically",
    "bulk_precedence": "Marked as bulk mail",
    "mailing_list": "From a mailing list",
    "auto_response_suppress": "Asks for no automatic replies",
    "null_sender": "No return address",
    "daemon_sender": "From a mail system or a no-reply address",
    "from_ourselves": "Our own mail coming back",
    "delivery_report": "A delivery report",
}


def automatic_reasons(mail: ParsedMail, ctx: Context) -> list[str]:
    """The names of the rules that call this mail automatic (empty: a person wrote it)."""
    return [rule.__name__ for rule in RULES if rule(mail, ctx)]


def answers_notification(mail: ParsedMail, ctx: Context) -> bool:
    """An answer to one of our notifications to staff: it refers to a Message-ID of their
    own domain, `notify.<ours>` (helpdesk/notifications.py). Staff talking among themselves,
    never a customer's message: it joins and opens no ticket."""
    domain = f"@notify.{ctx.own_message_id_domain.lower()}"
    return any(i.lower().endswith(domain) for i in (*mail.in_reply_to, *mail.references))


# -- machine replies: what kind of automatic answer, or None ---------------------------------

MachineRule = Callable[[ParsedMail, Context], str | None]

# How the reason of an ignored machine reply starts (the mailbox health page lists them).
AUTOMATIC_PREFIX = "automatic: "

# Subjects out-of-office replies start with (Outlook and Exchange write "Automatic reply:"
# in the sender's language). Alone they prove nothing: a person may write "Out of office?".
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|auto[- ]?response|out of (the )?office|"
    r"abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática|"
    r"risposta automatica|automatisch antwoord|autosvar|automatisk svar|auto)\s*:",
    re.IGNORECASE,
)


def outlook_out_of_office(mail: ParsedMail, ctx: Context) -> str | None:
    """Outlook/Exchange: an "Automatic reply:" subject and Exchange's own markers (any
    Auto-Submitted but `no`, or X-Auto-Response-Suppress)."""
    if not _AUTO_REPLY_SUBJECT.match(mail.subject or ""):
        return None
    if auto_submitted(mail, ctx) or mail.x_auto_response_suppress:
        return "out-of-office"
    return None


def auto_replied(mail: ParsedMail, ctx: Context) -> str | None:
    """RFC 3834 `Auto-Submitted: auto-replied` (Gmail's vacation responder and most others)
    or `auto-notified` (Sieve notifications)."""
    value = (mail.auto_submitted or "").split(";")[0].strip()
    if value in ("auto-replied", "auto-notified"):
        return "out-of-office" if _AUTO_REPLY_SUBJECT.match(mail.subject or "") else "auto-reply"
    return None


def autoreply_header(mail: ParsedMail, ctx: Context) -> str | None:
    """X-Autoreply / X-Autorespond (Yahoo, Exim and cPanel autoresponders)."""
    value = (mail.x_autoreply or "").strip()
    return "auto-reply" if value and value not in ("no", "false", "0") else None


def precedence_auto_reply(mail: ParsedMail, ctx: Context) -> str | None:
    return "auto-reply" if (mail.precedence or "").strip() == "auto_reply" else None


MACHINE_RULES: tuple[MachineRule, ...] = (
    outlook_out_of_office,
    auto_replied,
    autoreply_header,
    precedence_auto_reply,
)


def machine_reply(mail: ParsedMail, ctx: Context) -> str | None:
    """What kind of automatic answer this mail is ("out-of-office", "auto-reply"), or None."""
    for rule in MACHINE_RULES:
        if kind := rule(mail, ctx):
            return kind
    return None


# -- blocked mail: a reason, or None ---------------------------------------------------------

BlockRule = Callable[[ParsedMail, Context], str | None]

# How the reason of a blocked mail starts.
BLOCKED_PREFIX = "blocked: "


def blocked_sender(mail: ParsedMail, ctx: Context) -> str | None:
    """The sender (From, else Return-Path) or its domain is on the blocklist."""
    sender = mail.from_address or mail.return_path
    entry = blocking(sender, ctx.blocked)
    if entry is None:
        return None
    what = "the sender" if entry == (sender or "").lower() else f"the domain {entry}"
    return f"{BLOCKED_PREFIX}{what} is on the blocklist ({sender})"


BLOCK_RULES: tuple[BlockRule, ...] = (blocked_sender,)


def blocked_reason(mail: ParsedMail, ctx: Context) -> str | None:
    """Why this mail is blocked, or None."""
    for rule in BLOCK_RULES:
        if reason := rule(mail, ctx):
            return reason
    return None


# -- suspect mail: a reason for the agent, or None --------------------------------------------

SuspectRule = Callable[[ParsedMail, Context], str | None]


def trusted_results(mail: ParsedMail, ctx: Context) -> list[AuthResults]:
    """The topmost Authentication-Results of each trusted authserv-id.

    Our server adds its header on top; one lower down with the same id was already in
    the mail when it arrived, and anyone can write that."""
    found: dict[str, AuthResults] = {}
    for value in mail.authentication_results:
        read = parse_authentication_results(value)
        if read and read.authserv_id in ctx.trusted_authserv_ids:
            found.setdefault(read.authserv_id, read)
    return list(found.values())


def dmarc_fail(mail: ParsedMail, ctx: Context) -> str | None:
    for results in trusted_results(mail, ctx):
        if results.said("dmarc", "fail"):
            return f"the sender failed DMARC at {results.authserv_id}"
    return None


def spf_fail_without_dkim(mail: ParsedMail, ctx: Context) -> str | None:
    for results in trusted_results(mail, ctx):
        if results.said("spf", "fail") and not results.said("dkim", "pass"):
            return f"the sender failed SPF at {results.authserv_id}, with no DKIM signature passing"
    return None


def spam_flagged(mail: ParsedMail, ctx: Context) -> str | None:
    """A spam filter's verdict (SpamAssassin's X-Spam-Flag / X-Spam-Status, rspamd's X-Spam).

    Any sender can write these too, but only to keep their own mail unacknowledged."""
    for flag in mail.spam_flags:
        name, _, value = flag.partition(": ")
        if value == "yes" or value.startswith(("yes,", "yes ")):
            return f"a spam filter marked it as spam ({name.title()}: {value.split(',')[0]})"
    return None


SUSPECT_RULES: tuple[SuspectRule, ...] = (dmarc_fail, spf_fail_without_dkim, spam_flagged)


def suspect_reasons(mail: ParsedMail, ctx: Context) -> list[str]:
    """Why this mail is likely forged or spam (empty: nothing says so)."""
    return [reason for rule in SUSPECT_RULES if (reason := rule(mail, ctx))]
