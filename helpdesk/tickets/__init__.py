"""The ticket list and ticket page (replaced by the agent workspace later)."""

from flask import Blueprint

bp = Blueprint("tickets", __name__)
