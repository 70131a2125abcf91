"""Admins manage reply templates: list, create, edit (bodies must compile in the sandbox)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from helpdesk.access import can_manage_templates, require
from helpdesk.admin import bp
from helpdesk.audit import record_audit
from helpdesk.extensions import db
from helpdesk.labels import select_choices
from helpdesk.models import ReplyTemplate
from helpdesk.replies.errors import ReplyError
from helpdesk.replies.rendering import MAX_BODY, SAMPLE_VARIABLES, VARIABLE_HELP, render_text
from helpdesk.replies.templates import create_template, update_template

ANY_CATEGORY = "any"


class TemplateForm(FlaskForm):
    key = StringField("Key (lowercase letters, digits and _; cannot change later)")
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    category = SelectField(
        "Category", choices=[SelectChoice(ANY_CATEGORY, "Any"), *select_choices("category")]
    )
    position = IntegerField(
        "Position in the list", validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    body = TextAreaField("Body", validators=[DataRequired(), Length(max=MAX_BODY)])
    active = BooleanField("Active (offered to agents)", default=True)
    submit = SubmitField("Save template")
    preview = SubmitField("Preview")


@bp.route("/templates")
@login_required
def templates() -> str:
    require(can_manage_templates, current_user)
    rows = db.session.scalars(
        select(ReplyTemplate).order_by(ReplyTemplate.position, ReplyTemplate.id)
    ).all()
    return render_template("admin/templates.html", templates=rows)


@bp.route("/templates/new", methods=["GET", "POST"])
@login_required
def template_new() -> str | Response | tuple[str, int]:
    require(can_manage_templates, current_user)
    return _edit(TemplateForm(), None)


@bp.route("/templates/<int:template_id>/edit", methods=["GET", "POST"])
@login_required
def template_edit(template_id: int) -> str | Response | tuple[str, int]:
    require(can_manage_templates, current_user)
    template = db.get_or_404(ReplyTemplate, template_id, description="There is no such template.")
    return _edit(TemplateForm(obj=template), template)


def _edit(form: TemplateForm, template: ReplyTemplate | None) -> Response | tuple[str, int]:
    """Show the form, preview it, or save it (create when `template` is None) and go back to
    the list."""
    problem = preview = None
    submitted = form.validate_on_submit()
    if submitted and form.preview.data:
        try:
            preview = render_text(form.body.data or "", _sample_variables())
        except ReplyError as exc:
            problem = str(exc)
    elif submitted:
        fields = {
            "name": form.name.data or "",
            "category": None if form.category.data == ANY_CATEGORY else form.category.data,
            "body": form.body.data or "",
            "active": form.active.data,
            "position": form.position.data,
        }
        old = None if template is None else {name: getattr(template, name) for name in fields}
        try:
            if template is None:
                template = create_template(db.session, key=(form.key.data or "").strip(), **fields)
            else:
                update_template(db.session, template, **fields)
        except ReplyError as exc:
            db.session.rollback()
            problem = str(exc)
        else:
            action = "template.create" if old is None else "template.update"
            record_audit(
                db.session,
                current_user.id,
                action,
                "reply_template",
                template.id,
                key=template.key,
                old=old,
                new=fields,
            )
            db.session.commit()
            flash(f"Template {template.key!r} saved.", "info")
            return redirect(url_for("admin.templates"))
    page = render_template(
        "admin/template_form.html",
        form=form,
        template=template,
        variables=VARIABLE_HELP,
        problem=problem,
        preview=preview,
    )
    return page, 400 if problem or form.errors else 200


def _sample_variables() -> dict[str, object]:
    store = current_app.config.get("HELPDESK_STORE_NAME") or SAMPLE_VARIABLES["store_name"]
    agent = current_user.name or SAMPLE_VARIABLES["agent_name"]
    return {**SAMPLE_VARIABLES, "store_name": store, "agent_name": agent}
