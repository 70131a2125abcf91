"""Reading the audit log: filters and keyset pages, newest first (written by helpdesk/audit.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from helpdesk.admin.paging import IdPage, id_page
from helpdesk.labels import label
from helpdesk.models import AuditEvent, User
from helpdesk.storedays import local_midnight

PAGE_SIZE = 50
SYSTEM = "system"  # the actor filter's value for events without a user


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # a user id, SYSTEM, or "" for anyone
    action: str = ""
    target_type: str = ""
    start: date | None = None
    end: date | None = None  # inclusive


def _conditions(f: AuditFilter, timezone: str) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if f.actor == SYSTEM:
        found.append(AuditEvent.actor_id.is_(None))
    elif f.actor:
        found.append(AuditEvent.actor_id == int(f.actor))
    if f.action:
        found.append(AuditEvent.action == f.action)
    if f.target_type:
        found.append(AuditEvent.target_type == f.target_type)
    if f.start:
        found.append(AuditEvent.created_at >= local_midnight(f.start, timezone))
    if f.end:
        found.append(AuditEvent.created_at < local_midnight(f.end + timedelta(days=1), timezone))
    return found


def audit_page(
    session: Session,
    f: AuditFilter,
    timezone: str,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> IdPage:
    """Rows of (AuditEvent, actor name or None, actor email or None) matching `f`."""
    query = (
        select(AuditEvent, User.name, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*_conditions(f, timezone))
    )
    return id_page(session, query, AuditEvent.id, before, after, size)


def filter_choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The values the filters offer: users, and the actions and target types logged so far."""
    users = session.execute(select(User.id, User.name, User.email).order_by(User.name)).all()
    actions = session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    targets = session.scalars(
        select(AuditEvent.target_type).distinct().order_by(AuditEvent.target_type)
    )
    return {
        "actor": [("", "anyone"), (SYSTEM, "the system")]
        + [(str(i), f"{name} ({email})") for i, name, email in users],
        "action": [("", "any")] + [(a, label(a, "audit_action")) for a in actions],
        "target_type": [("", "any")] + [(t, label(t, "audit_target")) for t in targets],
    }
