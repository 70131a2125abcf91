"""Outgoing mail, queued in the transaction that caused it and sent later."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.models.base import Base, utcnow
from helpdesk.models.vocabulary import OUTBOX_KINDS, OUTBOX_STATUSES, OutboxStatus, sql_in

if TYPE_CHECKING:
    from helpdesk.models.message import Message
    from helpdesk.models.ticket import Ticket


class OutboxMail(Base):
    __tablename__ = "outbox_mail"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "to_address", "kind", "created_at"),
        CheckConstraint(sql_in("status", OUTBOX_STATUSES), name="status"),
        CheckConstraint(sql_in("kind", OUTBOX_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    kind: Mapped[str] = mapped_column(String(20))  # OutboxKind
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    from_address: Mapped[str] = mapped_column(String(254))
    to_address: Mapped[str] = mapped_column(String(254))
    # Comma-separated: Cc in the header, Bcc only in the envelope (0018).
    cc: Mapped[str] = mapped_column(Text, default="")
    bcc: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(998))
    text: Mapped[str] = mapped_column(Text)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[str] = mapped_column(Text, default="")
    auto_submitted: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    ticket: Mapped[Ticket | None] = relationship()
    message: Mapped[Message | None] = relationship()
