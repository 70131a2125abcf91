from __future__ import annotations

from datetime import datetime

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.access import can_view_ticket, can_work_tickets, require
from helpdesk.extensions import db
from helpdesk.models import Attachment, Blob, Message, Ticket, utcnow
from helpdesk.notifications import Notifier
from helpdesk.redirects import safe_next
from helpdesk.tickets import bp
from helpdesk.tickets.files import image_type
from helpdesk.tickets.forms import SnoozeForm, SpamForm, TicketUpdateForm
from helpdesk.tickets.lookup import viewable_ticket_or_404
from helpdesk.tickets.merge import final_ticket
from helpdesk.tickets.merge_views import merge_selected
from helpdesk.tickets.queue import (
    LANDING_VIEW,
    SORTS,
    VIEWS,
    QueueError,
    assignable_users,
    column_sort,
    filter_options,
    human_age,
    is_waiting,
    load_queue,
    parse_params,
)
from helpdesk.tickets.queue_forms import (
    CONFIRM_ACTIONS,
    SNOOZE_ACTION,
    SPAM_ACTIONS,
    BulkForm,
    action_choices,
)
from helpdesk.tickets.services import TicketError, bulk_update, update_ticket
from helpdesk.tickets.show import render_ticket_page
from helpdesk.tickets.snooze import bulk_snooze, cancel_snooze, snooze
from helpdesk.tickets.spam import bulk_spam, mark_spam, unmark_spam
from helpdesk.timefmt import zone

# The view the agent last chose; the queue without ?view= opens it (else "mine").
VIEW_COOKIE = "helpdesk_queue_view"


@bp.route("/")
@login_required
def index() -> Response:
    """The queue: a view, filters, search, a sort and a page of tickets."""
    require(can_work_tickets, current_user)
    args = request.args.to_dict()
    chosen = (args.get("view") or "").strip()
    if not chosen:
        remembered = request.cookies.get(VIEW_COOKIE, "")
        args["view"] = remembered if remembered in VIEWS else LANDING_VIEW
    try:
        params = parse_params(args)
    except QueueError as exc:
        abort(400, " ".join(exc.messages))
    queue = load_queue(db.session, params, current_user.id, utcnow())
    form = BulkForm(next=request.full_path.rstrip("?"))
    response = make_response(
        render_template(
            "tickets/queue.html",
            queue=queue,
            form=form,
            actions=action_choices(queue.users),
            confirm_actions=CONFIRM_ACTIONS,
            views=VIEWS,
            options=filter_options(queue.users, params.view),
            column_sort=column_sort,
            sort_labels=SORTS,
            human_age=human_age,
            is_waiting=is_waiting,
        )
    )
    if chosen:
        response.set_cookie(
            VIEW_COOKIE,
            params.view,
            max_age=365 * 86400,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
            samesite="Lax",
        )
    return response


@bp.route("/tickets/bulk", methods=["POST"])
@login_required
def bulk() -> Response:
    """Apply one action to the selected tickets, then go back to the same queue page."""
    require(can_work_tickets, current_user)
    form = BulkForm()
    form.action.choices = action_choices(assignable_users(db.session))
    back = safe_next(form.next.data)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back)
    if form.action.data == SNOOZE_ACTION:
        return _bulk_snooze(form, back)
    action, _, value = (form.action.data or "").partition(":")
    if action == "merge":
        return merge_selected(form.ticket_ids.data or [], back)
    ids = form.ticket_ids.data or []
    try:
        if action in SPAM_ACTIONS:
            changed = bulk_spam(db.session, ids, SPAM_ACTIONS[action], current_user.id)
        else:
            changed = bulk_update(
                db.session,
                ids,
                action,
                value or None,
                current_user.id,
                Notifier.from_config(current_app.config),
            )
    except TicketError as exc:
        db.session.rollback()
        flash(f"Nothing was changed: {exc}.", "error")
        return redirect(back)
    db.session.commit()
    flash(f"Updated {changed} ticket{'' if changed == 1 else 's'}", "info")
    return redirect(back)


def _bulk_snooze(form: BulkForm, back: str) -> Response:
    """The queue's "Snooze" action: every selected ticket until the time given."""
    try:
        if form.snooze_day.data is None or form.snooze_time.data is None:
            raise TicketError("give the date and the time the tickets come back")
        local = zone(current_app.config["HELPDESK_TIMEZONE"])
        until = datetime.combine(form.snooze_day.data, form.snooze_time.data, tzinfo=local)
        snoozed, left = bulk_snooze(
            db.session, form.ticket_ids.data or [], until, current_user.id, utcnow()
        )
    except TicketError as exc:
        db.session.rollback()
        flash(f"Nothing was snoozed: {exc}.", "error")
        return redirect(back)
    db.session.commit()
    note = f" ({left} solved or closed left as they were)" if left else ""
    flash(f"Snoozed {snoozed} ticket{'' if snoozed == 1 else 's'}{note}", "info")
    return redirect(back)


