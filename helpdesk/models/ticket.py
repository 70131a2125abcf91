"""Customers, tickets and the history of changes made to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.models.base import Base, utcnow
from helpdesk.models.vocabulary import (
    ACTIONABLE,
    ALL_STATUSES,
    EVENT_KINDS,
    OPEN,
    Status,
    sql_in,
)

if TYPE_CHECKING:
    from helpdesk.models.user import User

# Literal, so that the planner matches a query's identical condition to the partial index:
# "status IN ('new', 'open', 'pending')", as migration 0006 wrote it.
OPEN_WHERE = sql_in("status", OPEN)
# "status IN ('new', 'open')": the tickets waiting on us (My open tickets, migration 0015).
ACTIONABLE_WHERE = sql_in("status", ACTIONABLE)
PRIORITIES = ("low", "normal", "high", "urgent")
# Priorities in their order, as one SQL expression (index ix_ticket_open_priority, 0015);
# a query sorting by priority must use this text exactly for the index to apply.
PRIORITY_RANK = (
    "CASE priority "
    + " ".join(f"WHEN '{p}' THEN {rank}" for rank, p in enumerate(PRIORITIES))
    + " ELSE -1 END"
)
CATEGORIES = (
    "wrong_item",
    "warranty",
    "return",
    "shipping",
    "promotion",
    "partnership",
    "general",
)


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(Text, default="")  # as the mail gave it (0007)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        Index(None, "status", "updated_at"),
        Index(None, "category", "status"),
        Index(None, "assignee_id", "status"),
        Index(None, "created_at"),
        Index(None, "status", "waiting_since"),
        Index(None, "status", "policy_deadline"),
        Index(None, "status", "created_at"),
        # The queue's "All tickets" view sorted by last update or by nearest deadline.
        Index(None, "updated_at"),
        Index(None, "policy_deadline", "id"),
        # Reports (migration 0006): tickets solved in a date range; and the open tickets only,
        # with every column the backlog and SLA reports group or filter them by (index-only).
        Index(None, "resolved_at"),
        Index(
            "ix_ticket_open_reports",
            "category",
            "created_at",
            "status",
            "assignee_id",
            "first_response_at",
            postgresql_where=text(OPEN_WHERE),
            sqlite_where=text(OPEN_WHERE),
        ),
        # The activity report reads each solve's ticket through this, index-only (0014).
        Index("ix_ticket_solve_keys", "id", "created_at", "category", "assignee_id"),
        # Migration 0015: My open tickets, newest or oldest first, reading only its own rows;
        # the open tickets by priority; and the queue's full-text search (PostgreSQL only).
        Index(
            "ix_ticket_mine",
            "assignee_id",
            "created_at",
            "id",
            postgresql_where=text(ACTIONABLE_WHERE),
            sqlite_where=text(ACTIONABLE_WHERE),
        ),
        Index(
            "ix_ticket_open_priority",
            text(f"({PRIORITY_RANK})"),
            "created_at",
            postgresql_where=text(ACTIONABLE_WHERE),
            sqlite_where=text(ACTIONABLE_WHERE),
        ),
        # Migration 0017: the snoozed tickets whose time has come (wake_due).
        Index(None, "snoozed_until"),
        # Migration 0021: the live queue's "what changed since" (stamped rows only).
        Index(
            "ix_ticket_changed_at",
            "changed_at",
            postgresql_where=text("changed_at IS NOT NULL"),
            sqlite_where=text("changed_at IS NOT NULL"),
        ),
        # Migration 0024: the tickets merged into a given one (re-pointed by a later merge).
        # Partial: the views and reports ask for "merged_into_id IS NULL", which is nearly
        # every row; a full index tempted the planner (before ANALYZE saw the new column) to
        # read all of it for every day of the activity report.
        Index(
            "ix_ticket_merged_into_id",
            "merged_into_id",
            postgresql_where=text("merged_into_id IS NOT NULL"),
            sqlite_where=text("merged_into_id IS NOT NULL"),
        ),
        Index("ix_ticket_search", "search", postgresql_using="gin").ddl_if(dialect="postgresql"),
        CheckConstraint(sql_in("status", ALL_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    subject: Mapped[str] = mapped_column(Text)  # whole, as the customer wrote it (0007)
    category: Mapped[str] = mapped_column(String(30), default="general")
    status: Mapped[str] = mapped_column(String(20), default=Status.NEW)
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    order_number: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The day the customer wrote (a plausible Date of their first mail), the policy's request
    # date; created_at is when the helpdesk read it (migration 0008).
    first_contact_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    # Who wrote the first reply, set with first_response_at (migration 0013).
    first_responder_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None]
    # Set when a person's mail arrives, cleared when we answer: "the customer waits on us".
    waiting_since: Mapped[datetime | None]
    # The last day of the policy window that applies (from the last policy check), to sort by.
    policy_deadline: Mapped[date | None]
    # Snooze (migration 0017): a pending ticket comes back (reopens) at this time, or earlier
    # when the customer writes; cleared whenever the ticket leaves pending.
    snoozed_until: Mapped[datetime | None]
    # When it came back from a snooze: the "Back from snooze" mark, until someone acts on it.
    woke_at: Mapped[datetime | None]
    # When anything shown about the ticket last changed (its row, a message, an event): set
    # on every flush by helpdesk.tickets.stamp, read by the live queue (migration 0021).
    changed_at: Mapped[datetime | None]
    # Recipients of the ticket besides the customer (0023): comma-separated addresses the
    # last agent's reply was Cc'd to; the next reply Cc's them by default.
    cc: Mapped[str] = mapped_column(Text, default="")
    # Merge (migration 0024): this ticket was merged into that one (its messages, notes and
    # history moved there; it is closed, left out of the queue and the reports).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    # The words of the subject and every message, for the queue's search (PostgreSQL; NULL on
    # SQLite). Kept by helpdesk.tickets.search; deferred: pages never read it.
    search: Mapped[str | None] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), deferred=True
    )

    @property
    def cc_addresses(self) -> list[str]:
        """Who else is on the ticket besides the customer (`cc`), as a list."""
        return [address for address in self.cc.split(",") if address]

    customer: Mapped[Customer] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(lazy="joined", foreign_keys="Ticket.assignee_id")
    # Loaded with the tickets that have one, in one more query (none when no ticket has one).
    merged_into: Mapped[Ticket | None] = relationship(remote_side=[id], lazy="selectin")


class TicketEvent(Base):
    """One change to a ticket: who (a user, or None for the system), what, when."""

    __tablename__ = "ticket_event"
    # Reports count status changes in a date range (migration 0006).
    __table_args__ = (
        Index(None, "kind", "created_at"),
        CheckConstraint(sql_in("kind", EVENT_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(30))
    old_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The ticket this happened on before it was merged into `ticket` (migration 0024): the
    # activity report counts such events on the merged ticket only, so never again.
    merged_from_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))

    ticket: Mapped[Ticket] = relationship(foreign_keys=[ticket_id])


class Counter(Base):
    """Named sequences (ticket numbers) that work the same on SQLite and PostgreSQL."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int]


class CategoryRule(Base):
    """Ordered subject rules: the first active rule whose pattern matches wins."""

    __tablename__ = "category_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(String(30))
    pattern: Mapped[str] = mapped_column(String(200))
    is_regex: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
