"""What the outbox sender's loop does besides sending, every round: wake the snoozed
tickets whose time has come, and (every SLA_CHECK_EVERY) notice SLA breaches. The same for
`helpdesk outbox send` and the demo; `helpdesk snooze wake` / `helpdesk sla check` do one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from helpdesk.notifications import Notifier
from helpdesk.reports.sla import SlaSettings, sla_settings
from helpdesk.sla_notices import check_sla
from helpdesk.tickets.snooze import wake_due

SLA_CHECK_EVERY = timedelta(minutes=1)
log = logging.getLogger("helpdesk.outbox")


@dataclass
class Periodic:
    notify: Notifier
    sla: SlaSettings
    last_sla_check: datetime | None = None

    @classmethod
    def from_app(cls, app: Flask) -> Periodic:
        return cls(notify=Notifier.from_config(app.config), sla=sla_settings(app.config))

    def wake(self, session: Session, now: datetime, limit: int = 500) -> int:
        """Wake the due snoozed tickets (their assignees notified) and commit; how many."""
        woke = wake_due(session, now, limit, notify=self.notify)
        session.commit()
        return woke

    def check_sla(self, session: Session, now: datetime, limit: int = 500) -> int:
        """Notice the SLA targets newly due soon or breached, notify, commit; how many."""
        noticed = check_sla(session, now, self.sla, self.notify, limit)
        session.commit()
        self.last_sla_check = now
        return noticed

    def run(self, session: Session, now: datetime) -> None:
        """One round; a failure is logged and rolled back (the next round tries again)."""
        try:
            if woke := self.wake(session, now):
                log.info("snooze: %d tickets back", woke)
        except Exception:
            session.rollback()
            log.exception("snooze: waking tickets failed")
        if self.last_sla_check is not None and now - self.last_sla_check < SLA_CHECK_EVERY:
            return
        try:
            if noticed := self.check_sla(session, now):
                log.info("sla: %d targets due soon or missed", noticed)
        except Exception:
            session.rollback()
            self.last_sla_check = now
            log.exception("sla: checking the targets failed")
