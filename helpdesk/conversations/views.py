"""Starting a conversation from the web (the API: helpdesk/api/conversations_views.py)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from helpdesk.access import can_work_tickets, require
from helpdesk.conversations import bp
from helpdesk.conversations.forms import NewConversationForm, form_problem
from helpdesk.conversations.services import start_conversation
from helpdesk.extensions import db
from helpdesk.mailidentity import MailIdentity
from helpdesk.replies.errors import ReplyError
from helpdesk.replies.templates import active_templates


def _new_form() -> NewConversationForm:
    form = NewConversationForm()
    form.template.choices = [SelectChoice("", "(none)")] + [
        SelectChoice(t.key, t.name) for t in active_templates(db.session)
    ]
    return form


def _page(form: NewConversationForm, problem: str | None = None) -> tuple[str, int]:
    html = render_template("conversations/new.html", form=form, problem=problem)
    return html, 400 if problem else 200


@bp.route("/tickets/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int]:
    """Write to a customer first: the mail opens a ticket their answer threads into."""
    require(can_work_tickets, current_user)
    form = _new_form()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, f"Nothing was sent. {form_problem(form)}")
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
        )
    except ReplyError as exc:
        db.session.rollback()
        return _page(form, f"Nothing was sent: {exc}")
    db.session.commit()
    flash(f"Your mail to {ticket.customer.email} is queued; it opened #{ticket.number}.", "info")
    return redirect(url_for("tickets.show", number=ticket.number))
