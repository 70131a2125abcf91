"""Admins watch the mailbox and outbox, and work the quarantine: read, download, act."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from helpdesk.access import can_manage_quarantine, require
from helpdesk.admin import bp
from helpdesk.admin.mailbox import (
    discard_mail,
    mailbox_health,
    quarantine_page,
    reprocess_mail,
)
from helpdesk.admin.mailbox_oauth import oauth_status
from helpdesk.blobs import load_blob
from helpdesk.extensions import db
from helpdesk.mailauth import token_store
from helpdesk.models import OUTBOX_STATUSES, FetchedMail, Outcome, Ticket, utcnow
from helpdesk.params import optional_id
from helpdesk.security import allow_form_target
from mail_ingest.imap import MailboxUnavailable
from mail_ingest.poller import poller_settings
from mail_ingest.quarantine import ReprocessError

NO_MAIL = "There is no such mail."

SHOWN_BYTES = 512 * 1024  # more than this is only in the download


@bp.route("/mailbox")
@login_required
def mailbox() -> str:
    require(can_manage_quarantine, current_user)
    timezone = current_app.config["HELPDESK_TIMEZONE"]
    health = mailbox_health(db.session, utcnow(), timezone)
    oauth = oauth_status(current_app.config, token_store(current_app))
    if oauth is not None and oauth.can_connect:
        allow_form_target(oauth.authorize_origin)
    return render_template(
        "admin/mailbox.html",
        health=health,
        timezone=timezone,
        oauth=oauth,
        outbox_statuses=OUTBOX_STATUSES,
    )


@bp.route("/quarantine")
@login_required
def quarantine() -> str:
    require(can_manage_quarantine, current_user)
    page = quarantine_page(
        db.session,
        before=optional_id(request.args, "before"),
        after=optional_id(request.args, "after"),
    )
    return render_template("admin/quarantine.html", page=page)


@bp.route("/quarantine/<int:record_id>")
@login_required
def quarantine_mail(record_id: int) -> str:
    """One fetched mail's source as escaped text, never rendered."""
    record, raw = _mail(record_id)
    text = None if raw is None else raw[:SHOWN_BYTES].decode("utf-8", errors="replace")
    return render_template(
        "admin/quarantine_mail.html",
        record=record,
        text=text,
        truncated=raw is not None and len(raw) > SHOWN_BYTES,
    )


@bp.route("/quarantine/<int:record_id>/raw.eml")
@login_required
def quarantine_download(record_id: int) -> Response:
    record, raw = _mail(record_id)
    if raw is None:
        abort(404, "This mail's bytes were never fetched (it was too large); reprocess it.")
    response = Response(raw, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="mail-{record.id}.eml"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# POSTs: CSRFProtect checks the token before any view runs (a 400 page when it fails).


@bp.route("/quarantine/<int:record_id>/reprocess", methods=["POST"])
@login_required
def quarantine_reprocess(record_id: int) -> Response:
    require(can_manage_quarantine, current_user)
    db.get_or_404(FetchedMail, record_id, description=NO_MAIL)
    settings = poller_settings(current_app)
    try:
        record = reprocess_mail(
            db.session, current_user.id, record_id, settings.ingest, settings.imap
        )
    except (ReprocessError, MailboxUnavailable) as exc:
        db.session.rollback()
        flash(f"Mail {record_id} was not reprocessed: {exc}.", "error")
        return redirect(url_for("admin.quarantine_mail", record_id=record_id))
    db.session.commit()
    flash(
        _outcome_text(record_id, record),
        "info" if record.outcome != Outcome.QUARANTINED else "error",
    )
    return redirect(url_for("admin.quarantine"))


@bp.route("/quarantine/<int:record_id>/discard", methods=["POST"])
@login_required
def quarantine_discard(record_id: int) -> Response:
    require(can_manage_quarantine, current_user)
    db.get_or_404(FetchedMail, record_id, description=NO_MAIL)
    try:
        discard_mail(db.session, current_user.id, current_user.email, record_id)
    except ReprocessError as exc:
        db.session.rollback()
        flash(f"Mail {record_id} was not discarded: {exc}.", "error")
        return redirect(url_for("admin.quarantine_mail", record_id=record_id))
    db.session.commit()
    flash(f"Mail {record_id} is discarded (kept, marked ignored; no ticket).", "info")
    return redirect(url_for("admin.quarantine"))


def _mail(record_id: int) -> tuple[FetchedMail, bytes | None]:
    """For an admin: the record and its bytes (None: never fetched, it was too large)."""
    require(can_manage_quarantine, current_user)
    record = db.get_or_404(FetchedMail, record_id, description=NO_MAIL)
    raw = load_blob(db.session, record.raw_sha256) if record.raw_sha256 else None
    return record, raw


def _outcome_text(record_id: int, record: FetchedMail) -> str:
    if record.outcome == Outcome.QUARANTINED:
        return f"Mail {record_id} went back to the quarantine: {record.reason}"
    ticket = db.session.get(Ticket, record.ticket_id) if record.ticket_id else None
    where = f" on ticket #{ticket.number}" if ticket else ""
    return f"Mail {record_id} reprocessed: {record.outcome}{where}."
