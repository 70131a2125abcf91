from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from helpdesk.auth import bp
from helpdesk.auth.forms import CodeForm, LoginForm
from helpdesk.auth.loader import sessions_started_after
from helpdesk.auth.lockout import count_failure, warn_owner
from helpdesk.auth.services import authenticate
from helpdesk.auth.sessions import digest, purge_stale, revoke_session, start_session
from helpdesk.auth.twofactor import check_code
from helpdesk.extensions import db, limiter
from helpdesk.mailidentity import MailIdentity
from helpdesk.models import User, utcnow
from helpdesk.redirects import safe_next

TOO_MANY = "Too many failed sign-in attempts. Wait 15 minutes, then try again."
PENDING = "pending_sign_in"  # the session key of a sign-in waiting for its second factor
PENDING_SECONDS = 300


def _failed(response: Response) -> bool:
    """Only failed sign-ins count against the limits."""
    return response.status_code == 401


def _account_address_key() -> str:
    """One account from one client address: a guesser there is stopped, the owner elsewhere
    is not (auth/lockout.py)."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"login-account:{email}:{get_remote_address()}"


def _pending_key() -> str:
    return f"login-code:{(session.get(PENDING) or {}).get('user', '')}"


def _per_account() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])


def _failures_limited(limit: Callable[[], str], key_func: Callable[[], str] | None = None) -> Any:
    """At most `limit` failed POSTs per key (default: the client address), then 429."""
    return limiter.limit(
        limit, methods=["POST"], key_func=key_func, deduct_when=_failed, error_message=TOO_MANY
    )


@bp.route("/login", methods=["GET", "POST"])
@_failures_limited(lambda: str(current_app.config["LOGIN_LIMIT_PER_ADDRESS"]))
@_failures_limited(_per_account, _account_address_key)
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("tickets.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        user = authenticate(db.session, email, form.password.data or "")
        if user is None:
            if count_failure(email):
                _warn_owner(email)
            flash("Wrong email or password.", "error")
            return render_template("auth/login.html", form=form), 401
        next_url = safe_next(request.args.get("next"))
        if user.has_two_factor:
            session.clear()
            session[PENDING] = {
                "user": user.id,
                "at": int(time.time()),
                "next": next_url,
                "password": _password_stamp(user),
            }
            return redirect(url_for("auth.login_code"))
        sign_in(user)
        return redirect(next_url)
    return render_template("auth/login.html", form=form)


def _warn_owner(email: str) -> None:
    warn_owner(
        db.session,
        email,
        identity=MailIdentity.from_config(current_app.config),
        limit=_per_account(),
        address=get_remote_address(),
        now=utcnow(),
        timezone=current_app.config["HELPDESK_TIMEZONE"],
    )
    db.session.commit()


@bp.route("/login/code", methods=["GET", "POST"])
@_failures_limited(_per_account, _pending_key)
def login_code() -> str | Response | tuple[str, int]:
    """The second step for an account with two-factor sign-in: a code from the app, or a
    recovery code (each works once)."""
    pending = session.get(PENDING) or {}
    user = db.session.get(User, pending.get("user", 0)) if pending else None
    expired = time.time() - pending.get("at", 0) > PENDING_SECONDS
    if user is not None and pending.get("password") != _password_stamp(user):
        expired = True  # the password changed since it was typed
    if user is None or not user.active or not user.has_two_factor or expired:
        session.pop(PENDING, None)
        flash("Sign in again: the sign-in waiting for a code has expired.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if check_code(db.session, user, form.code.data or ""):
            sign_in(user)
            return redirect(pending.get("next") or url_for("tickets.index"))
        db.session.rollback()
        form.code.errors = ["That code is not right (or was used already)."]
        return render_template("auth/code.html", form=form), 401
    return render_template("auth/code.html", form=form), 400 if form.errors else 200


def _password_stamp(user: User) -> str:
    """Changes with the password (the cookie is signed, not secret: no hash of it goes in)."""
    return digest(f"{user.id}:{user.password_hash}")[:16]


def sign_in(user: User) -> None:
    """Start a server-side session for `user` and put it in a fresh cookie."""
    user.session_token = start_session(db.session, user, request.user_agent.string)
    purge_stale(db.session, sessions_started_after())
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
