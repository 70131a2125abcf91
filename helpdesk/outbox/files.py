"""Files sent with outgoing mail: THE way to attach files to any mail we send.

A file to send is an `OutgoingFile`: bytes already in the blob store (an agent's upload,
stored with `store_upload`; or an inbound attachment forwarded, `from_attachment`). Queue
the mail with `queue_mail(..., message=M, files=[...])` or `queue_reply_message(...,
files=[...])`: the files become Attachment rows of the outbound Message M (shown and
downloadable on the ticket like inbound ones), and the sender attaches exactly the
attachments of the row's message, as a multipart/mixed mail (`load_files`).

From a request: `read_uploads(request.files.getlist(...))` gives the `Upload`s, and
`prepare_files(session, uploads, forwarded, limits, text)` checks the size limits
(`FileLimits.from_config`: REPLY_MAX_FILE_BYTES per file, REPLY_MAX_BYTES for the text
and files together; FileLimitError) before it stores anything, then returns the
OutgoingFiles. `ticket_attachments` finds attachments to forward, on one ticket only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from helpdesk.blobs import store_blob
from helpdesk.models import Attachment, Blob, Message
from helpdesk.params import MAX_ID
from helpdesk.tickets.files import human_size
from mail_ingest.parse import safe_filename

MAX_FILES = 20  # files on one mail
DEFAULT_TYPE = "application/octet-stream"
# type/subtype only (parameters dropped): the sender splits it into a MIME part's type.
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,127}$")


class FileError(ValueError):
    """Files that cannot be sent; the message says which and why, `field` where they were
    given and `status` the HTTP answer (the API's)."""

    field = "attachments"
    status = 400


class FileLimitError(FileError):
    """Too many files, or too large."""

    status = 413


class UnknownAttachment(FileError):
    """An attachment to forward that is not on the ticket."""

    field = "forward_attachment_ids"


@dataclass(frozen=True)
class FileLimits:
    per_file: int
    per_mail: int
    count: int = MAX_FILES

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FileLimits:
        return cls(int(config["REPLY_MAX_FILE_BYTES"]), int(config["REPLY_MAX_BYTES"]))


def request_cap(config: Mapping[str, Any]) -> int:
    """MAX_CONTENT_LENGTH: the largest request body read at all. Twice REPLY_MAX_BYTES (and
    a megabyte for the form), so a reply a little over the limit still reaches the view
    and gets its message at the composer with the text kept; a larger one is a 413 page."""
    return 2 * int(config.get("REPLY_MAX_BYTES", 15 * 1024 * 1024)) + 1024 * 1024


def too_large_message(config: Mapping[str, Any]) -> str:
    limits = FileLimits.from_config(config)
    return (
        f"The files are too large to send: at most {human_size(limits.per_mail)} in one "
        f"reply and {human_size(limits.per_file)} per file. Go back, remove files and send "
        "again."
    )


@dataclass(frozen=True)
class OutgoingFile:
    """A file to send whose bytes are in the blob store under `sha256`."""

    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Upload:
    """A file as the agent sent it, not stored yet."""

    filename: str | None
    content_type: str | None
    data: bytes


def read_uploads(storages: Iterable[FileStorage]) -> list[Upload]:
    """The uploaded files' bytes; a file input left empty (no name, no bytes) is skipped.
    The request's size is bounded by MAX_CONTENT_LENGTH before this reads it."""
    uploads = []
    for storage in storages:
        data = storage.read()
        if storage.filename or data:
            uploads.append(Upload(storage.filename, storage.mimetype, data))
    return uploads


def clean_content_type(value: str | None) -> str:
    """`type/subtype` in lowercase, without parameters; application/octet-stream when the
    value is not one."""
    value = (value or "").split(";", 1)[0].strip().lower()
    return value if _CONTENT_TYPE.match(value) else DEFAULT_TYPE


def check_files(sizes: Sequence[tuple[str, int]], limits: FileLimits, text_bytes: int = 0) -> None:
    """Raise FileLimitError unless the files, (filename, size) each, fit the limits."""
    if len(sizes) > limits.count:
        raise FileLimitError(f"At most {limits.count} files can be sent with one mail.")
    for name, size in sizes:
        if size > limits.per_file:
            raise FileLimitError(
                f"The file {name!r} is {human_size(size)}: at most "
                f"{human_size(limits.per_file)} per file can be sent."
            )
    total = text_bytes + sum(size for _, size in sizes)
    if total > limits.per_mail:
        raise FileLimitError(
            f"The files come to {human_size(total)} with the text: at most "
            f"{human_size(limits.per_mail)} can be sent in one mail."
        )


def prepare_files(
    session: Session,
    uploads: Sequence[Upload],
    forwarded: Sequence[Attachment],
    limits: FileLimits,
    text: str = "",
) -> list[OutgoingFile]:
    """The files of one mail, uploads first: FileLimitError (nothing stored) unless the
    uploads, the `forwarded` attachments and the `text` fit `limits`."""
    sizes = [(u.filename or "attachment", len(u.data)) for u in uploads]
    sizes += [(a.filename, a.size) for a in forwarded]
    check_files(sizes, limits, len(text.encode("utf-8")))
    stored = [store_upload(session, u.filename, u.content_type, u.data) for u in uploads]
    return stored + [from_attachment(a) for a in forwarded]


def ticket_attachments(session: Session, ticket_id: int, ids: Iterable[int]) -> list[Attachment]:
    """The attachments `ids` of messages on ticket `ticket_id`, in the order given;
    UnknownAttachment when one is not on that ticket."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = {
        a.id: a
        for a in session.scalars(
            select(Attachment)
            .join(Message, Message.id == Attachment.message_pk)
            .where(
                Message.ticket_id == ticket_id,
                Attachment.id.in_([i for i in wanted if 0 < i <= MAX_ID]),
            )
        )
    }
    missing = [i for i in wanted if i not in found]  # (an id beyond the column's range too)
    if missing:
        raise UnknownAttachment(f"There is no attachment {missing[0]} on this ticket.")
    return [found[i] for i in wanted]


def store_upload(
    session: Session, filename: str | None, content_type: str | None, data: bytes
) -> OutgoingFile:
    """Store uploaded bytes once (content-addressed) and describe them; the name is made
    safe as an inbound attachment's is (basename, no control characters, <= 150)."""
    kind = clean_content_type(content_type)
    return OutgoingFile(
        filename=safe_filename(filename, kind),
        content_type=kind,
        size=len(data),
        sha256=store_blob(session, data),
    )


def from_attachment(attachment: Attachment) -> OutgoingFile:
    """A stored attachment (inbound or ours) to send again: the same bytes, no copy."""
    return OutgoingFile(
        filename=attachment.filename,
        content_type=clean_content_type(attachment.content_type),
        size=attachment.size,
        sha256=attachment.sha256,
    )


def attach_files(
    session: Session, message: Message, files: Iterable[OutgoingFile]
) -> list[Attachment]:
    """The files as Attachment rows of the outbound `message`, added to the session."""
    rows = [
        Attachment(
            message=message,
            filename=f.filename,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            inline=False,
        )
        for f in files
    ]
    session.add_all(rows)
    return rows


def load_files(session: Session, message_pk: int | None) -> list[tuple[Attachment, bytes]]:
    """The attachments of message `message_pk` with their bytes, in order (one query)."""
    if message_pk is None:
        return []
    rows = session.execute(
        select(Attachment, Blob.data)
        .join(Blob, Blob.sha256 == Attachment.sha256)
        .where(Attachment.message_pk == message_pk)
        .order_by(Attachment.id)
    )
    return [(attachment, bytes(data)) for attachment, data in rows]
