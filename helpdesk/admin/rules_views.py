"""Admins manage the category rules: the ordered list, add, edit, delete, move, try a subject."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from helpdesk.access import can_administer, require
from helpdesk.admin import bp
from helpdesk.admin.forms import ConfirmForm
from helpdesk.admin.rules import (
    MAX_PATTERN,
    RuleError,
    RuleFields,
    add_rule,
    delete_rule,
    list_rules,
    move_rule,
    pattern_problem,
    try_subject,
    update_rule,
)
from helpdesk.extensions import db
from helpdesk.labels import select_choices
from helpdesk.models import CategoryRule

NO_RULE = "There is no such rule."


class RuleForm(FlaskForm):
    category = SelectField("Category it gives", choices=select_choices("category"))
    pattern = StringField(
        "Pattern (words matched at a word start, any case)",
        validators=[DataRequired(), Length(max=MAX_PATTERN)],
    )
    is_regex = BooleanField("The pattern is a regular expression (Python syntax, any case)")
    active = BooleanField("Active (used for new mail)", default=True)
    submit = SubmitField("Save rule")


class MoveForm(FlaskForm):
    direction = SelectField(choices=["up", "down"])


class TryForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    subject = StringField("Subject to try", validators=[Length(max=998)])


@bp.route("/rules")
@login_required
def rules() -> str:
    require(can_administer, current_user)
    rows = list_rules(db.session)
    trial_form = TryForm(request.args)
    trial = None
    if trial_form.subject.data and trial_form.validate():
        trial = try_subject(trial_form.subject.data, rows)
    return render_template(
        "admin/rules.html",
        rules=rows,
        problems={r.id: pattern_problem(r.pattern, r.is_regex) for r in rows},
        trial_form=trial_form,
        trial=trial,
    )


@bp.route("/rules/new", methods=["GET", "POST"])
@login_required
def rule_new() -> Response | tuple[str, int]:
    require(can_administer, current_user)
    return _edit(RuleForm(), None)


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@login_required
def rule_edit(rule_id: int) -> Response | tuple[str, int]:
    require(can_administer, current_user)
    rule = db.get_or_404(CategoryRule, rule_id, description=NO_RULE)
    return _edit(RuleForm(obj=rule), rule)


@bp.route("/rules/<int:rule_id>/delete", methods=["POST"])
@login_required
def rule_delete(rule_id: int) -> Response:
    require(can_administer, current_user)
    rule = db.get_or_404(CategoryRule, rule_id, description=NO_RULE)
    if ConfirmForm().validate_on_submit():
        label = f"{rule.pattern!r} → {rule.category}"
        delete_rule(db.session, current_user.id, rule)
        db.session.commit()
        flash(f"Deleted the rule {label}.", "info")
    return redirect(url_for("admin.rules"))


@bp.route("/rules/<int:rule_id>/move", methods=["POST"])
@login_required
def rule_move(rule_id: int) -> Response:
    require(can_administer, current_user)
    rule = db.get_or_404(CategoryRule, rule_id, description=NO_RULE)
    form = MoveForm()
    try:
        if not form.validate_on_submit():
            raise RuleError("move a rule up or down")
        move_rule(db.session, current_user.id, rule, form.direction.data or "")
    except RuleError as exc:
        db.session.rollback()
        flash(f"Nothing was moved: {exc}.", "error")
    else:
        db.session.commit()
    return redirect(url_for("admin.rules", _anchor=f"rule-{rule_id}"))


def _edit(form: RuleForm, rule: CategoryRule | None) -> Response | tuple[str, int]:
    """Show the form, or save it (add when `rule` is None) and go back to the list."""
    problem = None
    if form.validate_on_submit():
        fields = RuleFields(
            category=form.category.data or "",
            pattern=form.pattern.data or "",
            is_regex=form.is_regex.data,
            active=form.active.data,
        )
        try:
            if rule is None:
                rule = add_rule(db.session, current_user.id, fields)
            else:
                update_rule(db.session, current_user.id, rule, fields)
        except RuleError as exc:
            db.session.rollback()
            problem = str(exc)
        else:
            db.session.commit()
            flash(f"Saved the rule {rule.pattern!r} → {rule.category}.", "info")
            return redirect(url_for("admin.rules", _anchor=f"rule-{rule.id}"))
    page = render_template("admin/rule_form.html", form=form, rule=rule, problem=problem)
    return page, 400 if problem or form.errors else 200
