"""Mailbox → Connect: an admin connects the mailbox to its provider (OAuth 2.0, PKCE)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from helpdesk.access import can_administer, require
from helpdesk.admin import bp
from helpdesk.admin.mailbox_oauth import complete_connect
from helpdesk.extensions import db
from helpdesk.mailauth import OAuthFailure, OAuthSettings, token_store
from helpdesk.mailauth.connect import ConnectRefused, PendingConnect, start_connect
from helpdesk.mailauth.providers import oauth_in_use

# The Connect under way lives in the admin's signed session cookie: its state (checked on
# the way back) and PKCE verifier (useless without the code, which comes to the same browser)
PENDING = "mailbox_connect"


@bp.route("/mailbox/connect", methods=["POST"])
@login_required
def mailbox_connect() -> Response:
    require(can_administer, current_user)
    config = current_app.config
    settings = OAuthSettings.from_config(config)
    if not oauth_in_use(config) or settings.grant != "authorization_code":
        abort(400, "Connect is for OAUTH_GRANT=authorization_code; this mailbox needs none.")
    pending = start_connect(settings, url_for("admin.mailbox_oauth_callback", _external=True))
    session[PENDING] = {
        "state": pending.state,
        "verifier": pending.verifier,
        "redirect_uri": pending.redirect_uri,
    }
    return redirect(pending.url)


@bp.route("/mailbox/oauth/callback")
@login_required
def mailbox_oauth_callback() -> Response:
    require(can_administer, current_user)
    data = session.pop(PENDING, None)
    if not isinstance(data, dict):
        abort(400, "This Connect has expired or was already used: start again from Mailbox.")
    pending = PendingConnect(url="", **data)
    settings = OAuthSettings.from_config(current_app.config)
    try:
        complete_connect(
            db.session,
            current_user.id,
            settings,
            token_store(current_app),
            pending,
            request.args.to_dict(flat=False),
        )
    except (ConnectRefused, OAuthFailure) as exc:
        db.session.rollback()
        flash(f"The mailbox was not connected: {exc}", "error")
        return redirect(url_for("admin.mailbox"))
    db.session.commit()
    flash(f"Connected {settings.account} to {settings.provider}.", "info")
    return redirect(url_for("admin.mailbox"))
