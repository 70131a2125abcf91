"""Build raw RFC 5322 mails (CRLF bytes) for tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

_counter = itertools.count(1)

__all__ = ["make_huge_mail", "make_mail"]


def _addr(value: str | tuple[str, str]) -> str:
    """Accept "alice@example.com" or "Alice <alice@example.com>" or a (name, addr) pair."""
    if isinstance(value, tuple):
        return formataddr(value)
    name, addr = parseaddr(value)
    return formataddr((name, addr)) if addr else value


def make_mail(
    subject: str = "Question about my order",
    sender: str | tuple[str, str] = "alice@example.com",
    to: str | tuple[str, str] = "support@procase.com",
    body: str = "Hello,\n\nI have a question about my order.\n\nThanks,\nAlice\n",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | list[str] | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    html: str | None = None,
    date: object | None = None,
) -> bytes:
    """Return raw mail bytes with CRLF line endings.

    ``message_id`` may be given with or without ``<>``; by default a unique one is generated.
    ``references`` may be a list of ids (with or without ``<>``) or a ready header value.
    ``attachments`` are ``(filename, "type/subtype", data)`` triples.
    ``headers`` are added verbatim (and replace defaults of the same name).
    ``date`` may be a datetime or a header string; default is now (a mail just written).
    """
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = _addr(sender)
    msg["To"] = _addr(to)
    msg["Subject"] = subject
    if date is None:
        msg["Date"] = format_datetime(datetime.now(UTC))
    elif isinstance(date, str):
        msg["Date"] = date
    else:
        msg["Date"] = format_datetime(date)  # type: ignore[arg-type]
    if message_id is None:
        message_id = f"test-{next(_counter)}-{id(msg):x}@mail.example.com"
    msg["Message-ID"] = _angle(message_id)
    if in_reply_to:
        msg["In-Reply-To"] = _angle(in_reply_to)
    if references:
        if isinstance(references, str):
            msg["References"] = (
                references if "<" in references else " ".join(map(_angle, references.split()))
            )
        else:
            msg["References"] = " ".join(_angle(r) for r in references)
    for name, value in (headers or {}).items():
        del msg[name]
        msg[name] = value

    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, ctype, data in attachments or []:
        maintype, _, subtype = ctype.partition("/")
        if maintype == "text":
            msg.add_attachment(
                data.decode("utf-8", "replace"), subtype=subtype or "plain", filename=filename
            )
        else:
            msg.add_attachment(
                data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename
            )
    return msg.as_bytes(policy=policy.SMTP)


def make_huge_mail(size_bytes: int, **kw: object) -> bytes:
    """A mail of at least ``size_bytes`` bytes (an attachment of random-ish bytes pads it)."""
    pad = max(0, int(size_bytes * 3 / 4))  # base64 grows data by 4/3
    chunk = bytes(range(256))
    data = (chunk * (pad // 256 + 1))[:pad]
    attachments = list(kw.pop("attachments", None) or [])  # type: ignore[call-overload]
    attachments.append(("big.bin", "application/octet-stream", data))
    return make_mail(attachments=attachments, **kw)  # type: ignore[arg-type]


def _angle(mid: str) -> str:
    mid = mid.strip()
    return mid if mid.startswith("<") else f"<{mid}>"
