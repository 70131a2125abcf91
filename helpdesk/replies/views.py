"""Sending replies, adding notes, retrying failed mail; the composer on the ticket page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from helpdesk.access import can_work_tickets, require
from helpdesk.extensions import db
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import Message, OutboxMail, OutboxStatus, ReplyTemplate, Ticket
from helpdesk.policy import Verdict
from helpdesk.replies import bp
from helpdesk.replies.errors import NewMessagesSince, ReplyError, TemplateProblem
from helpdesk.replies.forms import NoteForm, ReplyForm, RetryForm
from helpdesk.replies.rendering import render_text, template_variables
from helpdesk.replies.services import (
    DEFAULT_REPLY_STATUS,
    REPLY_STATUSES,
    add_note,
    last_message_id,
    retry_mail,
    send_reply,
)
from helpdesk.replies.templates import active_templates, suggested_key
from helpdesk.tickets.lookup import viewable_ticket_or_404


@dataclass(frozen=True)
class Composer:
    """What the composer partial shows for one ticket."""

    groups: list[tuple[str, list[ReplyTemplate]]]
    suggested: str | None
    selected: str | None
    text: str
    error: str | None
    agent_name: str
    failed: list[OutboxMail]
    last_message_id: int | None
    statuses: tuple[str, ...] = REPLY_STATUSES
    default_status: str = DEFAULT_REPLY_STATUS


def _groups(
    templates: list[ReplyTemplate], suggested: str | None
) -> list[tuple[str, list[ReplyTemplate]]]:
    """The suggested template first, then the others by category (in the list's order)."""
    groups: dict[str, list[ReplyTemplate]] = {}
    for template in templates:
        label = "suggested" if template.key == suggested else template.category or "any category"
        groups.setdefault(label, []).append(template)
    first = [("suggested", groups.pop("suggested"))] if "suggested" in groups else []
    return first + list(groups.items())


def reply_composer(
    ticket: Ticket, verdict: Verdict | None, outbox: list[OutboxMail], seen_id: int | None
) -> Composer:
    """Templates (suggested first), the `?template=` choice rendered, and failed mail.

    The ticket page passes what it loaded: the saved verdict (LatestCheck.saved_verdict),
    the ticket's outgoing mail and its newest message id; only the templates are queried."""
    templates = active_templates(db.session)
    suggested = suggested_key(ticket, verdict, templates)
    wanted = request.args.get("template", "")
    chosen = next((t for t in templates if t.key == wanted), None)
    text, error = "", None
    if wanted and chosen is None:
        error = "That template does not exist or is not active."
    elif chosen is not None:
        variables = template_variables(
            ticket,
            verdict,
            agent_name=current_user.name,
            store_name=current_app.config["HELPDESK_STORE_NAME"],
        )
        try:
            text = render_text(chosen.body, variables)
        except TemplateProblem as exc:
            error = f"The template {chosen.name!r} cannot be used: {exc}"
    return Composer(
        groups=_groups(templates, suggested),
        suggested=suggested,
        selected=chosen.key if chosen is not None and error is None else None,
        text=text,
        error=error,
        agent_name=current_user.name,
        failed=[row for row in outbox if row.status == OutboxStatus.FAILED],
        last_message_id=seen_id,
    )


def _ticket_page(ticket: Ticket) -> str:
    return url_for("tickets.show", number=ticket.number)


@bp.route("/tickets/<int:number>/reply", methods=["POST"])
@login_required
def reply(number: int) -> Response | tuple[str, int]:
    ticket = viewable_ticket_or_404(number)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _reply_page(ticket, form, problem="Write a reply before sending it."), 400
    try:
        send_reply(
            db.session,
            ticket,
            author=current_user._get_current_object(),
            text=form.text.data or "",
            status=form.status.data or DEFAULT_REPLY_STATUS,
            seen_message_id=form.last_message_id.data,
            identity=MailIdentity.from_config(current_app.config),
            template_key=form.template.data or None,
        )
    except NewMessagesSince as exc:
        db.session.rollback()
        return _reply_page(ticket, form, new_messages=exc.messages), 409
    except ReplyError as exc:
        db.session.rollback()
        return _reply_page(ticket, form, problem=str(exc)), 400
    db.session.commit()
    flash(f"Your reply to #{ticket.number} is queued for sending.", "info")
    return redirect(_ticket_page(ticket))


def _reply_page(
    ticket: Ticket,
    form: ReplyForm,
    *,
    problem: str | None = None,
    new_messages: list[Message] | None = None,
) -> str:
    """The agent's reply kept in a form, with why it was not sent (and what arrived)."""
    status = form.status.data if form.status.data in REPLY_STATUSES else DEFAULT_REPLY_STATUS
    return render_template(
        "replies/reply.html",
        ticket=ticket,
        problem=problem,
        new_messages=new_messages or [],
        text=form.text.data or "",
        status=status,
        statuses=REPLY_STATUSES,
        template_key=form.template.data or "",
        last_message_id=(
            last_message_id(db.session, ticket) if new_messages else form.last_message_id.data
        ),
        ticket_url=_ticket_page(ticket),
    )


@bp.route("/tickets/<int:number>/notes", methods=["POST"])
@login_required
def note(number: int) -> Response:
    ticket = viewable_ticket_or_404(number)
    form = NoteForm()
    if not form.validate_on_submit():
        flash("Write a note before adding it.", "error")
        return redirect(_ticket_page(ticket))
    try:
        add_note(db.session, ticket, author=current_user._get_current_object(), text=form.text.data)
    except ReplyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(_ticket_page(ticket))
    db.session.commit()
    flash("Internal note added.", "info")
    return redirect(_ticket_page(ticket))


@bp.route("/outbox/<int:row_id>/retry", methods=["POST"])
@login_required
def retry(row_id: int) -> Response:
    row = db.session.get(OutboxMail, row_id)
    if row is None:
        abort(404, "There is no such outgoing mail.")
    require(can_work_tickets, current_user)
    if not RetryForm().validate_on_submit():
        abort(400, "The form could not be read. Reload the page and try again.")
    if retry_mail(db.session, row, actor_id=current_user.id):
        db.session.commit()
        flash("The mail is queued to be sent again.", "info")
    else:
        flash("That mail has not failed: there is nothing to retry.", "info")
    ticket = db.session.get(Ticket, row.ticket_id) if row.ticket_id else None
    return redirect(_ticket_page(ticket) if ticket else url_for("tickets.index"))
