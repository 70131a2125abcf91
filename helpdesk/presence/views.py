"""The ticket page's heartbeat (static/presence.js): one POST records this page and answers
who else is on the ticket, so one request does both; leaving forgets the page at once."""

from __future__ import annotations

from flask import abort, current_app, jsonify, request
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.presence import bp
from helpdesk.presence.services import PresenceError, heartbeat, leave
from helpdesk.tickets.lookup import viewable_ticket_or_404


def _ids(number: int) -> tuple[int, int, str]:
    """(ticket id, user id, the page's key): 404/403 as the ticket page, 400 for a bad key."""
    ticket = viewable_ticket_or_404(number)
    page_key = request.form.get("page", "")
    if not page_key:
        abort(400, "The page key (page) is missing.")
    return ticket.id, current_user.id, page_key


@bp.route("/tickets/<int:number>/presence", methods=["POST"])
@login_required
def beat(number: int) -> Response:
    """Form fields: `page` (the page's random key), `typing` ("1" while a reply is being
    written). Answers {"others": [{"name", "typing"}], "interval": seconds, "csrf": token}."""
    ticket_id, user_id, page_key = _ids(number)
    interval = current_app.config["HELPDESK_PRESENCE_SECONDS"]
    try:
        others = heartbeat(
            db.session,
            ticket_id=ticket_id,
            user_id=user_id,
            page_key=page_key,
            typing=request.form.get("typing") == "1",
            now=utcnow(),
            interval=interval,
        )
    except PresenceError as exc:
        db.session.rollback()
        abort(400, str(exc))
    db.session.commit()
    return jsonify(
        others=[{"name": p.name, "typing": p.typing} for p in others],
        interval=interval,
        csrf=generate_csrf(),  # a fresh token, so a page left open for hours keeps beating
    )


@bp.route("/tickets/<int:number>/presence/leave", methods=["POST"])
@login_required
def gone(number: int) -> tuple[str, int]:
    """The page is being left (navigator.sendBeacon on pagehide): 204."""
    ticket_id, user_id, page_key = _ids(number)
    try:
        leave(db.session, ticket_id=ticket_id, user_id=user_id, page_key=page_key)
    except PresenceError as exc:
        db.session.rollback()
        abort(400, str(exc))
    db.session.commit()
    return "", 204
