"""The closed vocabularies stored in the database, each in one place.

Writers and readers use these names; the models declare a CHECK constraint on each
(migration 0010). Members are `str`, so they compare equal to what the database returns.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    SOLVED = "solved"
    CLOSED = "closed"
    # Out of every queue view but "Spam" and out of the reports, until marked not spam
    # (helpdesk/tickets/spam.py, the only way in or out: it records the event and the audit).
    SPAM = "spam"


# The workflow's statuses: what agents, replies, bulk actions and the API set.
STATUSES: tuple[str, ...] = tuple(s for s in Status if s is not Status.SPAM)
# Every status a ticket may have (the column's CHECK constraint).
ALL_STATUSES: tuple[str, ...] = tuple(Status)
# Not yet resolved: what the backlog and SLA reports count (partial index of migration 0006).
OPEN: tuple[str, ...] = (Status.NEW, Status.OPEN, Status.PENDING)
# Waiting on us (pending waits on the customer): the queue's open views.
ACTIONABLE: tuple[str, ...] = (Status.NEW, Status.OPEN)
RESOLVED: tuple[str, ...] = (Status.SOLVED, Status.CLOSED)
# A customer's reply to a ticket in one of these reopens it.
REOPENABLE: tuple[str, ...] = (Status.PENDING, *RESOLVED)

# status -> the statuses change_status may move it to. "new" is only ever the first status
# (create_ticket) or the one a ticket marked as spam new goes back to; every other move is
# something an agent, a reply, a bulk action, the API or a customer's mail (reopen) does.
# Any ticket may be marked as spam; "not spam" restores the status it had.
TRANSITIONS: dict[str, frozenset[str]] = {
    **{status: frozenset(STATUSES) - {status, Status.NEW} | {Status.SPAM} for status in STATUSES},
    Status.SPAM: frozenset(STATUSES),
}


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """`column IN ('a', 'b')` with literals, as the partial indexes' conditions are written."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    NOTE = "note"
    # Internal mail (migration 0019): a ticket or message an agent forwarded to someone
    # else, and that person's answer. Never the customer's conversation: never quoted to
    # the customer, never threaded under, never reopening or notifying.
    FORWARD = "forward"
    FWD_REPLY = "fwd_reply"


# The customer's conversation: the directions replies thread under and forwards quote.
CONVERSATION: tuple[str, ...] = (Direction.INBOUND, Direction.OUTBOUND)
DIRECTIONS: tuple[str, ...] = tuple(Direction)


class Outcome(StrEnum):
    """What became of a fetched mail (the reason says more, e.g. "duplicate")."""

    TICKET = "ticket"
    REPLY = "reply"
    IGNORED = "ignored"
    QUARANTINED = "quarantined"
    # From a sender or domain on the blocklist: no ticket, no acknowledgement; releasable.
    BLOCKED = "blocked"


OUTCOMES: tuple[str, ...] = tuple(Outcome)


class BlockKind(StrEnum):
    """What a blocklist entry names: one address, or a domain (and its subdomains)."""

    ADDRESS = "address"
    DOMAIN = "domain"


BLOCK_KINDS: tuple[str, ...] = tuple(BlockKind)


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


OUTBOX_STATUSES: tuple[str, ...] = tuple(OutboxStatus)


class OutboxKind(StrEnum):
    ACK = "ack"
    REPLY = "reply"
    ACCOUNT = "account"  # to staff: password reset links, failed sign-in warnings
    NOTIFY = "notify"  # to staff: a ticket of theirs changed (helpdesk/notifications.py)
    FORWARD = "forward"  # a ticket or message forwarded to someone else (conversations)


OUTBOX_KINDS: tuple[str, ...] = tuple(OutboxKind)


class EventKind(StrEnum):
    """A ticket event's kind; field changes are named after the field."""

    CREATED = "created"
    STATUS = "status"
    CATEGORY = "category"
    PRIORITY = "priority"
    ASSIGNEE = "assignee_id"
    ORDER_NUMBER = "order_number"
    REPLY = "reply"
    NOTE = "note"
    MAIL_RETRY = "mail_retry"
    POLICY_CHECK = "policy_check"
    AUTOMATIC = "automatic"
    NOT_ACKNOWLEDGED = "not_acknowledged"
    SNOOZE = "snooze"  # new_value: the "back on" time (ISO 8601, UTC); None when cancelled
    FORWARD = "forward"  # detail: to whom, and which message when only one
    # On both tickets: old_value the merged ticket's number, new_value the one it went into.
    MERGE = "merge"
    # On both tickets: old_value the ticket split, new_value the new ticket's number.
    SPLIT = "split"


EVENT_KINDS: tuple[str, ...] = tuple(EventKind)
