"""All models, importable from one place (Alembic and the app import this)."""

from helpdesk.models.account import AppSetting, PasswordReset, RecoveryCode, UserSession
from helpdesk.models.admin import AuditEvent, SlaTarget
from helpdesk.models.base import Base, utcnow
from helpdesk.models.mailbox import BlockedSender, FetchedMail, MailboxCursor
from helpdesk.models.message import Attachment, Blob, Message
from helpdesk.models.notify import CategoryFollow, SlaNotice
from helpdesk.models.oauth import MailboxOAuth
from helpdesk.models.order import Order, OrderItem
from helpdesk.models.outbox import OutboxMail
from helpdesk.models.presence import TicketPresence
from helpdesk.models.reply import ApiToken, PolicyCheck, ReplyTemplate
from helpdesk.models.ticket import (
    CATEGORIES,
    PRIORITIES,
    CategoryRule,
    Counter,
    Customer,
    Ticket,
    TicketEvent,
)
from helpdesk.models.user import ROLES, User
from helpdesk.models.vocabulary import (
    DIRECTIONS,
    OUTBOX_STATUSES,
    OUTCOMES,
    STATUSES,
    BlockKind,
    Direction,
    EventKind,
    OutboxKind,
    OutboxStatus,
    Outcome,
    Status,
)

__all__ = [
    "CATEGORIES",
    "DIRECTIONS",
    "OUTBOX_STATUSES",
    "OUTCOMES",
    "PRIORITIES",
    "ROLES",
    "STATUSES",
    "ApiToken",
    "AppSetting",
    "Attachment",
    "AuditEvent",
    "Base",
    "Blob",
    "BlockKind",
    "BlockedSender",
    "CategoryFollow",
    "CategoryRule",
    "Counter",
    "Customer",
    "Direction",
    "EventKind",
    "FetchedMail",
    "MailboxCursor",
    "MailboxOAuth",
    "Message",
    "Order",
    "OrderItem",
    "OutboxKind",
    "OutboxMail",
    "OutboxStatus",
    "Outcome",
    "PasswordReset",
    "PolicyCheck",
    "RecoveryCode",
    "ReplyTemplate",
    "SlaNotice",
    "SlaTarget",
    "Status",
    "Ticket",
    "TicketEvent",
    "TicketPresence",
    "User",
    "UserSession",
    "utcnow",
]
