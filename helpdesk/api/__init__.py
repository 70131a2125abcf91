"""REST API v1 (JSON): token or session authentication."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
