"""Starting a conversation from the web (the API: helpdesk/api/conversations_views.py)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from helpdesk.access import can_work_tickets, require
from helpdesk.conversations import bp
from helpdesk.conversations.forms import ForwardForm, NewConversationForm, form_problem
from helpdesk.conversations.forward import forward
from helpdesk.conversations.services import start_conversation
from helpdesk.extensions import db
from helpdesk.mailidentity import MailIdentity
from helpdesk.outbox.files import FileLimits, read_uploads
from helpdesk.replies.errors import ReplyError
from helpdesk.replies.templates import active_templates
from helpdesk.tickets.lookup import viewable_ticket_or_404
from helpdesk.tickets.show import render_ticket_page


def _new_form() -> NewConversationForm:
    form = NewConversationForm()
    form.template.choices = [SelectChoice("", "(none)")] + [
        SelectChoice(t.key, t.name) for t in active_templates(db.session)
    ]
    return form


def _page(
    form: NewConversationForm, problem: str | None = None, dropped: int = 0, status: int = 400
) -> tuple[str, int]:
    """The form, with why nothing was sent (`status`); `dropped` files must be chosen again
    (a browser cannot refill a file field)."""
    if problem and dropped:
        problem += f" Choose the {dropped} file{'s' if dropped > 1 else ''} again."
    html = render_template("conversations/new.html", form=form, problem=problem)
    return html, status if problem else 200


@bp.route("/tickets/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int]:
    """Write to a customer first: the mail opens a ticket their answer threads into."""
    require(can_work_tickets, current_user)
    form = _new_form()
    if not form.is_submitted():
        return _page(form)
    uploads = read_uploads(request.files.getlist("attachments"))
    if not form.validate():
        return _page(form, f"Nothing was sent. {form_problem(form)}", len(uploads))
    author = current_user._get_current_object()
    try:
        ticket = start_conversation(
            db.session,
            author=author,
            to=form.to.data or "",
            subject=form.subject.data or "",
            text=form.text.data or "",
            template_key=form.template.data or None,
            status=form.status.data or "",
            signature=author.signature,
            identity=MailIdentity.from_config(current_app.config),
            order_pattern=current_app.config["HELPDESK_ORDER_PATTERN"],
            uploads=uploads,
            limits=FileLimits.from_config(current_app.config),
        )
    except ReplyError as exc:
        db.session.rollback()
        return _page(form, f"Nothing was sent: {exc}", len(uploads), exc.status)
    db.session.commit()
    flash(f"Your mail to {ticket.customer.email} is queued; it opened #{ticket.number}.", "info")
    return redirect(url_for("tickets.show", number=ticket.number))


@bp.route("/tickets/<int:number>/forward", methods=["POST"])
@login_required
def forward_ticket(number: int) -> Response | tuple[str, int]:
    """Forward the conversation, or one message (`message_id`), with a note; refused, the
    ticket page again with the reason (400)."""
    ticket = viewable_ticket_or_404(number)
    require(can_work_tickets, current_user)
    form = ForwardForm()
    if not form.validate_on_submit():
        flash(f"Not forwarded: {form_problem(form)}", "error")
        return render_ticket_page(ticket, status=400)
    author = current_user._get_current_object()
    try:
        sent = forward(
            db.session,
            ticket,
            author=author,
            to=form.to.data or "",
            note=form.text.data or "",
            message_id=form.message_id.data,
            signature=author.signature,
            identity=MailIdentity.from_config(current_app.config),
            limits=FileLimits.from_config(current_app.config),
        )
    except ReplyError as exc:
        db.session.rollback()
        flash(f"Not forwarded: {exc}", "error")
        return render_ticket_page(ticket, status=400)
    db.session.commit()
    flash(f"Forwarded to {sent.recipients}: their answer comes back here, internal.", "info")
    return redirect(url_for("tickets.show", number=number))
