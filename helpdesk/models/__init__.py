"""All models, importable from one place (Alembic and the app import this)."""

from helpdesk.models.admin import AuditEvent, SlaTarget
from helpdesk.models.base import Base, utcnow
from helpdesk.models.mailbox import OUTCOMES, FetchedMail, MailboxCursor
from helpdesk.models.message import DIRECTIONS, Attachment, Blob, Message
from helpdesk.models.oauth import MailboxOAuth
from helpdesk.models.order import Order, OrderItem
from helpdesk.models.outbox import OUTBOX_STATUSES, OutboxMail
from helpdesk.models.reply import ApiToken, PolicyCheck, ReplyTemplate
from helpdesk.models.ticket import (
    CATEGORIES,
    PRIORITIES,
    STATUSES,
    CategoryRule,
    Counter,
    Customer,
    Ticket,
    TicketEvent,
)
from helpdesk.models.user import ROLES, User

__all__ = [
    "CATEGORIES",
    "DIRECTIONS",
    "OUTBOX_STATUSES",
    "OUTCOMES",
    "PRIORITIES",
    "ROLES",
    "STATUSES",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Base",
    "Blob",
    "CategoryRule",
    "Counter",
    "Customer",
    "FetchedMail",
    "MailboxCursor",
    "MailboxOAuth",
    "Message",
    "Order",
    "OrderItem",
    "OutboxMail",
    "PolicyCheck",
    "ReplyTemplate",
    "SlaTarget",
    "Ticket",
    "TicketEvent",
    "User",
    "utcnow",
]
