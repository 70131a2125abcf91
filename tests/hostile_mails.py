"""Mails anyone on the internet can send that are larger than any column: raw bytes, built
by hand (header lines folded where a mailer would fold them, or not at all)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.utils import format_datetime

from tests.mailfactory import make_mail


def fold(words: list[str], sep: str = " ") -> str:
    """Header words joined by `sep`, folded onto continuation lines of about 78 bytes."""
    lines, line = [], ""
    for word in words:
        piece = word if not line else sep + word
        if line and len(line) + len(piece) > 76:
            lines.append(line + sep.rstrip())
            line = word
        else:
            line += piece
    lines.append(line)
    return "\r\n ".join(lines)


def raw_mail(headers: list[tuple[str, str]], body: str = "Hello,\r\n\r\nA question.\r\n") -> bytes:
    """A plain-text mail with exactly these headers (plus Date and MIME ones)."""
    names = {name.lower() for name, _ in headers}
    lines = [f"{name}: {value}" for name, value in headers]
    if "date" not in names:
        lines.append(f"Date: {format_datetime(datetime.now(UTC))}")  # recent: acknowledged
    if "to" not in names:
        lines.append("To: support@procase.com")
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def subject_text(length: int = 990) -> str:
    """`length` characters of words, as `long_subject(length)` carries them."""
    return " ".join(f"word{i:04d}" for i in range(length))[:length].strip()


def long_subject(length: int = 990) -> bytes:
    return raw_mail(
        [
            ("From", "Sam <sam@example.com>"),
            ("Subject", fold(subject_text(length).split())),
            ("Message-ID", "<long-subject@example.com>"),
        ]
    )


def encoded_subject(length: int = 3000) -> bytes:
    """A subject of `length` non-ASCII characters, RFC 2047 encoded (UTF-8, base64)."""
    text = ("Rückgabe der Hülle, bitte " * (length // 20 + 1))[:length]
    words, chunk = [], 30
    for i in range(0, len(text), chunk):
        data = base64.b64encode(text[i : i + chunk].encode()).decode()
        words.append(f"=?utf-8?b?{data}?=")
    return raw_mail(
        [
            ("From", "Jürgen <juergen@example.de>"),
            ("Subject", fold(words)),
            ("Message-ID", "<encoded-subject@example.de>"),
        ]
    )


def encoded_subject_text(length: int = 3000) -> str:
    return ("Rückgabe der Hülle, bitte " * (length // 20 + 1))[:length].strip()


def long_from_address(length: int = 300) -> bytes:
    local = "a" * 64
    domain = "b" * (length - len(local) - 1 - 4) + ".com"
    return raw_mail(
        [
            ("From", f"Someone <{local}@{domain}>"),
            ("Subject", "A sender longer than RFC 5321 allows"),
            ("Message-ID", "<long-from@example.com>"),
        ]
    )


def long_local_part() -> bytes:
    return raw_mail(
        [
            ("From", f"{'c' * 65}@example.com"),
            ("Subject", "A local part of 65 characters"),
            ("Message-ID", "<long-local@example.com>"),
        ]
    )


def long_from_name(length: int = 5000) -> bytes:
    name = ("Maximilian " * (length // 11 + 1))[:length].strip()
    return raw_mail(
        [
            ("From", f'"{fold(name.split())}" <max@example.com>'),
            ("Subject", "A very long name"),
            ("Message-ID", "<long-name@example.com>"),
        ]
    )


def long_message_id(length: int = 1500) -> bytes:
    return raw_mail(
        [
            ("From", "ida@example.com"),
            ("Subject", "A Message-ID of 1,500 characters"),
            ("Message-ID", f"<{'i' * (length - 12)}@example.com>"),
        ]
    )


def wide_message_id(chars: int = 900) -> bytes:
    """A Message-ID of under 998 characters but about 2,700 UTF-8 bytes (over what a
    PostgreSQL btree index entry holds)."""
    return raw_mail(
        [
            ("From", "wide@example.com"),
            ("Subject", "A Message-ID of 2,700 bytes"),
            ("Message-ID", f"<{'漢' * chars}@example.com>"),
        ]
    )


def many_references(count: int = 600) -> bytes:
    refs = [f"<ref-{i:04d}-{'r' * 40}@example.com>" for i in range(count)]
    return raw_mail(
        [
            ("From", "ria@example.com"),
            ("Subject", "Six hundred references"),
            ("Message-ID", "<many-references@example.com>"),
            ("References", fold(refs)),
            ("In-Reply-To", refs[-1]),
        ]
    )


def many_recipients(count: int = 5000) -> bytes:
    to = [f"to{i}@example.com" for i in range(count // 2)]
    cc = [f"cc{i}@example.org" for i in range(count - count // 2)]
    return raw_mail(
        [
            ("From", "tom@example.com"),
            ("Subject", "Five thousand recipients"),
            ("Message-ID", "<many-recipients@example.com>"),
            ("To", fold(["support@procase.com", *to], ", ")),
            ("Cc", fold(cc, ", ")),
        ]
    )


def long_filename(length: int = 1200) -> bytes:
    name = "f" * (length - 4) + ".jpg"
    return make_mail(
        subject="A photo with a long name",
        sender="fay@example.com",
        message_id="long-filename@example.com",
        attachments=[(name, "image/jpeg", b"\xff\xd8\xff\xe0 not really a photo")],
    )
