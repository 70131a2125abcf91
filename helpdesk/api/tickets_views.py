"""Tickets: the queue, one ticket, changes, notes and replies (the web's services)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import current_app, jsonify, request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from helpdesk.access import can_view_ticket, can_work_tickets
from helpdesk.api import bp
from helpdesk.api.auth import api_caller, api_view
from helpdesk.api.bodies import (
    MISSING,
    facts_body,
    form_object,
    id_field,
    id_list,
    json_object,
    string_list,
    text_field,
    text_or_template,
)
from helpdesk.api.errors import ApiError
from helpdesk.api.serialize import ticket_json
from helpdesk.api.ticket_detail import messages_json, ticket_detail
from helpdesk.extensions import db
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import Ticket, utcnow
from helpdesk.notifications import Notifier
from helpdesk.outbox.files import FileLimits, Upload, read_uploads
from helpdesk.params import MAX_ID, parse_limit
from helpdesk.policy_panel.services import record_check
from helpdesk.replies.errors import NewMessagesSince, ReplyError
from helpdesk.replies.services import (
    DEFAULT_REPLY_STATUS,
    REPLY_LISTS,
    ReplyFiles,
    add_note,
    last_message_id,
    send_reply,
    template_reply_text,
)
from helpdesk.tickets.queue import QueueError, QueueParams, fetch_page, parse_params
from helpdesk.tickets.services import UPDATABLE, TicketError, refuse_merged, update_ticket
from helpdesk.tickets.snooze import cancel_snooze, parse_instant, snooze
from helpdesk.tickets.spam import BLOCKS, mark_spam, unmark_spam

QUEUE_ARGS = ("view", "status", "category", "assignee", "priority", "age", "q", "sort", "cursor")
DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def queue_params(args: MultiDict[str, str]) -> QueueParams:
    """The queue's own parsing of its filters, with `limit` as the page size."""
    try:
        params = parse_params({name: args[name] for name in QUEUE_ARGS if name in args})
    except QueueError as exc:
        raise ApiError(400, " ".join(exc.messages), exc.fields[0] if exc.fields else None) from None
    return replace(params, size=parse_limit(args.get("limit"), DEFAULT_LIMIT, MAX_LIMIT))


def ticket_or_404(number: int) -> Ticket:
    ticket = None
    if number <= MAX_ID:
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        raise ApiError(404, f"There is no ticket #{number}.")
    if not can_view_ticket(api_caller(), ticket):
        raise ApiError(403, "Your role may not see this ticket.")
    return ticket


def writable_ticket_or_404(number: int) -> Ticket:
    """`ticket_or_404`, refusing (400) a ticket merged into another: work on that one."""
    ticket = ticket_or_404(number)
    try:
        refuse_merged(ticket)
    except TicketError as exc:
        raise ApiError(400, f"Not saved: {exc}.") from None
    return ticket


@bp.get("/tickets")
@api_view(can_work_tickets)
def list_tickets() -> Response:
    """A page of the queue: one query whatever the limit; `next_cursor` pages on."""
    params = queue_params(request.args)
    page = fetch_page(db.session, params, api_caller().user.id, utcnow())
    cursor = page.next_cursor
    return jsonify(
        tickets=[ticket_json(t) for t in page.tickets],
        next_cursor=None if cursor is None else cursor.encode(),
    )


@bp.get("/tickets/<int:number>")
@api_view(can_work_tickets)
def get_ticket(number: int) -> Response:
    return jsonify(ticket_detail(db.session, ticket_or_404(number)))


@bp.patch("/tickets/<int:number>")
@api_view(can_work_tickets)
def patch_ticket(number: int) -> Response:
    """Change status, assignee, category, priority, order number or the snooze (applied
    last; null cancels it); each change is an event."""
    ticket = writable_ticket_or_404(number)
    data = json_object((*UPDATABLE, "snoozed_until"))
    until = text_field(data, "snoozed_until", nullable=True)
    changes = {name: text_field(data, name) for name in ("status", "category", "priority")}
    changes["order_number"] = text_field(data, "order_number", nullable=True)
    changes["assignee_id"] = id_field(data, "assignee_id")
    try:
        update_ticket(
            db.session,
            ticket,
            {name: value for name, value in changes.items() if value is not MISSING},
            api_caller().user.id,
            Notifier.from_config(current_app.config),
        )
        if until is None:
            cancel_snooze(db.session, ticket, api_caller().user.id, utcnow())
        elif until is not MISSING:
            snooze(db.session, ticket, parse_instant(until), api_caller().user.id, utcnow())
    except TicketError as exc:
        db.session.rollback()
        raise ApiError(400, f"Not saved: {exc}.", exc.field) from None
    db.session.commit()
    return jsonify(ticket_json(ticket))


@bp.post("/tickets/<int:number>/notes")
@api_view(can_work_tickets)
def post_note(number: int) -> tuple[Response, int]:
    ticket = writable_ticket_or_404(number)
    text = text_field(json_object(("text",)), "text", required=True)
    try:
        note = add_note(db.session, ticket, author=api_caller().user, text=text)
    except ReplyError as exc:
        db.session.rollback()
        raise ApiError(400, str(exc), exc.field) from None
    db.session.commit()
    return jsonify(messages_json(db.session, ticket.id, [note.id])[0]), 201


