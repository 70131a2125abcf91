"""Sending replies, adding notes, retrying failed mail (the composer: replies.composer)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from helpdesk.access import can_work_tickets, require
from helpdesk.extensions import db
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import Direction, Message, OutboxMail, Ticket
from helpdesk.outbox.files import FileLimits, read_uploads
from helpdesk.replies import bp
from helpdesk.replies.composer import Draft, composer_files
from helpdesk.replies.errors import NewMessagesSince, ReplyError
from helpdesk.replies.forms import MAX_COPY_FIELD, NoteForm, ReplyForm, RetryForm
from helpdesk.replies.services import (
    DEFAULT_REPLY_STATUS,
    REPLY_STATUSES,
    ReplyFiles,
    add_note,
    inbound_attachments,
    last_message_id,
    retry_mail,
    send_reply,
)
from helpdesk.tickets.lookup import viewable_ticket_or_404
from helpdesk.tickets.show import render_ticket_page


def _ticket_page(ticket: Ticket) -> str:
    return url_for("tickets.show", number=ticket.number)


@bp.route("/tickets/<int:number>/reply", methods=["POST"])
@login_required
def reply(number: int) -> Response | tuple[str, int]:
    """Send the reply; when it cannot be sent, the ticket page again with the reason at the
    composer and the text kept (400; 413 for files too large), or what the customer or
    another agent wrote since the page was loaded, to read first (409). Files chosen must
    then be chosen again (a browser cannot refill a file field); checked attachments to
    forward, Cc and Bcc are kept."""
    ticket = viewable_ticket_or_404(number)
    form = ReplyForm()
    uploads = read_uploads(request.files.getlist("attachments"))
    if not form.validate_on_submit():
        return _draft_page(ticket, form, _form_problem(form), len(uploads))
    files = ReplyFiles(FileLimits.from_config(current_app.config), uploads, form.forward.data or [])
    try:
        send_reply(
            db.session,
            ticket,
            author=current_user._get_current_object(),
            text=form.text.data or "",
            signature=current_user.signature,
            status=form.status.data or DEFAULT_REPLY_STATUS,
            seen_message_id=form.last_message_id.data,
            identity=MailIdentity.from_config(current_app.config),
            template_key=form.template.data or None,
            check_colleagues=True,
            files=files,
            cc=[form.cc.data or ""],
            bcc=[form.bcc.data or ""],
        )
    except NewMessagesSince as exc:
        db.session.rollback()
        return _reply_page(ticket, form, new_messages=exc.messages, dropped=len(uploads)), 409
    except ReplyError as exc:
        db.session.rollback()
        return _draft_page(ticket, form, str(exc), len(uploads), exc.status)
    db.session.commit()
    flash(f"Your reply to #{ticket.number} is queued for sending.", "info")
    return redirect(_ticket_page(ticket))


def _form_problem(form: ReplyForm) -> str:
    """Why the reply form was refused, in words (the first field that is wrong)."""
    if form.text.errors:
        if (form.text.data or "").strip():
            return "The reply is too long."
        return "Write a reply before sending it."
    if form.template.errors:
        return "That template does not exist."
    if form.status.errors:
        return "Choose the status to set from the list."
    if form.forward.errors:
        return "Choose the attachments to forward from the list."
    if form.cc.errors or form.bcc.errors:
        return "Cc and Bcc are too long: give at most ten addresses in each."
    return "The form could not be read. Reload the page and try again."


def _draft_page(
    ticket: Ticket, form: ReplyForm, problem: str, dropped: int, status: int = 400
) -> tuple[str, int]:
    """The ticket page with the reply kept in the composer and why it was not sent."""
    draft = Draft(
        text=form.text.data or "",
        status=form.status.data or DEFAULT_REPLY_STATUS,
        template=(form.template.data or "")[:60],
        error=f"Your reply was not sent: {problem}",
        last_message_id=form.last_message_id.data if not form.last_message_id.errors else None,
        forward=tuple(form.forward.data or ()) if not form.forward.errors else (),
        cc=(form.cc.data or "")[:MAX_COPY_FIELD],
        bcc=(form.bcc.data or "")[:MAX_COPY_FIELD],
        files_dropped=dropped,
    )
    return render_ticket_page(ticket, draft=draft, status=status)


def _reply_page(
    ticket: Ticket, form: ReplyForm, *, new_messages: list[Message], dropped: int
) -> str:
    """The agent's reply kept in a form beside the customer's mail that arrived meanwhile,
    to send as it is or edited (files chosen must be chosen again)."""
    status = form.status.data if form.status.data in REPLY_STATUSES else DEFAULT_REPLY_STATUS
    draft = Draft(
        text="",
        status=status,
        template="",
        error="",
        last_message_id=None,
        forward=tuple(form.forward.data or ()),
        files_dropped=dropped,
    )
    files = composer_files(
        inbound_attachments(db.session, ticket), FileLimits.from_config(current_app.config), draft
    )
    return render_template(
        "replies/reply.html",
        ticket=ticket,
        new_messages=new_messages,
        customer_wrote=any(m.direction == Direction.INBOUND for m in new_messages),
        colleagues_replied=_names(new_messages, Direction.OUTBOUND),
        colleagues_noted=_names(new_messages, Direction.NOTE),
        text=form.text.data or "",
        status=status,
        statuses=REPLY_STATUSES,
        template_key=form.template.data or "",
        last_message_id=last_message_id(db.session, ticket),
        ticket_url=_ticket_page(ticket),
        files=files,
        cc=form.cc.data or "",
        bcc=form.bcc.data or "",
    )


def _names(messages: list[Message], direction: str) -> str:
    """The authors of the `direction` messages, "Ann and Sam" (empty when none)."""
    names = list(
        dict.fromkeys(m.sender_name or m.sender for m in messages if m.direction == direction)
    )
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""


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