def _attachment_bytes(attachment_id: int) -> tuple[Attachment, bytes]:
    """The attachment and its bytes, if it exists and its ticket may be seen (404/403)."""
    row = db.session.execute(
        select(Attachment, Ticket)
        .join(Message, Message.id == Attachment.message_pk)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Attachment.id == attachment_id)
    ).first()
    if row is None:
        abort(404, "There is no such attachment.")
    item, ticket = row
    require(can_view_ticket, current_user, ticket)
    data = db.session.scalar(select(Blob.data).where(Blob.sha256 == item.sha256))
    return item, data or b""


@bp.route("/tickets/<int:number>")
@login_required
def show(number: int) -> tuple[str, int] | Response:
    """The conversation, the side panel and the partials (see tickets.show); a merged
    ticket's page sends the agent to the ticket it was merged into."""
    ticket = viewable_ticket_or_404(number)
    if ticket.merged_into is not None:
        into = final_ticket(ticket)
        flash(f"Ticket #{number} was merged into #{into.number}.", "info")
        return redirect(url_for("tickets.show", number=into.number))
    return render_ticket_page(ticket)


@bp.route("/tickets/<int:number>/update", methods=["POST"])
@login_required
def update(number: int) -> Response:
    """Save the side panel: assignee, status, priority, category, order number."""
    ticket = viewable_ticket_or_404(number)
    form = TicketUpdateForm.for_ticket(ticket, assignable_users(db.session))
    back = url_for("tickets.show", number=number)
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            label = getattr(form, name).label.text if hasattr(form, name) else name
            flash(f"Not saved: {label}: {' '.join(map(str, errors))}", "error")
        return redirect(back)
    try:
        update_ticket(
            db.session,
            ticket,
            form.changes(),
            current_user.id,
            Notifier.from_config(current_app.config),
        )
    except TicketError as exc:
        db.session.rollback()
        flash(f"Not saved: {exc}.", "error")
        return redirect(back)
    db.session.commit()
    flash("Saved", "info")
    return redirect(back)


@bp.route("/tickets/<int:number>/snooze", methods=["POST"])
@login_required
def snooze_ticket(number: int) -> Response | tuple[str, int]:
    """Snooze until the date and time given in the store's zone, or cancel the snooze; a
    refused one shows the ticket page again with the reason (400)."""
    ticket = viewable_ticket_or_404(number)
    require(can_work_tickets, current_user)
    form = SnoozeForm()
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            label = getattr(form, name).label.text if hasattr(form, name) else name
            flash(f"Not snoozed: {label}: {' '.join(map(str, errors))}", "error")
        return render_ticket_page(ticket, status=400)
    now = utcnow()
    try:
        if form.cancel.data:
            cancel_snooze(db.session, ticket, current_user.id, now)
        elif form.day.data is None or form.time.data is None:
            raise TicketError("give the date and the time it comes back")
        else:
            local = zone(current_app.config["HELPDESK_TIMEZONE"])
            until = datetime.combine(form.day.data, form.time.data, tzinfo=local)
            snooze(db.session, ticket, until, current_user.id, now)
    except TicketError as exc:
        db.session.rollback()
        flash(f"Not snoozed: {exc}.", "error")
        return render_ticket_page(ticket, status=400)
    db.session.commit()
    flash("Snooze cancelled" if form.cancel.data else "Snoozed", "info")
    return redirect(url_for("tickets.show", number=number))


@bp.route("/tickets/<int:number>/spam", methods=["POST"])
@login_required
def spam(number: int) -> Response | tuple[str, int]:
    """Mark the ticket as spam ("Mark as spam"), or restore it ("Not spam")."""
    ticket = viewable_ticket_or_404(number)
    require(can_work_tickets, current_user)
    form = SpamForm.for_ticket(ticket)
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            label = getattr(form, name).label.text if hasattr(form, name) else name
            flash(f"Not marked as spam: {label}: {' '.join(map(str, errors))}", "error")
        return render_ticket_page(ticket, status=400)
    try:
        if form.restore.data:
            changed = unmark_spam(db.session, ticket, current_user.id)
            done = "Marked as not spam: the ticket is back in the queue" if changed else ""
        else:
            changed = mark_spam(db.session, ticket, current_user.id, form.block.data or None)
            done = "Marked as spam: the ticket is in the Spam view" if changed else ""
    except TicketError as exc:
        db.session.rollback()
        flash(f"Not marked as spam: {exc}.", "error")
        return render_ticket_page(ticket, status=400)
    db.session.commit()
    flash(done or "Nothing changed", "info")
    return redirect(url_for("tickets.show", number=number))


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Response:
    """Download: always as an attachment, as opaque bytes, never sniffed."""
    item, data = _attachment_bytes(attachment_id)
    response = Response(data, mimetype="application/octet-stream")
    response.headers.set("Content-Disposition", "attachment", filename=item.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/attachments/<int:attachment_id>/inline")
@login_required
def attachment_inline(attachment_id: int) -> Response:
    """Shown in the page only when the bytes really are PNG, JPEG, GIF or WebP."""
    item, data = _attachment_bytes(attachment_id)
    mimetype = image_type(data)
    if mimetype is None:
        abort(404, "This attachment is not an image; download it instead.")
    response = Response(data, mimetype=mimetype)
    response.headers.set("Content-Disposition", "inline", filename=item.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
