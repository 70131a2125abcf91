"""Conversations an agent starts: POST /tickets writes to a customer first; POST
/tickets/{number}/forward sends the conversation (or one message) to someone else."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from werkzeug.wrappers import Response

from helpdesk.access import can_work_tickets
from helpdesk.api import bp
from helpdesk.api.auth import api_caller, api_view
from helpdesk.api.bodies import (
    MISSING,
    form_object,
    id_field,
    json_object,
    text_field,
    text_or_template,
)
from helpdesk.api.errors import ApiError
from helpdesk.api.ticket_detail import messages_json, ticket_detail
from helpdesk.api.tickets_views import ticket_or_404
from helpdesk.conversations.forward import forward
from helpdesk.conversations.services import start_conversation
from helpdesk.extensions import db
from helpdesk.mailidentity import MailIdentity
from helpdesk.outbox.files import FileLimits, Upload, read_uploads
from helpdesk.replies.errors import ReplyError
from helpdesk.replies.services import DEFAULT_REPLY_STATUS


@bp.post("/tickets")
@api_view(can_work_tickets)
def post_ticket() -> tuple[Response, int]:
    """A new ticket opened by the agent's mail to `to` (queued in the outbox); `template`
    (a template key) instead of `text` sends that template rendered for the new ticket.
    As multipart/form-data, files under `attachments` go with it (413 over the limits)."""
    data, uploads = _conversation_input()
    to = text_field(data, "to", required=True)
    subject = text_field(data, "subject", required=True)
    text, key = text_or_template(data)
    status = text_field(data, "status")
    author = api_caller().user
    try:
        ticket = start_conversation(
            db.session,
            author=author,
            to=to,
            subject=subject,
            text="" if text is MISSING else text,
            template_key=None if key is MISSING else key,
            status=DEFAULT_REPLY_STATUS if status is MISSING else status,
            signature=author.signature,
            identity=MailIdentity.from_config(current_app.config),
            order_pattern=current_app.config["HELPDESK_ORDER_PATTERN"],
            uploads=uploads,
            limits=FileLimits.from_config(current_app.config),
        )
    except ReplyError as exc:
        db.session.rollback()
        raise ApiError(exc.status, str(exc), exc.field) from None
    db.session.commit()
    return jsonify(ticket_detail(db.session, ticket)), 201


CONVERSATION_FIELDS = ("to", "subject", "text", "template", "status")


def _conversation_input() -> tuple[dict[str, Any], list[Upload]]:
    """The fields and uploaded files: a JSON object, or multipart/form-data with files
    under `attachments`."""
    if request.mimetype != "multipart/form-data":
        return json_object(CONVERSATION_FIELDS), []
    data = form_object(CONVERSATION_FIELDS, (), ("attachments",))
    return data, read_uploads(request.files.getlist("attachments"))


@bp.post("/tickets/<int:number>/forward")
@api_view(can_work_tickets)
def post_forward(number: int) -> tuple[Response, int]:
    """Forward the conversation (or message `message_id`) with its files to `to`, `text`
    as a note above it; the answer threads in as internal mail (direction fwd_reply)."""
    ticket = ticket_or_404(number)
    data = json_object(("to", "text", "message_id"))
    to = text_field(data, "to", required=True)
    note = text_field(data, "text")
    message_id = id_field(data, "message_id")
    author = api_caller().user
    try:
        message = forward(
            db.session,
            ticket,
            author=author,
            to=to,
            note="" if note is MISSING else note,
            message_id=None if message_id is MISSING else message_id,
            signature=author.signature,
            identity=MailIdentity.from_config(current_app.config),
            limits=FileLimits.from_config(current_app.config),
        )
    except ReplyError as exc:
        db.session.rollback()
        raise ApiError(exc.status, str(exc), exc.field) from None
    db.session.commit()
    return jsonify(messages_json(db.session, ticket.id, [message.id])[0]), 201
