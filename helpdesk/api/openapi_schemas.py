"""The OpenAPI document's schemas, built from the same constants the code validates with."""

from __future__ import annotations

from typing import Any

from helpdesk.conversations.services import MAX_SUBJECT
from helpdesk.models import CATEGORIES, DIRECTIONS, OUTBOX_STATUSES, PRIORITIES, STATUSES
from helpdesk.models.vocabulary import ALL_STATUSES
from helpdesk.outbox.files import MAX_FILES
from helpdesk.policy import DECISIONS, TEMPLATES
from helpdesk.policy.facts import BOOL_FACTS, CHOICES, DATE_FACTS, MONEY_FACTS, TEXT_MAX
from helpdesk.replies.services import DEFAULT_REPLY_STATUS, REPLY_STATUSES
from helpdesk.replies.templates import KEY_PATTERN
from helpdesk.reports import definitions as words
from helpdesk.reports.backlog import AGE_BUCKETS
from helpdesk.tickets.spam import BLOCKS

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], optional: tuple[str, ...] = ()) -> Schema:
    """An object with exactly these properties; all required except `optional`."""
    required = [name for name in properties if name not in optional]
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def described(schema: Schema, *texts: str) -> Schema:
    return {**schema, "description": " ".join(texts)}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}
ID: Schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}
DATE: Schema = {"type": "string", "format": "date"}
MONEY: Schema = {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "example": "19.99"}


COPIES = "Email addresses, comma-separated or one per item; at most 10."
REPLY_OPTIONAL = (
    "text",
    "template",
    "status",
    "seen_message_id",
    "cc",
    "bcc",
    "forward_attachment_ids",
)


def enum(values: tuple[str, ...] | list[str]) -> Schema:
    return {"type": "string", "enum": list(values)}


TICKET_FIELDS: dict[str, Schema] = {
    "number": INTEGER,
    "subject": STRING,
    "category": enum(CATEGORIES),
    "status": enum(ALL_STATUSES),
    # Marked as spam (status "spam"): POST /tickets/{number}/spam, DELETE undoes it.
    "spam": BOOLEAN,
    "priority": enum(PRIORITIES),
    "customer": ref("Customer"),
    "assignee": nullable(ref("Person")),
    "order_number": nullable(STRING),
    "created_at": DATE_TIME,
    # When the customer wrote (their mail's Date when plausible): the policy's request date.
    "first_contact_at": DATE_TIME,
    "updated_at": DATE_TIME,
    "waiting_since": nullable(DATE_TIME),
    "first_response_at": nullable(DATE_TIME),
    "resolved_at": nullable(DATE_TIME),
    "policy_deadline": nullable(DATE),
    "snoozed_until": nullable(DATE_TIME),
    # When it came back from a snooze, until someone acted on it ("Back from snooze").
    "woke_at": nullable(DATE_TIME),
    # Recipients besides the customer: the last reply's Cc, the next reply's by default.
    "cc": array(STRING),
    # Merged into that ticket (its messages and history are there now); null for the rest.
    "merged_into": nullable(INTEGER),
}

MESSAGE = obj(
    {
        "id": INTEGER,
        "direction": enum(DIRECTIONS),
        "message_id": nullable(STRING),
        "from": obj({"email": STRING, "name": STRING}),
        "to": array(STRING),
        "subject": STRING,
        "date": nullable(DATE_TIME),
        "automatic": BOOLEAN,
        "delivery_failure": BOOLEAN,
        "text": STRING,
        "author_id": nullable(INTEGER),
        "outbox_status": nullable(enum(OUTBOX_STATUSES)),
        "attachments": array(ref("Attachment")),
    }
)


TIMINGS: Schema = obj(
    {
        group: {
            "type": "object",
            "description": f"{group} -> seconds",
            "additionalProperties": ref("Timing"),
        }
        for group in ("category", "agent")
    }
)


def _facts() -> Schema:
    """Every fact may be missing or null (unknown); unknown keys are ignored."""
    properties: dict[str, Schema] = {}
    for name, choices in CHOICES.items():
        properties[name] = nullable(enum(choices))
    for name in DATE_FACTS:
        properties[name] = nullable(DATE)
    for name in MONEY_FACTS:
        properties[name] = nullable(MONEY)
    for name in BOOL_FACTS:
        properties[name] = nullable(BOOLEAN)
    for name, most in TEXT_MAX.items():
        properties[name] = nullable({"type": "string", "maxLength": most})
    return {"type": "object", "properties": properties}


