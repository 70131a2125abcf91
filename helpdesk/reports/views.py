"""Report pages for managers and admins; `?format=csv&table=KEY` downloads one table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from helpdesk.access import can_view_reports, require
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.reports import bp
from helpdesk.reports.activity import activity as activity_report
from helpdesk.reports.backlog import backlog
from helpdesk.reports.layouts import (
    activity_tables,
    age_chart,
    backlog_tables,
    daily_chart,
    money_tables,
    sla_tables,
)
from helpdesk.reports.money import money as money_report
from helpdesk.reports.params import RangeError, day_bounds, parse_range
from helpdesk.reports.sla import load_targets, sla_counts, sla_settings, sla_status
from helpdesk.reports.tables import Table, find_table
from helpdesk.storedays import local_today


def _timezone() -> str:
    return current_app.config["HELPDESK_TIMEZONE"]


def _csv_url(key: str) -> str:
    args: dict[str, Any] = {**request.args.to_dict(), "format": "csv", "table": key}
    return url_for(request.endpoint or "reports.index", **args)


def _page(stem: str, tables: Sequence[Table], template: str, **context: Any) -> Response | str:
    """The page, or with ?format=csv one of its tables as a CSV attachment."""
    if request.args.get("format") == "csv":
        table = find_table(tables, request.args.get("table"))
        if table is None:
            abort(404, "This report has no such table.")
        response = Response(table.to_csv(), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{stem}-{table.key}.csv"'
        return response
    return render_template(template, tables={t.key: t for t in tables}, csv_url=_csv_url, **context)


def _range() -> tuple[date, date]:
    """The requested days; RangeError says what is wrong with them (see _bad_range)."""
    return parse_range(request.args, local_today(utcnow(), _timezone()))


def _bad_range(template: str, error: RangeError) -> tuple[str, int]:
    """The report's page again with the error on its date form (no figures), as a 400."""
    page = render_template(
        template,
        tables={},
        csv_url=_csv_url,
        error=error,
        start=request.args.get("start", ""),
        end=request.args.get("end", ""),
    )
    return page, 400


@bp.route("/")
@login_required
def index() -> Response | str:
    """The backlog now."""
    require(can_view_reports, current_user)
    now = utcnow()
    report = backlog(db.session, now)
    tables = backlog_tables(report, ZoneInfo(_timezone()))
    stem = f"backlog-{local_today(now, _timezone())}"
    return _page(stem, tables, "reports/backlog.html", report=report, chart=age_chart(report))


@bp.route("/activity")
@login_required
def activity() -> Response | str | tuple[str, int]:
    """Created and solved per day, response and resolution times, reopen rate."""
    require(can_view_reports, current_user)
    try:
        start, end = _range()
    except RangeError as exc:
        return _bad_range("reports/activity.html", exc)
    report = activity_report(db.session, start, end, _timezone())
    tables = activity_tables(report)
    return _page(
        f"activity-{start}-to-{end}",
        tables,
        "reports/activity.html",
        start=start,
        end=end,
        chart=daily_chart(report),
    )


@bp.route("/sla")
@login_required
def sla() -> Response | str:
    """The targets, and the tickets that broke or are about to break them."""
    require(can_view_reports, current_user)
    try:
        settings = sla_settings(current_app.config)
    except ValueError as exc:
        abort(500, f"The business-hours settings are not valid ({exc}). Tell an administrator.")
    now = utcnow()
    targets = load_targets(db.session)
    rows = sla_status(db.session, now, settings, targets)
    counts = sla_counts(db.session, now, settings, targets)
    tables = sla_tables(targets, counts, rows, now, ZoneInfo(_timezone()))
    stem = f"sla-{local_today(now, _timezone())}"
    return _page(stem, tables, "reports/sla.html", settings=settings, limit=settings.limit)


@bp.route("/money")
@login_required
def money() -> Response | str | tuple[str, int]:
    """Refunds, restocking fees, waived fees and replacements from applied policy verdicts."""
    require(can_view_reports, current_user)
    try:
        start, end = _range()
    except RangeError as exc:
        return _bad_range("reports/money.html", exc)
    low, high = day_bounds(start, end, _timezone())
    tables = money_tables(money_report(db.session, low, high))
    return _page(f"money-{start}-to-{end}", tables, "reports/money.html", start=start, end=end)
