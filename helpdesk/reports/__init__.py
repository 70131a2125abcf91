"""Manager reports: backlog, speed, SLA and money, with charts and CSV downloads."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
