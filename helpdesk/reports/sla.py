"""SLA status now: open tickets that broke, or are about to break, their category's target.

A target counts from the ticket's creation: first response until `first_response_at` is
set, resolution while the ticket is open (new, open or pending: waiting on the customer
does not stop the clock). A category without an SlaTarget row, or a target left empty,
has no target. A ticket is due when the target's minutes have passed, in calendar time
or, with `business_hours`, in the store's working hours.

Each target becomes a cut-off on `created_at` ("created before X is late by T"), so the
database filters with an index whatever the target kind; Python only computes the due
time of the tickets shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from helpdesk.models import SlaTarget, Ticket, User, utcnow
from helpdesk.reports.backlog import open_tickets
from helpdesk.reports.businesstime import (
    BusinessHours,
    add_business_minutes,
    business_minutes_between,
    parse_business_hours,
    subtract_business_minutes,
)

__all__ = [
    "DEFAULT_SLA",
    "TARGETS",
    "SlaRow",
    "SlaSettings",
    "add_business_minutes",
    "business_minutes_between",
    "due_between",
    "due_time",
    "load_targets",
    "seed_sla_targets",
    "sla_counts",
    "sla_settings",
    "sla_status",
    "subtract_business_minutes",
]

# The starting targets (minutes) that migration 0005 seeds: category, first response, resolution.
DEFAULT_SLA = (
    ("wrong_item", 4 * 60, 2 * 24 * 60),
    ("warranty", 8 * 60, 5 * 24 * 60),
    ("return", 8 * 60, 3 * 24 * 60),
    ("shipping", 8 * 60, 2 * 24 * 60),
    ("promotion", 24 * 60, 3 * 24 * 60),
    ("partnership", 48 * 60, 7 * 24 * 60),
    ("general", 24 * 60, 5 * 24 * 60),
)
TARGETS = {"first_response": "First response", "resolution": "Resolution"}


@dataclass(frozen=True)
class SlaSettings:
    hours: BusinessHours
    warning: timedelta = timedelta(hours=2)
    limit: int = 200


def sla_settings(config: Mapping[str, Any]) -> SlaSettings:
    """From the app's settings; ValueError names a bad business-hours setting."""
    hours = parse_business_hours(
        config["HELPDESK_BUSINESS_HOURS"],
        config["HELPDESK_BUSINESS_DAYS"],
        config["HELPDESK_TIMEZONE"],
    )
    minutes = int(config.get("HELPDESK_SLA_WARNING_MINUTES") or 120)
    return SlaSettings(hours=hours, warning=timedelta(minutes=minutes))


@dataclass(frozen=True)
class SlaRow:
    number: int
    subject: str
    category: str
    assignee: str
    target: str  # a key of TARGETS
    created_at: datetime
    due: datetime
    breached: bool

    def late_seconds(self, now: datetime) -> float:
        """How late (positive) or how long left (negative)."""
        return (now - self.due).total_seconds()


def load_targets(session: Session) -> dict[str, SlaTarget]:
    return {t.category: t for t in session.scalars(select(SlaTarget).order_by(SlaTarget.category))}


def seed_sla_targets(session: Session) -> int:
    """Add the default target of each category that has no row yet; how many were added."""
    present = set(session.scalars(select(SlaTarget.category)))
    added = [
        SlaTarget(category=c, first_response_minutes=f, resolution_minutes=r, updated_at=utcnow())
        for c, f, r in DEFAULT_SLA
        if c not in present
    ]
    session.add_all(added)
    return len(added)


def _minutes(target: SlaTarget, kind: str) -> int | None:
    return target.first_response_minutes if kind == "first_response" else target.resolution_minutes


def _cutoff(target: SlaTarget, minutes: int, moment: datetime, hours: BusinessHours) -> datetime:
    """Tickets of the category created at or before this are due by `moment`."""
    if target.business_hours:
        return subtract_business_minutes(moment, minutes, hours)
    return moment - timedelta(minutes=minutes)


def _due(target: SlaTarget, minutes: int, created: datetime, hours: BusinessHours) -> datetime:
    if target.business_hours:
        return add_business_minutes(created, minutes, hours)
    return created + timedelta(minutes=minutes)


