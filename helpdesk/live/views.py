"""The endpoints the queue and the ticket page poll: GET only, read-only (so no CSRF
token), access checked like the pages, and an empty 204 when nothing changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, jsonify, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk.access import can_work_tickets, require
from helpdesk.extensions import db
from helpdesk.live import bp
from helpdesk.live.changes import MAX_CHANGES, MAX_SHOWN, Since, after, digest, relevant_changes
from helpdesk.live.news import ticket_news
from helpdesk.models import utcnow
from helpdesk.params import parse_id
from helpdesk.tickets.lookup import viewable_ticket_or_404
from helpdesk.tickets.queue import (
    QueueError,
    fetch_page,
    human_age,
    is_waiting,
    parse_params,
    view_counts,
)


@bp.app_template_global()
def live_since(moment: datetime) -> str:
    """The live queue's first `since`: the moment the page read its rows."""
    return Since(moment).encode()


def _signed_in_worker() -> None:
    """401 (not a redirect to the sign-in page: a script asks) or 403, as the pages decide."""
    if not current_user.is_authenticated:
        abort(401, "Sign in again to see the queue change.")
    require(can_work_tickets, current_user)


def _fresh(payload: dict[str, Any]) -> Response:
    response = jsonify(payload)
    response.headers["Cache-Control"] = "no-store"
    return response


def _nothing() -> Response:
    return Response(status=204, headers={"Cache-Control": "no-store"})


def _shown(text: str) -> list[int]:
    """The ids of the rows the page shows ("1,2,3"); 400 when that is not what it is."""
    parts = [p for p in text.split(",") if p.strip()]
    ids = [parse_id(p) for p in parts[: MAX_SHOWN + 1]]
    if len(parts) > MAX_SHOWN or None in ids:
        abort(400, "The list of shown tickets is not one; reload the page.")
    return [i for i in ids if i is not None]


@bp.route("/tickets/live")
def queue_changes() -> Response:
    """What changed in the view (the queue's own parameters) since `since`: 204 when
    nothing did, else the page's ticket ids in order with the rows that changed or are
    new to it (the queue's own row template), the views' counts and the next `since`."""
    _signed_in_worker()
    args = request.args.to_dict()
    try:
        since = Since.decode((args.pop("since", "") or "").strip()[:300])
    except ValueError:
        abort(400, "The live queue lost its place; reload the page.")
    shown = _shown(args.pop("shown", ""))
    try:
        params = parse_params(args)
    except QueueError as exc:
        abort(400, " ".join(exc.messages))
    now = utcnow()
    changes = relevant_changes(db.session, params, current_user.id, since.at, shown, now)
    if digest(changes) == since.digest:
        return _nothing()
    following = Since(now, digest(after(changes, now))).encode()
    if len(changes) > MAX_CHANGES:
        return _fresh({"since": following, "reload": True, "order": [], "rows": ""})
    page = fetch_page(db.session, params, current_user.id, now)
    changed = {c.id for c in changes}
    sent = [t for t in page.tickets if t.id in changed or t.id not in shown]
    rows = render_template(
        "live/queue_rows.html", tickets=sent, now=now, is_waiting=is_waiting, human_age=human_age
    )
    return _fresh(
        {
            "since": following,
            "reload": False,
            "order": [t.id for t in page.tickets],
            "rows": rows,
            "counts": view_counts(db.session, current_user.id),
        }
    )


@bp.route("/tickets/<int:number>/live")
def ticket_changes(number: int) -> Response:
    """What others did on the ticket after the page's last message and event: 204 when
    nothing happened, else the newest ids and the news in words (none of one's own)."""
    _signed_in_worker()
    message_id = _after_id("message")
    event_id = _after_id("event")
    ticket = viewable_ticket_or_404(number)
    news = ticket_news(db.session, ticket, message_id, event_id, current_user.id)
    if news is None:
        return _nothing()
    return _fresh(
        {
            "message": news.message_id,
            "event": news.event_id,
            "news": news.lines,
        }
    )


def _after_id(name: str) -> int:
    text = (request.args.get(name) or "0").strip()
    if text == "0":
        return 0
    value = parse_id(text)
    if value is None:
        abort(400, f"“{name}” must be a record number; reload the page.")
    return value
