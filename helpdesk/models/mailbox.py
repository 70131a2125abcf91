"""What the poller has seen: a cursor per mailbox and a record per fetched mail."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.models.base import Base, utcnow
from helpdesk.models.vocabulary import BLOCK_KINDS, OUTCOMES, sql_in

if TYPE_CHECKING:
    from helpdesk.models.message import Message
    from helpdesk.models.ticket import Ticket


class MailboxCursor(Base):
    """UIDVALIDITY plus the last UID whose mail is recorded, per mailbox."""

    __tablename__ = "mailbox_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(300), unique=True)
    uidvalidity: Mapped[int] = mapped_column(default=0)
    last_uid: Mapped[int] = mapped_column(default=0)
    last_poll_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]


class FetchedMail(Base):
    """Exactly one row per (mailbox, UIDVALIDITY, UID) ever fetched.

    `content_key` is set only on the row that ingested the content
    ("mid:<Message-ID>" or "sha:<sha256>"); its uniqueness per mailbox is what
    makes a second copy of the same mail a duplicate.
    """

    __tablename__ = "fetched_mail"
    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "uid"),
        UniqueConstraint("mailbox", "content_key"),
        Index(None, "outcome", "created_at"),
        CheckConstraint(sql_in("outcome", OUTCOMES), name="outcome"),
        Index(None, "mailbox", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(300))
    uidvalidity: Mapped[int]
    uid: Mapped[int]
    message_id: Mapped[str | None] = mapped_column(String(998))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(default=0)
    raw_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))
    content_key: Mapped[str | None] = mapped_column(String(1000))
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]

    ticket: Mapped[Ticket | None] = relationship()
    message: Mapped[Message | None] = relationship()


class BlockedSender(Base):
    """A blocklist entry: mail from this address, or from this domain or a subdomain of
    it, is recorded as blocked (helpdesk/blocklist.py, mail_ingest/rules.py)."""

    __tablename__ = "blocked_sender"
    __table_args__ = (CheckConstraint(sql_in("kind", BLOCK_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower case: "spam@example.com" or "example.com" (unique: the ingest looks values up).
    value: Mapped[str] = mapped_column(String(254), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
