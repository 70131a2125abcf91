"""Reply templates, API tokens and the policy checks agents ran on tickets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.models.base import Base, utcnow


class ReplyTemplate(Base):
    """A canned answer, rendered with Jinja's sandbox; `key` names it for code and seeds."""

    __tablename__ = "reply_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(30))
    body: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A bearer token for the API; only its sha256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="agent")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class PolicyCheck(Base):
    """The facts an agent confirmed on a ticket and the verdict they gave (JSON text).

    `applied` is set when a reply based on the verdict was sent; reports count those.
    """

    __tablename__ = "policy_check"
    __table_args__ = (Index(None, "applied", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    facts: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(30))
    refund_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    restocking_fee: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    product_name: Mapped[str | None] = mapped_column(String(300))
    applied: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
