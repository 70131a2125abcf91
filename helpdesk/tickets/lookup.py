"""Views' ticket lookup: by number, 404 when there is none, 403 when the user may not see it."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from helpdesk.access import can_view_ticket, require
from helpdesk.extensions import db
from helpdesk.models import Ticket


def viewable_ticket_or_404(number: int) -> Ticket:
    """The ticket; a form sent to a ticket merged into another (from a page open before
    the merge) is refused (409), so nothing lands on it."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        abort(404, "There is no ticket with that number.")
    require(can_view_ticket, current_user, ticket)
    if ticket.merged_into is not None and request.method != "GET":
        into = ticket.merged_into.number
        abort(409, f"Ticket #{number} was merged into #{into}: nothing was saved. Open #{into}.")
    return ticket
