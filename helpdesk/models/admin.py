"""Settings an admin manages, and the audit log of who changed what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.models.base import Base, utcnow


class SlaTarget(Base):
    """How fast a category's tickets must be answered and solved (minutes).

    With `business_hours`, only the store's working hours count (see config).
    """

    __tablename__ = "sla_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(30), unique=True)
    first_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    business_hours: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """One change to a setting or record, by whom (None: the system), with a JSON detail."""

    __tablename__ = "audit_event"
    __table_args__ = (Index(None, "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
