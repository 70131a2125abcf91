"""The live queue and ticket page: cheap read-only endpoints the pages poll (GET only)."""

from flask import Blueprint

bp = Blueprint("live", __name__)
