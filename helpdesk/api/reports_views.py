"""GET /api/v1/reports/backlog and /reports/activity: the report pages' figures as JSON."""

from __future__ import annotations

from flask import current_app, jsonify, request
from werkzeug.wrappers import Response

from helpdesk.access import can_view_reports
from helpdesk.api import bp
from helpdesk.api.auth import api_view, json_error
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.reports.activity import activity
from helpdesk.reports.backlog import backlog
from helpdesk.reports.params import RangeError, parse_range
from helpdesk.storedays import local_today


@bp.get("/reports/backlog")
@api_view(can_view_reports)
def reports_backlog() -> Response:
    """The open tickets now, as on /reports/ (managers and admins)."""
    return jsonify(backlog(db.session, utcnow()).to_dict())


@bp.get("/reports/activity")
@api_view(can_view_reports)
def reports_activity() -> Response | tuple[Response, int]:
    """?start=&end= (YYYY-MM-DD, default the last 30 days in the store's time zone)."""
    timezone = current_app.config["HELPDESK_TIMEZONE"]
    try:
        start, end = parse_range(request.args, local_today(utcnow(), timezone))
    except RangeError as exc:
        return json_error(400, exc.message, field=exc.field)
    return jsonify(activity(db.session, start, end, timezone).to_dict())
