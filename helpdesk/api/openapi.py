"""GET /api/v1/openapi.json: the API described as OpenAPI 3.0, built as a Python dict.

tests/test_openapi.py checks that the running API answers as documented here.
"""

from __future__ import annotations

from typing import Any

from helpdesk.api.openapi_schemas import DATE, SCHEMAS, Schema, enum, ref
from helpdesk.api.tickets_views import DEFAULT_LIMIT, MAX_LIMIT
from helpdesk.models import CATEGORIES, PRIORITIES, STATUSES
from helpdesk.tickets.queue import AGES, MAX_SEARCH, SORTS, VIEWS

SORT_HELP = (
    "The order: a column for its natural order, `-` before it for the reverse "
    "(`oldest` and `newest` still mean `created` and `-created`). "
    "`priority` only with the open views."
)

ERRORS = {
    "400": "Invalid input; `field` names it.",
    "401": "No valid token or session (unknown, revoked, or the user is deactivated).",
    "403": "The role may not do this.",
    "404": "There is no such ticket or customer.",
    "409": "The customer wrote after `seen_message_id`; nothing was sent.",
    "413": "The files are too large: over REPLY_MAX_FILE_BYTES, REPLY_MAX_BYTES, or 20 files.",
    "429": "Too many requests.",
}
NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "description": "The ticket number.",
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "example": 1001},
}


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(
    summary: str,
    ok: tuple[str, str, str],
    errors: tuple[str, ...],
    *,
    body: str | None = None,
    form: str | None = None,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One operation: `ok` is (status, schema name, description); `errors` the codes;
    `body` the JSON body's schema, `form` a multipart/form-data body's also accepted."""
    status, schema, description = ok
    responses = {status: _json(ref(schema), description)}
    for code in ("401", "403", *errors, "429"):
        responses[code] = _json(ref("NewerMessages" if code == "409" else "Error"), ERRORS[code])
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if body:
        content: dict[str, Any] = {"application/json": {"schema": ref(body)}}
        if form:
            content["multipart/form-data"] = {
                "schema": ref(form),
                "encoding": {"attachments": {"contentType": "application/octet-stream"}},
            }
        operation["requestBody"] = {"required": True, "content": content}
    return operation


def _query(name: str, schema: Schema, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _queue_parameters() -> list[dict[str, Any]]:
    return [
        _query("view", {**enum(list(VIEWS)), "default": "open"}, "A queue view."),
        _query("status", enum(STATUSES), "Only this status."),
        _query("category", enum(CATEGORIES), "Only this category."),
        _query(
            "assignee",
            {"type": "string", "pattern": "^(unassigned|[0-9]{1,9})$"},
            "A user id, or `unassigned`.",
        ),
        _query("priority", enum(PRIORITIES), "Only this priority."),
        _query("age", enum(list(AGES)), "Created this long ago."),
        _query("q", {"type": "string", "maxLength": MAX_SEARCH}, "Search text."),
        _query("sort", {**enum(list(SORTS)), "default": "created"}, SORT_HELP),
        _query(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            "Tickets per page.",
        ),
        _query("cursor", {"type": "string"}, "`next_cursor` of the previous page (same sort)."),
    ]


def _paths() -> dict[str, Any]:
    email = {
        "name": "email",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "example": "customer@example.com"},
    }
    return {
        "/tickets": {
            "get": _operation(
                "The queue: filters, sort and cursor pagination",
                ("200", "TicketList", "A page of tickets."),
                ("400",),
                parameters=_queue_parameters(),
            ),
            "post": _operation(
                "Start a conversation: a new ticket opened by our mail to `to` (queued in "
                "the outbox; the customer's answer threads into it)",
                ("201", "TicketDetail", "The new ticket, with its `number` and the mail."),
                ("400", "413"),
                body="NewConversation",
                form="NewConversationForm",
            ),
        },
        "/tickets/{number}": {
            "parameters": [NUMBER],
            "get": _operation(
                "A ticket with its messages and history",
                ("200", "TicketDetail", "The ticket."),
                ("404",),
            ),
            "patch": _operation(
                "Change status, assignee, category, priority or order number",
                ("200", "Ticket", "The changed ticket."),
                ("400", "404"),
                body="TicketChanges",
            ),
        },
        "/tickets/{number}/notes": {
            "parameters": [NUMBER],
            "post": _operation(
                "Add an internal note",
                ("201", "Message", "The note."),
                ("400", "404"),
                body="NoteRequest",
            ),
        },
        "/tickets/{number}/replies": {
            "parameters": [NUMBER],
            "post": _operation(
                "Reply to the customer (queued in the outbox): `text`, or `template`; "
                "with Cc, Bcc and files (multipart/form-data: files under `attachments`)",
                ("201", "Message", "The reply, with its outbox status."),
                ("400", "404", "409", "413"),
                body="ReplyRequest",
                form="ReplyForm",
            ),
        },
        "/tickets/{number}/forward": {
            "parameters": [NUMBER],
            "post": _operation(
                "Forward the conversation, or one message, with its files to someone else "
                "(internal: their answer threads in with direction `fwd_reply`)",
                ("201", "Message", "The forward (direction `forward`), with its outbox status."),
                ("400", "404", "413"),
                body="ForwardRequest",
            ),
        },
        "/tickets/{number}/spam": {
            "parameters": [NUMBER],
            "post": _operation(
                "Mark as spam (out of every queue view but spam, and of the reports), "
                "optionally blocking the customer's address or domain",
                ("200", "Ticket", "The ticket, now spam."),
                ("400", "404"),
                body="SpamRequest",
            ),
            "delete": _operation(
                "Not spam: the ticket gets back the status it had",
                ("200", "Ticket", "The ticket."),
                ("404",),
            ),
        },
        "/tickets/{number}/policy": {
            "parameters": [NUMBER],
            "post": _operation(
                "Save a policy check on the ticket (facts as for /policy/evaluate)",
                ("201", "Verdict", "The saved check's verdict."),
                ("400", "404"),
                body="Facts",
            ),
        },
        "/tickets/{number}/merge": {
            "parameters": [NUMBER],
            "post": _operation(
                "Merge this ticket into another (its messages, notes and history move there)",
                ("200", "Ticket", "The merged ticket, with `merged_into`."),
                ("400", "404"),
                body="MergeRequest",
            ),
        },
        "/tickets/{number}/split": {
            "parameters": [NUMBER],
            "post": _operation(
                "Split a message (and optionally the ones after it) into a new ticket",
                ("201", "Ticket", "The new ticket."),
                ("400", "404"),
                body="SplitRequest",
            ),
        },
        "/customers/{email}": {
            "parameters": [email],
            "get": _operation(
                "A customer with their newest tickets (at most 100)",
                ("200", "CustomerDetail", "The customer."),
                ("400", "404"),
            ),
        },
        "/policy/evaluate": {
            "post": _operation(
                "The store policy's verdict for a set of facts",
                ("200", "Verdict", "The verdict."),
                ("400",),
                body="Facts",
            )
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
            }
        },
        "/reports/backlog": {
            "get": _operation(
                "The open backlog now (managers and admins)",
                ("200", "Backlog", "The backlog."),
                (),
            )
        },
        "/reports/activity": {
            "get": _operation(
                "Created, solved, response and resolution times per store day (managers+)",
                ("200", "Activity", "The figures for the range."),
                ("400",),
                parameters=[
                    _query("start", DATE, "First day (default: 30 days before `end`)."),
                    _query(
                        "end", DATE, "Last day, at most 366 days after `start` (default today)."
                    ),
                ],
            )
        },
    }


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Helpdesk API",
            "version": "1.0.0",
            "description": (
                "Send `Authorization: Bearer <token>` (`helpdesk tokens create EMAIL`). "
                'Errors are JSON: `{"error": "..."}`, with `field` on 400.'
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
