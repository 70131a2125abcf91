"""Mail to staff about their tickets (outbox kind 'notify'), from the support address.

The events, each one a user chooses on their profile: someone else assigned them a ticket;
the customer wrote on a ticket assigned to them; a new ticket in a category they follow; a
ticket of theirs breaches or is about to breach its SLA (helpdesk/sla_check.py); a snoozed
ticket of theirs came back. Nothing for one's own action, and never to a customer.

Grouping: a notification is held `hold` (NOTIFY_GROUP_SECONDS) before the sender may send
it; while it is held (still queued, untried), the next one for the same user and ticket is
added to it, so the events of a few minutes make one mail.

Notifications carry no `[#N]` token and a Message-ID of their own domain
(`notify.<HELPDESK_MESSAGE_ID_DOMAIN>`): an agent's answer to one is recognised by ingest
(mail_ingest.rules.answers_notification) and opens or joins no ticket.

The ticket write path (tickets/services, tickets/snooze, mail_ingest/route) calls these
through a `Notifier` its caller builds at the edge; no Notifier, no mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from helpdesk.mailidentity import MailIdentity
from helpdesk.models import (
    CategoryFollow,
    Message,
    OutboxKind,
    OutboxMail,
    OutboxStatus,
    Ticket,
    User,
    utcnow,
)
from helpdesk.outbox.services import queue_mail

FOOTER = "You choose which of these mails you get on your profile page."
DEFAULT_HOLD = timedelta(seconds=180)


def notification_domain(identity: MailIdentity) -> str:
    """The domain of our notifications' Message-IDs (never a ticket message's)."""
    return f"notify.{identity.message_id_domain}"


@dataclass(frozen=True)
class Notifier:
    """Who we are in mail, where the helpdesk is (`base_url`: links; empty: none) and how
    long a notification waits for more events about its ticket (`hold`)."""

    identity: MailIdentity
    base_url: str = ""
    hold: timedelta = DEFAULT_HOLD

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Notifier:
        seconds = config.get("NOTIFY_GROUP_SECONDS")
        return cls(
            identity=MailIdentity.from_config(config),
            base_url=str(config.get("HELPDESK_BASE_URL") or "").rstrip("/"),
            hold=DEFAULT_HOLD if seconds is None else timedelta(seconds=int(seconds)),
        )

    def assigned(
        self, session: Session, ticket: Ticket, assignee_id: int | None, actor_id: int | None
    ) -> OutboxMail | None:
        """`actor_id` (None: the system) assigned `ticket` to `assignee_id`."""
        if assignee_id is None or assignee_id == actor_id:
            return None
        user = session.get(User, assignee_id)
        if user is None or not user.notify_assigned:
            return None
        actor = session.get(User, actor_id) if actor_id is not None else None
        who = actor.name if actor is not None else "The helpdesk"
        return self._queue(session, user, ticket, f"{who} assigned you #{ticket.number}.")

    def customer_wrote(
        self, session: Session, ticket: Ticket, message: Message
    ) -> OutboxMail | None:
        """The customer's `message` (a person's, not automatic) came in on `ticket`."""
        user = self._assignee(session, ticket)
        if user is None or not user.notify_customer_wrote:
            return None
        who = message.sender_name or message.sender or "The customer"
        return self._queue(session, user, ticket, f"{who} wrote on #{ticket.number}.")

    def new_ticket(self, session: Session, ticket: Ticket, actor_id: int | None) -> int:
        """A new ticket in `ticket.category`: its followers but the actor; how many."""
        followers = session.scalars(
            select(User)
            .join(CategoryFollow, CategoryFollow.user_id == User.id)
            .where(CategoryFollow.category == ticket.category, User.active.is_(True))
            .order_by(User.id)
        ).all()
        line = f"New ticket #{ticket.number} in a category you follow."
        sent = [self._queue(session, u, ticket, line) for u in followers if u.id != actor_id]
        return sum(mail is not None for mail in sent)

    def sla(self, session: Session, ticket: Ticket, line: str) -> OutboxMail | None:
        """`ticket` breached or is about to breach a target (`line` says which)."""
        user = self._assignee(session, ticket)
        if user is None or not user.notify_sla:
            return None
        return self._queue(session, user, ticket, line)

    def woke(self, session: Session, ticket: Ticket) -> OutboxMail | None:
        """The snoozed `ticket` came back (its time came)."""
        user = self._assignee(session, ticket)
        if user is None or not user.notify_snoozed:
            return None
        return self._queue(session, user, ticket, f"#{ticket.number} is back from snooze.")

    @staticmethod
    def _assignee(session: Session, ticket: Ticket) -> User | None:
        return session.get(User, ticket.assignee_id) if ticket.assignee_id is not None else None

    def _queue(self, session: Session, user: User, ticket: Ticket, line: str) -> OutboxMail | None:
        address = user.email.lower()
        if not user.active or address == self.identity.support_address:
            return None
        if _add_to_pending(session, ticket, address, line):
            return None
        link = f"{self.base_url}/tickets/{ticket.number}\n" if self.base_url else ""
        text = f"{line}\n\n#{ticket.number}: {ticket.subject}\n{link}\n-- \n{FOOTER}\n"
        return queue_mail(
            session,
            ticket=ticket,
            kind=OutboxKind.NOTIFY,
            from_address=self.identity.support_address,
            to_address=address,
            subject=f"{self.identity.store_name} helpdesk #{ticket.number}: {ticket.subject}",
            text=text,
            message_id_domain=notification_domain(self.identity),
            auto_submitted="auto-generated",
            token=False,
            not_before=utcnow() + self.hold,
        )


def _with_line(text: str, line: str) -> str:
    head, _, tail = text.partition("\n\n")  # the event lines come first
    return f"{head}\n{line}\n\n{tail}"


def _add_to_pending(session: Session, ticket: Ticket, address: str, line: str) -> bool:
    """Add `line` to a notification about the ticket still held (queued, untried), if any.

    One queued in this same transaction (an ingest batch, a bulk action) is found among the
    session's new objects. For a stored one, the UPDATE re-checks the row, so one the sender
    claimed (or another transaction added to) meanwhile is left alone and a new one is
    queued."""
    for obj in session.new:
        if (
            isinstance(obj, OutboxMail)
            and obj.kind == OutboxKind.NOTIFY
            and obj.ticket is ticket
            and obj.to_address == address
        ):
            obj.text = _with_line(obj.text, line)
            return True
    if ticket.id is None:
        return False
    pending = session.execute(
        select(OutboxMail.id, OutboxMail.text)
        .where(
            OutboxMail.kind == OutboxKind.NOTIFY,
            OutboxMail.ticket_id == ticket.id,
            OutboxMail.to_address == address,
            OutboxMail.status == OutboxStatus.QUEUED,
            OutboxMail.attempts == 0,
        )
        .limit(1)
    ).first()
    if pending is None:
        return False
    result = session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == pending.id,
            OutboxMail.status == OutboxStatus.QUEUED,
            OutboxMail.text == pending.text,  # no other line added meanwhile
        )
        .values(text=_with_line(pending.text, line))
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1
