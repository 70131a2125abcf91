"""Forgotten password: ask for a link at /password/forgot, set a new one at the link."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Length

from helpdesk.account import bp
from helpdesk.account.forms import NewPasswordForm
from helpdesk.account.resets import LINK_GONE, request_reset, use_reset, valid_reset
from helpdesk.auth.services import AccountError
from helpdesk.extensions import db, limiter
from helpdesk.mailidentity import MailIdentity

SENT = (
    "If {email} is the address of an account here, a link to set a new password is on its "
    "way there. It works once, for 30 minutes."
)
NOT_SET_UP = (
    "Setting a new password by email is not set up on this helpdesk (HELPDESK_BASE_URL is "
    "not set). Ask an admin."
)
TOO_MANY = "Too many password reset requests. Wait a while, then try again."


class ForgotForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send me a link")


def _limit() -> str:
    return str(current_app.config["PASSWORD_RESET_LIMIT"])


def _address_key() -> str:
    return "reset-account:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], error_message=TOO_MANY
)
@limiter.limit(_limit, methods=["POST"], key_func=_address_key, error_message=TOO_MANY)
def password_forgot() -> str | tuple[str, int]:
    base_url = current_app.config.get("HELPDESK_BASE_URL")
    if not base_url:
        return render_template("account/forgot.html", form=None, problem=NOT_SET_UP), 503
    form = ForgotForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip()
        request_reset(
            db.session,
            email,
            identity=MailIdentity.from_config(current_app.config),
            base_url=base_url,
        )
        db.session.commit()
        return render_template("account/forgot.html", form=None, sent=SENT.format(email=email))
    return render_template("account/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def password_reset(token: str) -> Response | tuple[str, int]:
    user = valid_reset(db.session, token)
    if user is None:
        return render_template("account/reset.html", form=None, problem=LINK_GONE), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            use_reset(db.session, token, form.password.data or "")
        except AccountError as exc:
            db.session.rollback()
            return render_template("account/reset.html", form=None, problem=str(exc)), 400
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash("Your new password is set, and you are signed out everywhere. Sign in.", "info")
        return redirect(url_for("auth.login"))
    page = render_template("account/reset.html", form=form, user=user)
    return page, 400 if form.errors else 200
