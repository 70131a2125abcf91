"""Presence on the ticket page: who else has it open and who is typing a reply."""

from flask import Blueprint

bp = Blueprint("presence", __name__)
