"""Setting up two-factor sign-in from the profile, and sending users there when required."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from helpdesk.account import bp
from helpdesk.account.policy import two_factor_required
from helpdesk.auth.twofactor import (
    confirm_enrolment,
    new_recovery_codes,
    provisioning_uri,
    qr_data_uri,
    recovery_codes_left,
    start_enrolment,
    turn_off,
)
from helpdesk.extensions import db

# Where a user who must set up a second factor may still go.
OPEN_WHILE_ENROLLING = {
    "static",
    "favicon",
    "auth.logout",
    "auth.login",
    "account.two_factor",
    "account.two_factor_confirm",
}


class ConfirmCodeForm(FlaskForm):
    code = StringField(
        "The 6-digit code the app shows now", validators=[DataRequired(), Length(max=20)]
    )
    submit = SubmitField("Turn on two-factor sign-in")


class PasswordCheckForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Go on")


@bp.before_app_request
def _send_to_enrolment() -> Response | tuple[Response, int] | None:
    """With two-factor sign-in required, a signed-in user without it sets it up first (API
    tokens are not affected)."""
    if request.endpoint in OPEN_WHILE_ENROLLING or request.endpoint is None:
        return None
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return None
    if not current_user.is_authenticated or not current_user.two_factor_due:
        return None  # two_factor_due: read with the session (auth/sessions.py), no query
    if request.path.startswith("/api/"):
        return jsonify({"error": "Set up two-factor sign-in first (Your profile)."}), 403
    flash("This helpdesk requires two-factor sign-in: set it up to go on.", "info")
    return redirect(url_for("account.two_factor"))


def _issuer() -> str:
    return f"{current_app.config['HELPDESK_STORE_NAME']} helpdesk"


def _enrol_page(form: ConfirmCodeForm, status: int = 200) -> tuple[str, int]:
    user = current_user
    uri = provisioning_uri(user.totp_secret, user.email, _issuer())
    page = render_template(
        "account/two_factor.html",
        form=form,
        secret=user.totp_secret,
        qr=qr_data_uri(uri),
        required=two_factor_required(db.session),
    )
    return page, status


@bp.route("/profile/two-factor")
@login_required
def two_factor() -> tuple[str, int]:
    user = current_user
    if user.has_two_factor:
        page = render_template(
            "account/two_factor_on.html",
            left=recovery_codes_left(db.session, user.id),
            codes_form=PasswordCheckForm(prefix="codes"),
            off_form=PasswordCheckForm(prefix="off"),
            required=two_factor_required(db.session),
        )
        return page, 200
    if not user.totp_secret:
        start_enrolment(user)
        db.session.commit()
    return _enrol_page(ConfirmCodeForm())


@bp.route("/profile/two-factor", methods=["POST"])
@login_required
def two_factor_confirm() -> Response | tuple[str, int]:
    user = current_user
    if user.has_two_factor or not user.totp_secret:  # on already, or the page never shown
        return redirect(url_for("account.two_factor"))
    form = ConfirmCodeForm()
    if not form.validate_on_submit():
        return _enrol_page(form, 400)
    codes = confirm_enrolment(db.session, user, form.code.data or "")
    if codes is None:
        db.session.rollback()
        form.code.errors = ["That code is not right. Check the app's clock, then the newest code."]
        return _enrol_page(form, 400)
    db.session.commit()
    return render_template("account/recovery_codes.html", codes=codes, first=True), 200


@bp.route("/profile/two-factor/recovery-codes", methods=["POST"])
@login_required
def recovery_codes() -> Response | tuple[str, int]:
    form = PasswordCheckForm(prefix="codes")
    user = current_user
    if not user.has_two_factor:
        return redirect(url_for("account.two_factor"))
    if not form.validate_on_submit() or not user.check_password(form.password.data or ""):
        flash("Nothing was changed: the password is not right.", "error")
        return redirect(url_for("account.two_factor"))
    codes = new_recovery_codes(db.session, user)
    db.session.commit()
    return render_template("account/recovery_codes.html", codes=codes, first=False), 200


@bp.route("/profile/two-factor/off", methods=["POST"])
@login_required
def two_factor_off() -> Response:
    form = PasswordCheckForm(prefix="off")
    user = current_user
    if two_factor_required(db.session):
        flash("Nothing was changed: this helpdesk requires two-factor sign-in.", "error")
    elif not form.validate_on_submit() or not user.check_password(form.password.data or ""):
        flash("Nothing was changed: the password is not right.", "error")
    else:
        turn_off(db.session, user)
        db.session.commit()
        flash("Two-factor sign-in is off: your password alone signs you in.", "info")
    return redirect(url_for("account.two_factor"))
