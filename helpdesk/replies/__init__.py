"""Reply templates and sending agents' replies."""

from flask import Blueprint

bp = Blueprint("replies", __name__)
