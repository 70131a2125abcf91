"""Telling agents that a ticket of theirs breached, or is about to breach, its SLA.

`check_sla` runs every minute in the `helpdesk outbox send` loop (like snooze's wake_due)
and once with `helpdesk sla check`. Deadlines are the SLA report's (helpdesk/reports/sla.py):
a category's first-response and resolution targets from the ticket's creation, in calendar
or business time; "about to breach" is due within HELPDESK_SLA_WARNING_MINUTES.

Each ticket's target is noticed once per state (due_soon, then breached), stored in
`sla_notice`, whoever its assignee is then and whether or not they want the mail. Unassigned
tickets are not noticed: one assigned later while late is told to its new assignee. Only
targets missed within the last OLD_NEWS are looked at: news older than that is no news (after
an upgrade, the backlog of tickets late for days does not flood their assignees), and each
check reads a day's worth of tickets at most, whatever the table's size.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from helpdesk.models import SlaNotice, Ticket
from helpdesk.reports.sla import TARGETS, SlaSettings, due_between, due_time, load_targets
from helpdesk.timefmt import storetime

if TYPE_CHECKING:
    from helpdesk.notifications import Notifier

BREACHED, DUE_SOON = "breached", "due_soon"
OLD_NEWS = timedelta(hours=24)
TARGET_WORDS = {"first_response": "first response", "resolution": "resolution"}


def check_sla(
    session: Session,
    now: datetime,
    settings: SlaSettings,
    notify: Notifier | None,
    limit: int = 500,
) -> int:
    """Notice (and notify) the tickets newly due soon or breached at `now`; how many.

    Does not commit. Several senders at once: each ticket row is taken once (skip locked)."""
    targets = load_targets(session)
    noticed = 0
    for kind in TARGETS:
        late = due_between(targets, kind, now - OLD_NEWS, now, settings.hours)
        soon = due_between(targets, kind, now, now + settings.warning, settings.hours)
        if late is None or soon is None:
            continue
        for state, condition in ((BREACHED, late), (DUE_SOON, soon)):
            for ticket in _unnoticed(session, condition, kind, state, limit):
                notice = SlaNotice(ticket_id=ticket.id, target=kind, state=state, noticed_at=now)
                session.add(notice)
                due = due_time(targets[ticket.category], kind, ticket.created_at, settings.hours)
                if notify is not None:
                    notify.sla(session, ticket, _line(ticket, kind, state, due, settings))
                noticed += 1
    session.flush()
    return noticed


def _unnoticed(
    session: Session, condition: ColumnElement[bool], kind: str, state: str, limit: int
) -> list[Ticket]:
    already = exists().where(
        SlaNotice.ticket_id == Ticket.id, SlaNotice.target == kind, SlaNotice.state == state
    )
    return list(
        session.scalars(
            select(Ticket)
            .where(condition, Ticket.assignee_id.is_not(None), ~already)
            .order_by(Ticket.created_at, Ticket.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Ticket)
        )
    )


def _line(ticket: Ticket, kind: str, state: str, due: datetime, settings: SlaSettings) -> str:
    when = storetime(due, str(settings.hours.timezone))
    what = TARGET_WORDS[kind]
    if state == BREACHED:
        return f"#{ticket.number} missed its {what} target (due {when})."
    return f"#{ticket.number} is about to miss its {what} target (due {when})."
