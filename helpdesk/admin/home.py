"""The admin console's home: each area's state in one line, a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from helpdesk.blocklist import count_blocked
from helpdesk.models import (
    AuditEvent,
    CategoryRule,
    FetchedMail,
    MailboxCursor,
    Outcome,
    ReplyTemplate,
    SlaTarget,
    User,
)


@dataclass(frozen=True)
class LatestAudit:
    action: str
    target_type: str
    target_id: str | None
    at: datetime
    actor: str | None  # None: the system


@dataclass(frozen=True)
class ConsoleState:
    users: dict[str, int]  # role -> active users
    rules: int
    sla_categories: list[str]  # categories with a first-response or resolution target
    templates: int
    active_templates: int
    last_poll_at: datetime | None  # the latest successful poll of any mailbox
    last_error: str | None  # the latest poller error, if any mailbox has one
    last_error_at: datetime | None
    mailboxes: int
    quarantined: int
    latest_audit: LatestAudit | None
    blocked_senders: int = 0  # blocklist entries
    blocked_mail: int = 0  # fetched mail with the outcome blocked


def console_state(session: Session) -> ConsoleState:
    """Nine small queries, whatever the number of users, rules or mail."""
    users = session.execute(
        select(User.role, func.count(User.id)).where(User.active.is_(True)).group_by(User.role)
    ).all()
    templates, active = session.execute(
        select(
            func.count(ReplyTemplate.id),
            func.coalesce(func.sum(case((ReplyTemplate.active.is_(True), 1), else_=0)), 0),
        )
    ).one()
    sla = session.scalars(
        select(SlaTarget.category)
        .where(
            or_(
                SlaTarget.first_response_minutes.is_not(None),
                SlaTarget.resolution_minutes.is_not(None),
            )
        )
        .order_by(SlaTarget.category)
    ).all()
    cursors = session.scalars(select(MailboxCursor)).all()
    polls = [c.last_poll_at for c in cursors if c.last_poll_at]
    errors = sorted(
        (c for c in cursors if c.last_error and c.last_error_at),
        key=lambda c: c.last_error_at,  # type: ignore[arg-type,return-value]
    )
    held = dict(
        session.execute(
            select(FetchedMail.outcome, func.count(FetchedMail.id))
            .where(FetchedMail.outcome.in_((Outcome.QUARANTINED, Outcome.BLOCKED)))
            .group_by(FetchedMail.outcome)
        ).all()
    )
    return ConsoleState(
        users={role: count for role, count in users},
        rules=session.scalar(select(func.count(CategoryRule.id))) or 0,
        sla_categories=list(sla),
        templates=templates,
        active_templates=int(active),
        last_poll_at=max(polls) if polls else None,
        last_error=errors[-1].last_error if errors else None,
        last_error_at=errors[-1].last_error_at if errors else None,
        mailboxes=len(cursors),
        quarantined=held.get(Outcome.QUARANTINED, 0),
        latest_audit=_latest_audit(session),
        blocked_senders=count_blocked(session),
        blocked_mail=held.get(Outcome.BLOCKED, 0),
    )


def _latest_audit(session: Session) -> LatestAudit | None:
    row = session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    event, actor = row
    return LatestAudit(event.action, event.target_type, event.target_id, event.created_at, actor)
