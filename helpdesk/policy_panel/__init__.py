"""The policy panel on a ticket: confirm the facts, see the verdict and why, save it."""

from flask import Blueprint

bp = Blueprint("policy_panel", __name__)
