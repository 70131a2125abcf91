"""The ticket list and ticket page (replaced by the agent workspace later)."""

from flask import Blueprint

bp = Blueprint("tickets", __name__)

from helpdesk.tickets import views  # noqa: E402, F401
