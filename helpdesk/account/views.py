"""The signed-in user's profile page and what its forms post to."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from helpdesk.account import bp
from helpdesk.account.forms import NotificationsForm, PasswordForm, ProfileForm
from helpdesk.admin.forms import ConfirmForm
from helpdesk.auth.loader import sessions_started_after
from helpdesk.auth.services import (
    AccountError,
    change_own_password,
    followed_categories,
    set_notifications,
    update_profile,
)
from helpdesk.auth.sessions import (
    OtherSession,
    browser_name,
    digest,
    live_sessions,
    revoke_one_session,
    revoke_sessions,
)
from helpdesk.extensions import db
from helpdesk.labels import select_choices


def _notifications_form(**data: object) -> NotificationsForm:
    form = NotificationsForm(**data)
    form.categories.choices = select_choices("category")
    return form


def _page(status: int = 200, **forms: object) -> tuple[str, int]:
    user = current_user
    context = {
        "profile_form": ProfileForm(name=user.name, signature=user.signature),
        "password_form": PasswordForm(),
        "notifications_form": _notifications_form(
            notify_assigned=user.notify_assigned,
            notify_customer_wrote=user.notify_customer_wrote,
            notify_sla=user.notify_sla,
            notify_snoozed=user.notify_snoozed,
            categories=followed_categories(db.session, user.id),
        ),
        "others": _other_sessions(),
        **forms,
    }
    return render_template("account/profile.html", **context), status


def _other_sessions() -> list[OtherSession]:
    here = digest(current_user.session_token)
    return [
        OtherSession(row.id, browser_name(row.user_agent), row.created_at)
        for row in live_sessions(db.session, current_user.id, sessions_started_after())
        if row.token_hash != here
    ]


@bp.route("/profile")
@login_required
def profile() -> tuple[str, int]:
    return _page()


@bp.route("/profile", methods=["POST"])
@login_required
def profile_save() -> Response | tuple[str, int]:
    form = ProfileForm()
    if not form.validate_on_submit():
        return _page(400, profile_form=form)
    try:
        update_profile(current_user, form.name.data or "", form.signature.data or "")
    except AccountError as exc:
        db.session.rollback()
        form.name.errors = [str(exc)]
        return _page(400, profile_form=form)
    db.session.commit()
    flash("Your profile is saved.", "info")
    return redirect(url_for("account.profile"))


@bp.route("/profile/notifications", methods=["POST"])
@login_required
def notifications_save() -> Response | tuple[str, int]:
    form = _notifications_form()
    if not form.validate_on_submit():
        return _page(400, notifications_form=form)
    set_notifications(
        db.session,
        current_user,
        assigned=bool(form.notify_assigned.data),
        customer_wrote=bool(form.notify_customer_wrote.data),
        sla=bool(form.notify_sla.data),
        snoozed=bool(form.notify_snoozed.data),
        categories=form.categories.data or [],
    )
    db.session.commit()
    flash("Your notification choices are saved.", "info")
    return redirect(url_for("account.profile"))


@bp.route("/profile/password", methods=["POST"])
@login_required
def password_change() -> Response | tuple[str, int]:
    form = PasswordForm()
    if not form.validate_on_submit():
        return _page(400, password_form=form)
    try:
        ended = change_own_password(
            db.session,
            current_user,
            form.current.data or "",
            form.password.data or "",
            keep_token=current_user.session_token,
        )
    except AccountError as exc:
        db.session.rollback()
        form.current.errors = [str(exc).capitalize() + "."]
        return _page(400, password_form=form)
    db.session.commit()
    flash(f"Your password is changed; {_signed_out(ended)}.", "info")
    return redirect(url_for("account.profile"))


@bp.route("/profile/sessions", methods=["POST"])
@login_required
def sessions_end() -> Response:
    if not ConfirmForm().validate_on_submit():
        flash("Nothing was changed: reload the page and try again.", "error")
        return redirect(url_for("account.profile"))
    ended = revoke_sessions(db.session, current_user.id, keep_token=current_user.session_token)
    db.session.commit()
    flash(f"Done: {_signed_out(ended)}.", "info")
    return redirect(url_for("account.profile"))


@bp.route("/profile/sessions/<int:session_id>", methods=["POST"])
@login_required
def session_end(session_id: int) -> Response:
    """Sign out one other browser (a lost phone, a shared computer)."""
    if not ConfirmForm().validate_on_submit():
        flash("Nothing was changed: reload the page and try again.", "error")
        return redirect(url_for("account.profile"))
    if not revoke_one_session(db.session, current_user.id, session_id, current_user.session_token):
        abort(404)
    db.session.commit()
    flash("Done: that browser is signed out.", "info")
    return redirect(url_for("account.profile"))


def _signed_out(count: int) -> str:
    if count == 0:
        return "you were signed in nowhere else"
    return f"signed out of {count} other session{'s' if count != 1 else ''}"
