"""The ticket page's merge and split forms, and the queue's bulk merge."""

from __future__ import annotations

from collections.abc import Sequence

from flask import flash, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.access import can_view_ticket, can_work_tickets, require
from helpdesk.extensions import db
from helpdesk.models import Ticket, utcnow
from helpdesk.tickets import bp
from helpdesk.tickets.forms import MergeForm, SplitForm
from helpdesk.tickets.lookup import viewable_ticket_or_404
from helpdesk.tickets.merge import merge_many, merge_ticket, split_ticket
from helpdesk.tickets.services import TicketError


def _form_errors(form: MergeForm | SplitForm, prefix: str) -> None:
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        flash(f"{prefix}: {label}: {' '.join(map(str, errors))}", "error")


@bp.route("/tickets/<int:number>/merge", methods=["POST"])
@login_required
def merge(number: int) -> Response:
    """Merge this ticket into the one given, then show that one."""
    source = viewable_ticket_or_404(number)
    require(can_work_tickets, current_user)
    form = MergeForm()
    back = redirect(url_for("tickets.show", number=number))
    if not form.validate_on_submit():
        _form_errors(form, "Not merged")
        return back
    target = db.session.scalar(select(Ticket).where(Ticket.number == form.into.data))
    if target is None or not can_view_ticket(current_user, target):
        flash(f"Not merged: there is no ticket #{form.into.data}.", "error")
        return back
    try:
        into = merge_ticket(
            db.session,
            source,
            target,
            actor_id=current_user.id,
            other_customer=bool(form.other_customer.data),
            now=utcnow(),
        )
    except TicketError as exc:
        db.session.rollback()
        flash(f"Not merged: {exc}.", "error")
        return back
    db.session.commit()
    flash(f"Merged #{number} into #{into.number}", "info")
    return redirect(url_for("tickets.show", number=into.number))


@bp.route("/tickets/<int:number>/split", methods=["POST"])
@login_required
def split(number: int) -> Response:
    """Move a message (and, if asked, the ones after it) into a new ticket; show it."""
    ticket = viewable_ticket_or_404(number)
    require(can_work_tickets, current_user)
    form = SplitForm()
    back = redirect(url_for("tickets.show", number=number))
    if not form.validate_on_submit() or form.message_id.data is None:
        _form_errors(form, "Not split")
        return back
    try:
        new = split_ticket(
            db.session,
            ticket,
            form.message_id.data,
            following=bool(form.following.data),
            actor_id=current_user.id,
            now=utcnow(),
        )
    except TicketError as exc:
        db.session.rollback()
        flash(f"Not split: {exc}.", "error")
        return back
    db.session.commit()
    flash(f"Split from #{number} into the new ticket #{new.number}", "info")
    return redirect(url_for("tickets.show", number=new.number))


def merge_selected(ticket_ids: Sequence[int], back: str) -> Response:
    """The queue's bulk merge: the selected tickets into the oldest of them."""
    try:
        target, merged = merge_many(db.session, ticket_ids, actor_id=current_user.id, now=utcnow())
    except TicketError as exc:
        db.session.rollback()
        flash(f"Nothing was merged: {exc}.", "error")
        return redirect(back)
    db.session.commit()
    flash(f"Merged {merged} ticket{'' if merged == 1 else 's'} into #{target.number}", "info")
    return redirect(back)
