"""Mail to staff about their tickets (outbox kind 'notify'), from the support address.

Two events, each one a user turns off on their profile: someone else assigned them a
ticket; the customer wrote on a ticket assigned to them. Nothing for one's own action, and
never to a customer. While a notification about a ticket is still queued (not yet sent),
the next one for the same user and ticket is added to it, so a burst makes one mail.

The ticket write path (tickets/services, mail_ingest/route) calls these through a
`Notifier` its caller builds at the edge; no Notifier, no mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from helpdesk.mailidentity import MailIdentity
from helpdesk.models import Message, OutboxKind, OutboxMail, OutboxStatus, Ticket, User
from helpdesk.outbox.services import queue_mail

FOOTER = "You choose which of these mails you get on your profile page."


@dataclass(frozen=True)
class Notifier:
    """Who we are in mail and where the helpdesk is (`base_url`: links; empty: none)."""

    identity: MailIdentity
    base_url: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Notifier:
        return cls(
            identity=MailIdentity.from_config(config),
            base_url=str(config.get("HELPDESK_BASE_URL") or "").rstrip("/"),
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
        if ticket.assignee_id is None:
            return None
        user = session.get(User, ticket.assignee_id)
        if user is None or not user.notify_customer_wrote:
            return None
        who = message.sender_name or message.sender or "The customer"
        return self._queue(session, user, ticket, f"{who} wrote on #{ticket.number}.")

    def _queue(self, session: Session, user: User, ticket: Ticket, line: str) -> OutboxMail | None:
        address = user.email.lower()
        if not user.active or address == self.identity.support_address:
            return None
        link = f"{self.base_url}/tickets/{ticket.number}\n" if self.base_url else ""
        if ticket.id is not None and self._add_to_pending(session, ticket.id, address, line):
            return None
        text = f"{line}\n\n{ticket.subject}\n{link}\n-- \n{FOOTER}\n"
        return queue_mail(
            session,
            ticket=ticket,
            kind=OutboxKind.NOTIFY,
            from_address=self.identity.support_address,
            to_address=address,
            subject=f"{self.identity.store_name} helpdesk: {ticket.subject}",
            text=text,
            message_id_domain=self.identity.message_id_domain,
            auto_submitted="auto-generated",
        )

    @staticmethod
    def _add_to_pending(session: Session, ticket_id: int, address: str, line: str) -> bool:
        """Add `line` to a notification about the ticket still waiting to be sent, if any.

        The UPDATE re-checks the row, so one the sender claimed (or another transaction
        added to) meanwhile is left alone, and a new one is queued."""
        pending = session.execute(
            select(OutboxMail.id, OutboxMail.text)
            .where(
                OutboxMail.kind == OutboxKind.NOTIFY,
                OutboxMail.ticket_id == ticket_id,
                OutboxMail.to_address == address,
                OutboxMail.status == OutboxStatus.QUEUED,
                OutboxMail.attempts == 0,
            )
            .limit(1)
        ).first()
        if pending is None:
            return False
        head, _, tail = pending.text.partition("\n\n")  # the event lines come first
        result = session.execute(
            update(OutboxMail)
            .where(
                OutboxMail.id == pending.id,
                OutboxMail.status == OutboxStatus.QUEUED,
                OutboxMail.text == pending.text,  # no other line added meanwhile
            )
            .values(text=f"{head}\n{line}\n\n{tail}")
            .execution_options(synchronize_session=False)
        )
        return cast("CursorResult[Any]", result).rowcount == 1