def _late_by(
    targets: dict[str, SlaTarget], kind: str, moment: datetime, hours: BusinessHours
) -> ColumnElement[bool] | None:
    """A condition: the ticket's `kind` target is due by `moment` (None: no targets)."""
    terms = []
    for category, target in targets.items():
        minutes = _minutes(target, kind)
        if minutes is not None:
            cutoff = _cutoff(target, minutes, moment, hours)
            terms.append(and_(Ticket.category == category, Ticket.created_at <= cutoff))
    return or_(*terms) if terms else None


def _open_for(kind: str) -> ColumnElement[bool]:
    open_ = open_tickets()
    return and_(open_, Ticket.first_response_at.is_(None)) if kind == "first_response" else open_


def sla_counts(
    session: Session, now: datetime, settings: SlaSettings, targets: dict[str, SlaTarget]
) -> dict[str, dict[str, dict[str, int]]]:
    """{category: {target kind: {"breached": n, "due_soon": n}}}, one grouped query per kind."""
    result: dict[str, dict[str, dict[str, int]]] = {}
    for kind in TARGETS:
        soon = _late_by(targets, kind, now + settings.warning, settings.hours)
        late = _late_by(targets, kind, now, settings.hours)
        if soon is None or late is None:
            continue
        state = case((late, "breached"), else_="due_soon")
        for category, name, count in session.execute(
            select(Ticket.category, state, func.count())
            .where(_open_for(kind), soon)
            .group_by(Ticket.category, state)
        ):
            counts = result.setdefault(category, {}).setdefault(
                kind, {"breached": 0, "due_soon": 0}
            )
            counts[name] = count
    return result


def sla_status(
    session: Session, now: datetime, settings: SlaSettings, targets: dict[str, SlaTarget]
) -> list[SlaRow]:
    """The most urgent breached or about-to-breach targets (at most `settings.limit`), by due.

    One query per category and target kind, each limited: never a query per ticket.
    """
    rows: list[SlaRow] = []
    moment = now + settings.warning
    for kind in TARGETS:
        for category, target in targets.items():
            minutes = _minutes(target, kind)
            if minutes is None:
                continue
            cutoff = _cutoff(target, minutes, moment, settings.hours)
            found = session.execute(
                select(Ticket.number, Ticket.subject, Ticket.created_at, User.name)
                .outerjoin(User, User.id == Ticket.assignee_id)
                .where(_open_for(kind), Ticket.category == category, Ticket.created_at <= cutoff)
                .order_by(Ticket.created_at, Ticket.id)
                .limit(settings.limit)
            )
            for number, subject, created, assignee in found:
                due = _due(target, minutes, created, settings.hours)
                rows.append(
                    SlaRow(
                        number=number,
                        subject=subject,
                        category=category,
                        assignee=assignee or "Unassigned",
                        target=kind,
                        created_at=created,
                        due=due,
                        breached=due <= now,
                    )
                )
    rows.sort(key=lambda r: (r.due, r.number))
    return rows[: settings.limit]


def due_between(
    targets: dict[str, SlaTarget],
    kind: str,
    after: datetime,
    by: datetime,
    hours: BusinessHours,
) -> ColumnElement[bool] | None:
    """Open tickets whose `kind` target falls due after `after` and by `by`: one creation
    range per category, so an index on created_at reads only those days (None: no targets)."""
    terms = []
    for category, target in targets.items():
        minutes = _minutes(target, kind)
        if minutes is not None:
            terms.append(
                and_(
                    Ticket.category == category,
                    Ticket.created_at > _cutoff(target, minutes, after, hours),
                    Ticket.created_at <= _cutoff(target, minutes, by, hours),
                )
            )
    return and_(_open_for(kind), or_(*terms)) if terms else None


def due_time(target: SlaTarget, kind: str, created: datetime, hours: BusinessHours) -> datetime:
    """When a ticket of the target's category created at `created` is due (`kind` set)."""
    minutes = _minutes(target, kind)
    assert minutes is not None
    return _due(target, minutes, created, hours)