NEW_CONVERSATION: dict[str, Schema] = {
    "to": {
        "type": "string",
        "maxLength": 254,
        "example": "customer@example.com",
        "description": "One plain address (no name, no list), not the support address.",
    },
    "subject": {"type": "string", "minLength": 1, "maxLength": MAX_SUBJECT},
    "text": {
        "type": "string",
        "minLength": 1,
        "description": "The message; give this or `template`, not both.",
    },
    "template": {
        "type": "string",
        "pattern": KEY_PATTERN.pattern,
        "example": "general",
        "description": "An active reply template's key instead of `text`, rendered "
        "for the new ticket.",
    },
    "status": {**enum(REPLY_STATUSES), "default": DEFAULT_REPLY_STATUS},
}


SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "properties": {
            "error": STRING,
            "field": {**nullable(STRING), "description": "400 only: the invalid field"},
        },
        "required": ["error"],
    },
    "Person": obj({"id": INTEGER, "name": STRING}),
    "Customer": obj({"email": STRING, "name": STRING}),
    "Ticket": obj(TICKET_FIELDS),
    "TicketList": obj({"tickets": array(ref("Ticket")), "next_cursor": nullable(STRING)}),
    "Attachment": obj(
        {
            "id": INTEGER,
            "filename": STRING,
            "content_type": STRING,
            "size": INTEGER,
            "inline": BOOLEAN,
        }
    ),
    "Message": MESSAGE,
    "Event": obj(
        {
            "kind": STRING,
            "actor": nullable(ref("Person")),
            "old_value": nullable(STRING),
            "new_value": nullable(STRING),
            "detail": nullable(STRING),
            "created_at": DATE_TIME,
        }
    ),
    "TicketDetail": obj(
        {
            **TICKET_FIELDS,
            "last_message_id": nullable(INTEGER),
            "messages": array(ref("Message")),
            "events": array(ref("Event")),
        }
    ),
    "CustomerDetail": obj(
        {
            "email": STRING,
            "name": STRING,
            "created_at": DATE_TIME,
            "tickets": array(ref("Ticket")),
        }
    ),
    "TicketChanges": obj(
        {
            "status": enum(STATUSES),
            "assignee_id": nullable(ID),
            "category": enum(CATEGORIES),
            "priority": enum(PRIORITIES),
            "order_number": nullable({"type": "string", "maxLength": 40}),
            "snoozed_until": described(
                nullable(DATE_TIME),
                "Snooze: the ticket waits on the customer (pending) until then, when it "
                "reopens (earlier if the customer writes). In the future, at most a year "
                "ahead; null cancels the snooze. Applied after the other changes.",
            ),
        },
        optional=(
            "status",
            "assignee_id",
            "category",
            "priority",
            "order_number",
            "snoozed_until",
        ),
    ),
    "NoteRequest": obj({"text": {"type": "string", "minLength": 1}}),
    "SpamRequest": obj(
        {
            "block": described(
                nullable(enum(BLOCKS)),
                "Also block the customer's address (sender) or its whole domain (domain): "
                "their mail is then recorded as blocked and makes no ticket.",
            )
        },
        optional=("block",),
    ),
    "ReplyRequest": obj(
        {
            "text": {
                "type": "string",
                "minLength": 1,
                "description": "The reply; give this or `template`, not both.",
            },
            "template": {
                "type": "string",
                "pattern": KEY_PATTERN.pattern,
                "example": "return_eligible_refund",
                "description": (
                    "An active reply template's key instead of `text`: rendered for the "
                    "ticket with its latest saved policy check."
                ),
            },
            "status": {**enum(REPLY_STATUSES), "default": DEFAULT_REPLY_STATUS},
            "seen_message_id": {
                **nullable(ID),
                "description": "The last message read; omit it to send whatever arrived since.",
            },
            "cc": described(
                {"oneOf": [STRING, array(STRING)]},
                COPIES,
                "Cc'd people become recipients of the ticket: their replies thread into it.",
            ),
            "bcc": described({"oneOf": [STRING, array(STRING)]}, COPIES),
            "forward_attachment_ids": described(
                {**array(ID), "maxItems": MAX_FILES},
                "Attachments on this ticket (their `id`) to send again with the reply.",
            ),
        },
        optional=REPLY_OPTIONAL,
    ),
    "ReplyForm": obj(
        {
            "text": {"type": "string", "minLength": 1, "description": "Give this or `template`."},
            "template": {"type": "string", "pattern": KEY_PATTERN.pattern},
            "status": {**enum(REPLY_STATUSES), "default": DEFAULT_REPLY_STATUS},
            "seen_message_id": ID,
            "cc": described(array(STRING), "Repeat the field, or separate with commas.", COPIES),
            "bcc": described(array(STRING), "Repeat the field, or separate with commas."),
            "forward_attachment_ids": described(
                {**array(ID), "maxItems": MAX_FILES}, "Attachment ids on this ticket."
            ),
            "attachments": described(
                {**array({"type": "string", "format": "binary"}), "maxItems": MAX_FILES},
                "Files to send (REPLY_MAX_FILE_BYTES each, REPLY_MAX_BYTES with the text).",
            ),
        },
        optional=(*REPLY_OPTIONAL, "attachments"),
    ),
    "NewConversation": obj(NEW_CONVERSATION, optional=("text", "template", "status")),
    "NewConversationForm": obj(
        {
            **NEW_CONVERSATION,
            "attachments": described(
                {**array({"type": "string", "format": "binary"}), "maxItems": MAX_FILES},
                "Files to send (REPLY_MAX_FILE_BYTES each, REPLY_MAX_BYTES with the text).",
            ),
        },
        optional=("text", "template", "status", "attachments"),
    ),
    "ForwardRequest": obj(
        {
            "to": {
                "type": "string",
                "maxLength": 254,
                "example": "warehouse@example.com",
                "description": "One plain address, not the support address.",
            },
            "text": {"type": "string", "description": "A note above the forwarded mail."},
            "message_id": {
                **nullable(ID),
                "description": "Forward only this message (a customer's mail or a reply); "
                "omit it to forward the whole conversation.",
            },
        },
        optional=("text", "message_id"),
    ),
    "MergeRequest": obj(
        {
            "into": described(
                ID,
                "The ticket to merge into (followed to the ticket it was merged into, if so);",
                "not this ticket.",
            ),
            "other_customer": described(
                {**BOOLEAN, "default": False},
                "Confirms merging into another customer's ticket (refused without it).",
            ),
        },
        optional=("other_customer",),
    ),
    "SplitRequest": obj(
        {
            "message_id": described(ID, "A message of this ticket (its `id`)."),
            "following": described(
                {**BOOLEAN, "default": False},
                "Also move every message after it. At least one message stays.",
            ),
        },
        optional=("following",),
    ),
    "NewerMessages": obj(
        {"error": STRING, "messages": array(ref("Message")), "last_message_id": INTEGER}
    ),
    "Facts": _facts(),
    "Verdict": obj(
        {
            "decision": enum(DECISIONS),
            "eligible": nullable(BOOLEAN),
            "refund_amount": nullable({**STRING, "example": "11.49"}),
            "restocking_fee": nullable({**STRING, "example": "3.00"}),
            "return_shipping_paid_by": nullable(STRING),
            "deadline": nullable(DATE),
            "refund_expected_by": nullable(DATE),
            "missing": array(STRING),
            "reasons": array(STRING),
            "template": enum(TEMPLATES),
        }
    ),
    "Timing": obj(
        {"count": INTEGER, "median": nullable(NUMBER), "p90": nullable(NUMBER)},
    ),
    "Activity": obj(
        {
            "start": DATE,
            "end": DATE,
            "days": described(array(DATE), words.DAYS),
            "created": described(array(INTEGER), "One number per day.", words.CREATED),
            "solved": described(array(INTEGER), "One number per day.", words.SOLVED),
            "first_response_seconds": described(TIMINGS, words.FIRST_RESPONSE),
            "resolution_seconds": described(TIMINGS, words.RESOLUTION),
            "reopened": described(INTEGER, words.REOPENED),
            "solved_total": described(INTEGER, "The sum of `solved`."),
            "reopen_rate": described(nullable(NUMBER), "`reopened` / `solved_total`."),
        }
    ),
    "Backlog": obj(
        {
            "by_category_status": {
                "type": "object",
                "description": f"category -> status -> open tickets. {words.OPEN}",
                "additionalProperties": {"type": "object", "additionalProperties": INTEGER},
            },
            "by_age": described(obj(dict.fromkeys(AGE_BUCKETS, INTEGER)), words.AGE),
            "by_assignee": {
                "type": "object",
                "description": "assignee name (or Unassigned) -> open tickets",
                "additionalProperties": INTEGER,
            },
            "waiting_on_us": described(INTEGER, words.WAITING_ON_US),
            "waiting_on_customer": described(INTEGER, words.WAITING_ON_CUSTOMER),
            "answered_open": described(
                INTEGER,
                words.ANSWERED,
                "The three add up to the open tickets (earlier versions counted these in "
                "`waiting_on_us`).",
            ),
            "oldest_waiting": described(
                array(
                    obj(
                        {
                            "number": INTEGER,
                            "subject": STRING,
                            "customer": STRING,
                            "waiting_since": DATE_TIME,
                            "waiting_hours": NUMBER,
                        }
                    )
                ),
                words.WAITING_LONGEST,
            ),
        }
    ),
}
