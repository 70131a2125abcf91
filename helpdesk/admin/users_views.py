"""Admins manage staff accounts: list, create, change role, deactivate and reactivate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from helpdesk.access import can_administer, require
from helpdesk.account.policy import require_two_factor, two_factor_required
from helpdesk.account.resets import send_reset_link
from helpdesk.admin import bp
from helpdesk.admin.forms import ConfirmForm
from helpdesk.admin.users import (
    change_role,
    deactivate_user,
    invite_user,
    list_users,
    reactivate_user,
)
from helpdesk.audit import record_audit
from helpdesk.auth.services import AccountError
from helpdesk.auth.twofactor import turn_off
from helpdesk.extensions import db
from helpdesk.labels import select_choices
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import User

NO_USER = "There is no such user."


class InviteForm(FlaskForm):
    name = StringField("Name (shown to customers)", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=select_choices("role"))
    password = PasswordField(
        "Initial password (at least 8 characters; tell it to them privately)",
        validators=[DataRequired(), Length(min=8, max=500)],
    )
    submit = SubmitField("Create user")


class ReactivateForm(FlaskForm):
    password = PasswordField(
        "New password (at least 8 characters; the old one and old sessions stop working)",
        validators=[DataRequired(), Length(min=8, max=500)],
    )
    submit = SubmitField("Reactivate with this password")


class TwoFactorPolicyForm(FlaskForm):
    required = BooleanField("Require two-factor sign-in for all staff")
    submit = SubmitField("Save")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=select_choices("role"))
    submit = SubmitField("Change role")


@bp.route("/users")
@login_required
def users() -> str:
    require(can_administer, current_user)
    return render_template(
        "admin/users.html",
        rows=list_users(db.session),
        policy_form=TwoFactorPolicyForm(required=two_factor_required(db.session)),
    )


@bp.route("/users/two-factor", methods=["POST"])
@login_required
def users_two_factor() -> Response:
    """Require (or stop requiring) two-factor sign-in for everyone; audited."""
    require(can_administer, current_user)
    form = TwoFactorPolicyForm()
    if not form.validate_on_submit():
        flash("Nothing was changed: reload the page and try again.", "error")
    else:
        require_two_factor(db.session, current_user.id, bool(form.required.data))
        db.session.commit()
        if form.required.data:
            flash(
                "Two-factor sign-in is required: staff without it set it up on their next page.",
                "info",
            )
        else:
            flash("Two-factor sign-in is optional.", "info")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/two-factor-off", methods=["POST"])
@login_required
def user_two_factor_off(user_id: int) -> Response:
    """A user lost their phone and recovery codes: their password alone signs in again."""
    require(can_administer, current_user)
    user = db.get_or_404(User, user_id, description=NO_USER)
    if not ConfirmForm().validate_on_submit():
        flash("Nothing was changed: reload the page and try again.", "error")
    elif user.has_two_factor:
        turn_off(db.session, user)
        record_audit(
            db.session, current_user.id, "user.two_factor_off", "user", user.id, email=user.email
        )
        db.session.commit()
        flash(f"Two-factor sign-in is off for {user.email}.", "info")
    return redirect(url_for("admin.user_show", user_id=user.id))


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new() -> Response | tuple[str, int]:
    require(can_administer, current_user)
    form = InviteForm()
    problem = None
    if form.validate_on_submit():
        try:
            user = invite_user(
                db.session,
                current_user.id,
                email=form.email.data or "",
                name=form.name.data or "",
                role=form.role.data or "",
                password=form.password.data or "",
            )
        except AccountError as exc:
            db.session.rollback()
            problem = str(exc)
        else:
            db.session.commit()
            flash(f"Created {user.role} {user.email}.", "info")
            return redirect(url_for("admin.user_show", user_id=user.id))
    page = render_template("admin/user_new.html", form=form, problem=problem)
    return page, 400 if problem or form.errors else 200


@bp.route("/users/<int:user_id>")
@login_required
def user_show(user_id: int) -> str:
    require(can_administer, current_user)
    user = db.get_or_404(User, user_id, description=NO_USER)
    return render_template(
        "admin/user.html",
        user=user,
        role_form=RoleForm(role=user.role),
        reactivate_form=ReactivateForm(),
    )


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@login_required
def user_role(user_id: int) -> Response:
    return _change(
        user_id,
        RoleForm,
        lambda user, form: change_role(db.session, current_user.id, user, form.role.data or ""),
        "Choose one of the roles offered.",
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@login_required
def user_deactivate(user_id: int) -> Response:
    return _change(
        user_id,
        ConfirmForm,
        lambda user, form: deactivate_user(db.session, current_user.id, user),
        "Reload the page and try again.",
    )


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@login_required
def user_reactivate(user_id: int) -> Response:
    return _change(
        user_id,
        ReactivateForm,
        lambda user, form: reactivate_user(
            db.session, current_user.id, user, form.password.data or ""
        ),
        "Give a new password of at least 8 characters.",
    )


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
@login_required
def user_reset_link(user_id: int) -> Response:
    """Mail the user a link to set a new password (audited); their password stays until then."""
    require(can_administer, current_user)
    user = db.get_or_404(User, user_id, description=NO_USER)
    base_url = current_app.config.get("HELPDESK_BASE_URL")
    if not ConfirmForm().validate_on_submit():
        flash("Nothing was sent: reload the page and try again.", "error")
    elif not user.active:
        flash("Nothing was sent: reactivate the user first.", "error")
    elif not base_url:
        flash("Nothing was sent: HELPDESK_BASE_URL is not set, so links cannot be made.", "error")
    else:
        send_reset_link(
            db.session,
            user,
            identity=MailIdentity.from_config(current_app.config),
            base_url=base_url,
            requested_by=current_user._get_current_object(),
        )
        db.session.commit()
        flash(f"Sent {user.email} a link to set a new password (valid 30 minutes).", "info")
    return redirect(url_for("admin.user_show", user_id=user.id))


def _change(
    user_id: int, form_class: type[FlaskForm], change: Callable[[User, Any], object], invalid: str
) -> Response:
    """Validate the form, run one account change and commit, or say why nothing changed."""
    require(can_administer, current_user)
    user = db.get_or_404(User, user_id, description=NO_USER)
    form = form_class()
    try:
        if not form.validate_on_submit():
            raise AccountError(invalid)
        change(user, form)
    except AccountError as exc:
        db.session.rollback()
        flash(f"Nothing was changed: {exc}", "error")
    else:
        db.session.commit()
        state = "active" if user.active else "deactivated (signed out, API tokens revoked)"
        flash(f"Saved: {user.email} is {state}, role {user.role}.", "info")
    return redirect(url_for("admin.user_show", user_id=user.id))
