"""Admins edit the SLA targets of each category (minutes; blank is no target)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional

from helpdesk.access import can_administer, require
from helpdesk.admin import bp
from helpdesk.admin.sla import MAX_MINUTES, SlaError, TargetValues, current_values, save_targets
from helpdesk.extensions import db
from helpdesk.labels import choices
from helpdesk.models import CATEGORIES


def _minutes_field(label: str) -> IntegerField:
    return IntegerField(label, validators=[Optional(), NumberRange(min=1, max=MAX_MINUTES)])


class SlaForm(FlaskForm):
    """Three fields per category: `<category>__first`, `__resolution`, `__business`."""

    submit = SubmitField("Save SLA targets")


for _category, _words in choices("category"):
    setattr(SlaForm, f"{_category}__first", _minutes_field(f"First response for {_words}"))
    setattr(SlaForm, f"{_category}__resolution", _minutes_field(f"Resolution for {_words}"))
    setattr(SlaForm, f"{_category}__business", BooleanField(f"Business hours for {_words}"))


def _form_data(values: dict[str, TargetValues]) -> dict[str, object]:
    data: dict[str, object] = {}
    for category, value in values.items():
        data[f"{category}__first"] = value.first_response_minutes
        data[f"{category}__resolution"] = value.resolution_minutes
        data[f"{category}__business"] = value.business_hours
    return data


def _values(form: SlaForm) -> dict[str, TargetValues]:
    return {
        category: TargetValues(
            form[f"{category}__first"].data,
            form[f"{category}__resolution"].data,
            bool(form[f"{category}__business"].data),
        )
        for category in CATEGORIES
    }


@bp.route("/sla", methods=["GET", "POST"])
@login_required
def sla() -> Response | tuple[str, int]:
    require(can_administer, current_user)
    form = SlaForm(data=_form_data(current_values(db.session)))
    problem = None
    if form.validate_on_submit():
        try:
            changed = save_targets(db.session, current_user.id, _values(form))
        except SlaError as exc:
            db.session.rollback()
            problem = str(exc)
        else:
            db.session.commit()
            flash(f"Saved the SLA targets ({', '.join(changed) or 'nothing changed'}).", "info")
            return redirect(url_for("admin.sla"))
    page = render_template(
        "admin/sla.html",
        form=form,
        categories=CATEGORIES,
        hours=current_app.config.get("HELPDESK_BUSINESS_HOURS"),
        days=current_app.config.get("HELPDESK_BUSINESS_DAYS"),
        problem=problem,
    )
    return page, 400 if problem or form.errors else 200
