"""A customer by email, with their most recent tickets."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.access import can_work_tickets
from helpdesk.api import bp
from helpdesk.api.auth import api_view
from helpdesk.api.errors import ApiError
from helpdesk.api.serialize import customer_json, ticket_json
from helpdesk.extensions import db
from helpdesk.models import Customer, Ticket
from helpdesk.timefmt import iso

CUSTOMER_TICKETS_LIMIT = 100


@bp.get("/customers/<email>")
@api_view(can_work_tickets)
def get_customer(email: str) -> Response:
    """The customer and their newest tickets (at most 100): two queries."""
    customer = db.session.scalar(select(Customer).where(Customer.email == email.strip().lower()))
    if customer is None:
        raise ApiError(404, "There is no customer with that email.")
    tickets = db.session.scalars(
        select(Ticket)
        .where(Ticket.customer_id == customer.id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(CUSTOMER_TICKETS_LIMIT)
    )
    return jsonify(
        {
            **customer_json(customer),
            "created_at": iso(customer.created_at),
            "tickets": [ticket_json(t) for t in tickets],
        }
    )
