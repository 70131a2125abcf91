"""Admins manage the blocklist (add, remove: audited) and release the mail it blocked."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from helpdesk.access import can_administer, require
from helpdesk.admin import bp
from helpdesk.admin.blocklist import blocked_page, release_mail
from helpdesk.admin.forms import ConfirmForm
from helpdesk.blocklist import (
    MAX_NOTE,
    MAX_VALUE,
    BlocklistError,
    add_block,
    list_blocked,
    remove_block,
)
from helpdesk.extensions import db
from helpdesk.models import BlockedSender, FetchedMail, Ticket, User
from helpdesk.params import optional_id
from mail_ingest.poller import poller_settings
from mail_ingest.quarantine import ReprocessError


class BlockForm(FlaskForm):
    value = StringField(
        "Email address or domain",
        validators=[DataRequired("Give an email address or a domain."), Length(max=MAX_VALUE)],
    )
    note = StringField("Note (why)", validators=[Length(max=MAX_NOTE)])
    submit = SubmitField("Block")


@bp.route("/blocklist")
@login_required
def blocklist() -> str:
    require(can_administer, current_user)
    return _page(BlockForm(formdata=None))[0]


@bp.route("/blocklist", methods=["POST"])
@login_required
def blocklist_add() -> Response | tuple[str, int]:
    require(can_administer, current_user)
    form = BlockForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        entry, new = add_block(
            db.session, form.value.data or "", current_user.id, form.note.data or ""
        )
    except BlocklistError as exc:
        db.session.rollback()
        return _page(form, problem=str(exc), status=400)
    db.session.commit()
    flash(f"Blocked {entry.value}." if new else f"{entry.value} was blocked already.", "info")
    return redirect(url_for("admin.blocklist"))


@bp.route("/blocklist/<int:entry_id>/remove", methods=["POST"])
@login_required
def blocklist_remove(entry_id: int) -> Response:
    require(can_administer, current_user)
    db.get_or_404(BlockedSender, entry_id, description="There is no such blocklist entry.")
    if ConfirmForm().validate_on_submit():
        entry = remove_block(db.session, entry_id, current_user.id)
        db.session.commit()
        flash(f"{entry.value} is no longer blocked.", "info")
    return redirect(url_for("admin.blocklist"))


@bp.route("/blocked/<int:record_id>/release", methods=["POST"])
@login_required
def blocked_release(record_id: int) -> Response:
    require(can_administer, current_user)
    db.get_or_404(FetchedMail, record_id, description="There is no such mail.")
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.blocklist"))
    try:
        record = release_mail(
            db.session, current_user.id, record_id, poller_settings(current_app).ingest
        )
    except ReprocessError as exc:
        db.session.rollback()
        flash(f"Mail {record_id} was not released: {exc}.", "error")
        return redirect(url_for("admin.blocklist"))
    db.session.commit()
    ticket = db.session.get(Ticket, record.ticket_id) if record.ticket_id else None
    where = f" on ticket #{ticket.number}" if ticket else ""
    flash(f"Mail {record_id} released: {record.outcome}{where}.", "info")
    return redirect(url_for("admin.blocklist"))


def _page(form: BlockForm, problem: str | None = None, status: int = 200) -> tuple[str, int]:
    entries = list_blocked(db.session)
    ids = {e.created_by_id for e in entries if e.created_by_id is not None}
    names = dict(db.session.execute(db.select(User.id, User.name).where(User.id.in_(ids))).all())
    blocked = blocked_page(
        db.session,
        before=optional_id(request.args, "before"),
        after=optional_id(request.args, "after"),
    )
    html = render_template(
        "admin/blocklist.html",
        form=form,
        problem=problem,
        entries=entries,
        names=names,
        blocked=blocked,
    )
    return html, status
