from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from helpdesk.access import can_view_ticket, can_work_tickets, require
from helpdesk.auth.views import _safe_next
from helpdesk.extensions import db
from helpdesk.models import Attachment, Blob, Message, OutboxMail, Ticket, TicketEvent, utcnow
from helpdesk.tickets import bp
from helpdesk.tickets.queue import (
    VIEWS,
    QueueError,
    assignable_users,
    filter_options,
    human_age,
    is_waiting,
    load_queue,
    parse_params,
)
from helpdesk.tickets.queue_forms import BulkForm, action_choices
from helpdesk.tickets.services import TicketError, bulk_update


@bp.route("/")
@login_required
def index() -> str:
    """The queue: a view, filters, search, a sort and a page of tickets."""
    require(can_work_tickets, current_user)
    try:
        params = parse_params(request.args)
    except QueueError as exc:
        abort(400, " ".join(exc.messages))
    queue = load_queue(db.session, params, current_user.id, utcnow())
    form = BulkForm(next=request.full_path.rstrip("?"))
    return render_template(
        "tickets/queue.html",
        queue=queue,
        form=form,
        actions=action_choices(queue.users),
        views=VIEWS,
        options=filter_options(queue.users),
        human_age=human_age,
        is_waiting=is_waiting,
    )


@bp.route("/tickets/bulk", methods=["POST"])
@login_required
def bulk() -> Response:
    """Apply one action to the selected tickets, then go back to the same queue page."""
    require(can_work_tickets, current_user)
    form = BulkForm()
    form.action.choices = action_choices(assignable_users(db.session))
    back = _safe_next(form.next.data)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back)
    action, _, value = (form.action.data or "").partition(":")
    try:
        changed = bulk_update(
            db.session, form.ticket_ids.data or [], action, value or None, current_user.id
        )
    except TicketError as exc:
        db.session.rollback()
        flash(f"Nothing was changed: {exc}.", "error")
        return redirect(back)
    db.session.commit()
    flash(f"Updated {changed} ticket{'' if changed == 1 else 's'}", "info")
    return redirect(back)


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
