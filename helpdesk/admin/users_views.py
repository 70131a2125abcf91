"""Admins manage staff accounts: list, create, change role, deactivate and reactivate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from helpdesk.access import can_administer, require
from helpdesk.admin import bp
from helpdesk.admin.forms import ConfirmForm
from helpdesk.admin.users import (
    change_role,
    deactivate_user,
    invite_user,
    list_users,
    reactivate_user,
)
from helpdesk.auth.services import AccountError
from helpdesk.extensions import db
from helpdesk.labels import select_choices
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


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=select_choices("role"))
    submit = SubmitField("Change role")


@bp.route("/users")
@login_required
def users() -> str:
    require(can_administer, current_user)
    return render_template("admin/users.html", rows=list_users(db.session))


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
