"""/admin: the console's home, linking to each area with its state."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from helpdesk.access import RANK, can_administer, require
from helpdesk.admin import bp
from helpdesk.admin.home import console_state
from helpdesk.extensions import db
from helpdesk.models import CATEGORIES


@bp.route("/")
@bp.route("")  # registered first, so links say /admin as the README does
@login_required
def home() -> str:
    require(can_administer, current_user)
    return render_template(
        "admin/home.html", state=console_state(db.session), roles=list(RANK), categories=CATEGORIES
    )
