"""Admins read the audit log: newest first, filtered by actor, action, target and dates."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from helpdesk.access import can_administer, require
from helpdesk.admin import bp
from helpdesk.admin.audit import AuditFilter, audit_page, filter_choices
from helpdesk.extensions import db
from helpdesk.params import EARLIEST_DAY, LATEST_DAY, day_in_range, optional_id

FILTERS = ("actor", "action", "target_type", "start", "end")  # kept in the page links


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    actor = SelectField("Who", default="")
    action = SelectField("Action", default="")
    target_type = SelectField("Record type", default="")
    start = DateField("From (day, store time)", validators=[Optional()])
    end = DateField("To (day, included)", validators=[Optional()])

    def validate_start(self, field: DateField) -> None:
        if not day_in_range(field.data):
            raise ValidationError(f"Choose a day between {EARLIEST_DAY} and {LATEST_DAY}.")

    def validate_end(self, field: DateField) -> None:
        self.validate_start(field)
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end day is before the start day.")


@bp.route("/audit")
@login_required
def audit() -> tuple[str, int]:
    require(can_administer, current_user)
    form = AuditFilterForm(request.args)
    for name, choices in filter_choices(db.session).items():
        form[name].choices = choices
    page = None
    if form.validate():
        page = audit_page(
            db.session,
            AuditFilter(
                actor=form.actor.data or "",
                action=form.action.data or "",
                target_type=form.target_type.data or "",
                start=form.start.data,
                end=form.end.data,
            ),
            current_app.config["HELPDESK_TIMEZONE"],
            before=optional_id(request.args, "before"),
            after=optional_id(request.args, "after"),
        )
    filters = {k: v for k, v in request.args.items() if k in FILTERS and v}
    html = render_template("admin/audit.html", form=form, page=page, filters=filters)
    return html, 200 if page is not None else 400
