"""Models as the API's JSON: timestamps ISO 8601 in UTC, people as {id, name}.

Pure functions of loaded objects: they never query (callers load what they need).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpdesk.models import Attachment, Customer, Message, Status, Ticket, TicketEvent, User
from helpdesk.timefmt import iso


def person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.name}


def customer_json(customer: Customer) -> dict[str, Any]:
    return {"email": customer.email, "name": customer.name}


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    """A ticket's fields, with its customer and assignee (joined with the ticket)."""
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "category": ticket.category,
        "status": ticket.status,
        "spam": ticket.status == Status.SPAM,
        "priority": ticket.priority,
        "customer": customer_json(ticket.customer),
        "assignee": person(ticket.assignee),
        "order_number": ticket.order_number,
        "created_at": iso(ticket.created_at),
        "first_contact_at": iso(ticket.first_contact_at),
        "updated_at": iso(ticket.updated_at),
        "waiting_since": iso(ticket.waiting_since),
        "first_response_at": iso(ticket.first_response_at),
        "resolved_at": iso(ticket.resolved_at),
        "policy_deadline": iso(ticket.policy_deadline),
        "snoozed_until": iso(ticket.snoozed_until),
        "woke_at": iso(ticket.woke_at),
        "cc": ticket.cc_addresses,
        # The number of the ticket it was merged into (its `merged_into` is loaded with it).
        "merged_into": ticket.merged_into.number if ticket.merged_into is not None else None,
    }


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "inline": attachment.inline,
    }


def message_json(message: Message, outbox_status: str | None = None) -> dict[str, Any]:
    """A message; `outbox_status` is its outgoing mail's state (outbound messages only).

    Its attachments must be loaded already (selectinload), or be none (a new message).
    """
    return {
        "id": message.id,
        "direction": message.direction,
        "message_id": message.message_id,
        "from": {"email": message.sender, "name": message.sender_name},
        "to": [a.strip() for a in (message.recipients or "").split(",") if a.strip()],
        "subject": message.subject,
        "date": iso(message.date),
        "automatic": message.automatic,
        "delivery_failure": message.delivery_failure,
        "text": message.text,
        "author_id": message.author_id,
        "outbox_status": outbox_status,
        "attachments": [attachment_json(a) for a in message.attachments],
    }


def event_json(event: TicketEvent, names: Mapping[int, str]) -> dict[str, Any]:
    """A history entry; the actor is None for the system."""
    actor = None
    if event.actor_id is not None:
        actor = {"id": event.actor_id, "name": names.get(event.actor_id, "")}
    return {
        "kind": event.kind,
        "actor": actor,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "detail": event.detail,
        "created_at": iso(event.created_at),
    }
