from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from helpdesk.access import can_view_ticket, can_work_tickets, require
from helpdesk.extensions import db
from helpdesk.models import Attachment, Blob, Message, OutboxMail, Ticket, TicketEvent
from helpdesk.tickets import bp

PAGE_SIZE = 50


@bp.route("/")
@login_required
def index() -> str:
    require(can_work_tickets, current_user)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    status = request.args.get("status") or None
    query = select(Ticket)
    count_query = select(func.count(Ticket.id))
    if status:
        query = query.where(Ticket.status == status)
        count_query = count_query.where(Ticket.status == status)
    tickets = (
        db.session.scalars(
            query.order_by(Ticket.updated_at.desc(), Ticket.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        .unique()
        .all()
    )
    total = db.session.scalar(count_query) or 0
    return render_template(
        "tickets/list.html",
        tickets=tickets,
        page=page,
        total=total,
        page_size=PAGE_SIZE,
        status=status,
    )


@bp.route("/tickets/<int:number>")
@login_required
def show(number: int) -> str:
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        abort(404, "There is no ticket with that number.")
    require(can_view_ticket, current_user, ticket)
    messages = db.session.scalars(
        select(Message)
        .where(Message.ticket_id == ticket.id)
        .options(selectinload(Message.attachments))
        .order_by(Message.created_at, Message.id)
    ).all()
    events = db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    ).all()
    outbox = db.session.scalars(
        select(OutboxMail).where(OutboxMail.ticket_id == ticket.id).order_by(OutboxMail.id)
    ).all()
    return render_template(
        "tickets/show.html", ticket=ticket, messages=messages, events=events, outbox=outbox
    )


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Response:
    item = db.session.get(Attachment, attachment_id)
    if item is None:
        abort(404, "There is no such attachment.")
    require(can_work_tickets, current_user)
    data = db.session.scalar(select(Blob.data).where(Blob.sha256 == item.sha256))
    response = Response(data or b"", mimetype="application/octet-stream")
    response.headers.set("Content-Disposition", "attachment", filename=item.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
