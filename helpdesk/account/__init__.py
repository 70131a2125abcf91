"""A staff member's own account: profile, password, two-factor sign-in, forgotten password."""

from flask import Blueprint

bp = Blueprint("account", __name__)
