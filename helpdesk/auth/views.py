from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from helpdesk.auth import bp
from helpdesk.auth.forms import LoginForm
from helpdesk.auth.services import authenticate
from helpdesk.auth.sessions import revoke_session, start_session
from helpdesk.extensions import db, limiter
from helpdesk.models import User
from helpdesk.redirects import safe_next

TOO_MANY = "Too many failed sign-in attempts. Wait 15 minutes, then try again."


def _failed(response: Response) -> bool:
    """Only failed sign-ins count against the limits."""
    return response.status_code == 401


def _account_key() -> str:
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed,
    error_message=TOO_MANY,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
    error_message=TOO_MANY,
)
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("tickets.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is None:
            flash("Wrong email or password.", "error")
            return render_template("auth/login.html", form=form), 401
        sign_in(user)
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


def sign_in(user: User) -> None:
    """Start a server-side session for `user` and put it in a fresh cookie."""
    user.session_token = start_session(db.session, user, request.user_agent.string)
    db.session.commit()
    session.clear()  # rotate: nothing from before the sign-in survives
    login_user(user)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    revoke_session(db.session, current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
