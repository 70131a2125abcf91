"""What staff notifications remember: the categories a user follows, the SLA notices sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.models.base import Base, utcnow


class CategoryFollow(Base):
    """A user wants a mail about every new ticket in `category`."""

    __tablename__ = "category_follow"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


class SlaNotice(Base):
    """A ticket's `target` (first_response, resolution) reached `state` (due_soon, breached)
    and its assignee was told (or had none, or had turned these mails off): never again."""

    __tablename__ = "sla_notice"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[str] = mapped_column(String(20), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    noticed_at: Mapped[datetime] = mapped_column(default=utcnow)
