"""Merging a ticket into another and splitting messages off into a new ticket."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.access import can_view_ticket, can_work_tickets
from helpdesk.api import bp
from helpdesk.api.auth import api_caller, api_view
from helpdesk.api.bodies import MISSING, id_field, json_object
from helpdesk.api.errors import ApiError
from helpdesk.api.serialize import ticket_json
from helpdesk.api.tickets_views import writable_ticket_or_404
from helpdesk.extensions import db
from helpdesk.models import Ticket, utcnow
from helpdesk.tickets.merge import merge_ticket, split_ticket
from helpdesk.tickets.services import TicketError


def _flag(data: dict[str, Any], name: str) -> bool:
    """`data[name]`, true or false (false when absent)."""
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise ApiError(400, f"{name} must be true or false.", name)
    return value


def _required_id(data: dict[str, Any], name: str) -> int:
    value = id_field(data, name)
    if value is MISSING or value is None:
        raise ApiError(400, f"{name} is required: a whole number.", name)
    return int(value)


@bp.post("/tickets/<int:number>/merge")
@api_view(can_work_tickets)
def merge(number: int) -> Response:
    """Merge this ticket into `into` (or the ticket that one was merged into); the merged
    ticket, with `merged_into`. Another customer's ticket needs `other_customer: true`."""
    source = writable_ticket_or_404(number)
    data = json_object(("into", "other_customer"))
    into = _required_id(data, "into")
    other_customer = _flag(data, "other_customer")
    target = db.session.scalar(select(Ticket).where(Ticket.number == into))
    if target is None or not can_view_ticket(api_caller(), target):
        raise ApiError(400, f"There is no ticket #{into} to merge into.", "into")
    try:
        merge_ticket(
            db.session,
            source,
            target,
            actor_id=api_caller().user.id,
            other_customer=other_customer,
            now=utcnow(),
        )
    except TicketError as exc:
        db.session.rollback()
        raise ApiError(400, f"Not merged: {exc}.", exc.field) from None
    db.session.commit()
    return jsonify(ticket_json(source))


@bp.post("/tickets/<int:number>/split")
@api_view(can_work_tickets)
def split(number: int) -> tuple[Response, int]:
    """Move the message `message_id` (with `following`, also every later one) into a new
    ticket of the same customer; the new ticket."""
    ticket = writable_ticket_or_404(number)
    data = json_object(("message_id", "following"))
    message_id = _required_id(data, "message_id")
    following = _flag(data, "following")
    try:
        new = split_ticket(
            db.session,
            ticket,
            message_id,
            following=following,
            actor_id=api_caller().user.id,
            now=utcnow(),
        )
    except TicketError as exc:
        db.session.rollback()
        raise ApiError(400, f"Not split: {exc}.", exc.field) from None
    db.session.commit()
    return jsonify(ticket_json(new)), 201
