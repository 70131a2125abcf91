"""Views' ticket lookup: by number, 404 when there is none, 403 when the user may not see it."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from helpdesk.access import can_view_ticket, require
from helpdesk.extensions import db
from helpdesk.models import Ticket


def viewable_ticket_or_404(number: int) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        abort(404, "There is no ticket with that number.")
    require(can_view_ticket, current_user, ticket)
    return ticket
