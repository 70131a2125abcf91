"""The store's orders, imported from its order export, and their items."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.models.base import Base, utcnow


class Order(Base):
    __tablename__ = "order"

    """`channel` is one of helpdesk.policy.CHANNELS (checked by the order import)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    channel: Mapped[str] = mapped_column(String(30))
    purchase_date: Mapped[date]
    delivery_date: Mapped[date | None]
    customer_email: Mapped[str] = mapped_column(String(254), index=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.id", cascade="all, delete-orphan"
    )


class OrderItem(Base):
    __tablename__ = "order_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(300))
    product_type: Mapped[str] = mapped_column(String(20), default="standard")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    order: Mapped[Order] = relationship(back_populates="items")
