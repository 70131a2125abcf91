"""Who has a ticket page open right now: one row per open page, refreshed by its heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.models.base import Base


class TicketPresence(Base):
    """One open ticket page of a signed-in user (`page_key`: a random key the page makes).

    Shared by every web process through the database. A row whose `seen_at` is older than
    the timeout (helpdesk.presence.services) counts as gone and is deleted by the next
    heartbeat; `typing_until` is set while the user edits the reply."""

    __tablename__ = "ticket_presence"
    __table_args__ = (
        UniqueConstraint("ticket_id", "user_id", "page_key"),
        Index(None, "seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    page_key: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime]
    typing_until: Mapped[datetime | None]