REPLY_FIELDS = ("text", "template", "status", "seen_message_id", *REPLY_LISTS)


def _reply_input() -> tuple[dict[str, Any], list[Upload]]:
    """The reply's fields and uploaded files: a JSON object, or multipart/form-data with
    files under `attachments` (`seen_message_id` then as digits)."""
    if request.mimetype != "multipart/form-data":
        return json_object(REPLY_FIELDS), []
    data = form_object(REPLY_FIELDS, REPLY_LISTS, ("attachments",))
    if isinstance(data.get("seen_message_id"), str):
        data["seen_message_id"] = _form_id(data["seen_message_id"])
    return data, read_uploads(request.files.getlist("attachments"))


def _form_id(value: str) -> int | str | None:
    """A form's id as a number; an empty field is no id; anything else is left for
    id_field to refuse."""
    if value == "":
        return None
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 10 else value


@bp.post("/tickets/<int:number>/replies")
@api_view(can_work_tickets)
def post_reply(number: int) -> tuple[Response, int]:
    """Queue a reply through the outbox. Without `seen_message_id` it is sent whatever
    arrived; with it, mail from the customer after that message answers 409 instead.
    `template` (a template key) instead of `text` sends that template rendered for the
    ticket with its latest saved policy check, as the composer fills it in. `cc`, `bcc`,
    files (multipart `attachments`) and `forward_attachment_ids` (attachments on the
    ticket) go with it; files over the limits answer 413."""
    ticket = writable_ticket_or_404(number)
    data, uploads = _reply_input()
    text, key = text_or_template(data)
    status = text_field(data, "status")
    seen = id_field(data, "seen_message_id")
    files = ReplyFiles(
        FileLimits.from_config(current_app.config),
        uploads,
        id_list(data, "forward_attachment_ids"),
    )
    # Without `cc`, the ticket's recipients are Cc'd again (as the composer prefills them).
    cc = string_list(data, "cc") if "cc" in data else None
    bcc = string_list(data, "bcc")
    author = api_caller().user
    try:
        if key is not MISSING:
            text = template_reply_text(
                db.session,
                ticket,
                key,
                agent_name=author.name,
                store_name=current_app.config["HELPDESK_STORE_NAME"],
            )
        message = send_reply(
            db.session,
            ticket,
            author=author,
            text=text,
            status=DEFAULT_REPLY_STATUS if status is MISSING else status,
            seen_message_id=last_message_id(db.session, ticket) if seen is MISSING else seen,
            identity=MailIdentity.from_config(current_app.config),
            template_key=None if key is MISSING else key,
            signature=author.signature,
            files=files,
            cc=cc,
            bcc=bcc,
        )
    except NewMessagesSince as exc:
        ids = [m.id for m in exc.messages]
        db.session.rollback()
        body = {
            "error": "The customer wrote after the message you saw; nothing was sent.",
            "messages": messages_json(db.session, ticket.id, ids),
            "last_message_id": max(ids),
        }
        return jsonify(body), 409
    except ReplyError as exc:
        db.session.rollback()
        raise ApiError(exc.status, str(exc), exc.field) from None
    db.session.commit()
    return jsonify(messages_json(db.session, ticket.id, [message.id])[0]), 201


@bp.post("/tickets/<int:number>/policy")
@api_view(can_work_tickets)
def post_policy_check(number: int) -> tuple[Response, int]:
    """Save a policy check on the ticket (facts as for /policy/evaluate); the verdict."""
    ticket = writable_ticket_or_404(number)
    facts = facts_body()
    _, verdict = record_check(db.session, ticket, facts, actor_id=api_caller().user.id)
    db.session.commit()
    return jsonify(verdict.to_dict()), 201


@bp.post("/tickets/<int:number>/spam")
@api_view(can_work_tickets)
def post_spam(number: int) -> Response:
    """Mark as spam; `block` ("sender", "domain") also blocks its customer's address or
    domain."""
    ticket = ticket_or_404(number)
    block = text_field(json_object(("block",)), "block", nullable=True)
    if block is not MISSING and block is not None and block not in BLOCKS:
        raise ApiError(400, 'block must be "sender", "domain" or null.', "block")
    try:
        mark_spam(db.session, ticket, api_caller().user.id, None if block is MISSING else block)
    except TicketError as exc:
        db.session.rollback()
        raise ApiError(400, f"Not marked as spam: {exc}.", exc.field) from None
    db.session.commit()
    return jsonify(ticket_json(ticket))


@bp.delete("/tickets/<int:number>/spam")
@api_view(can_work_tickets)
def delete_spam(number: int) -> Response:
    """Not spam: the ticket gets back the status it had (nothing changes if it is not spam)."""
    ticket = ticket_or_404(number)
    unmark_spam(db.session, ticket, api_caller().user.id)
    db.session.commit()
    return jsonify(ticket_json(ticket))
