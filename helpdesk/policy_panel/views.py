"""GET/POST /tickets/<number>/policy: the panel on its own page, and saving a check.

Facts that cannot be used are shown on the ticket page, at the panel, with status 400.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from helpdesk.access import can_work_tickets, require
from helpdesk.extensions import db
from helpdesk.policy.words import DECISION_LABELS
from helpdesk.policy_panel import bp
from helpdesk.policy_panel.context import policy_panel_context
from helpdesk.policy_panel.forms import PolicyFactsForm
from helpdesk.policy_panel.services import latest_check, record_check
from helpdesk.replies.templates import active_templates, suggested_key
from helpdesk.tickets.lookup import viewable_ticket_or_404
from helpdesk.tickets.show import render_ticket_page

# The name of the facts form's second button: save, then fill the composer with the
# suggested reply.
USE_SUGGESTED = "use_suggested"


@bp.route("/tickets/<int:number>/policy", methods=["GET", "POST"])
@login_required
def check(number: int) -> str | Response | tuple[str, int]:
    ticket = viewable_ticket_or_404(number)
    require(can_work_tickets, current_user)
    if request.method == "GET":
        latest = latest_check(db.session, ticket, current_app.config["HELPDESK_TIMEZONE"])
        templates = active_templates(db.session)
        key = suggested_key(ticket, latest.suggesting_verdict, templates)
        suggestion = next((t for t in templates if t.key == key), None)
        panel = policy_panel_context(ticket, latest, suggestion=suggestion)
        return render_template("policy/page.html", ticket=ticket, panel=panel)
    form = PolicyFactsForm()
    if not form.validate_on_submit() or form.facts is None:
        return render_ticket_page(ticket, facts_form=form, status=400)
    _, verdict = record_check(db.session, ticket, form.facts, actor_id=current_user.id)
    db.session.commit()
    flash(f"Policy check saved: {DECISION_LABELS.get(verdict.decision, verdict.decision)}.", "info")
    if request.form.get(USE_SUGGESTED):
        key = suggested_key(ticket, verdict, active_templates(db.session))
        if key is not None:
            return redirect(url_for("tickets.show", number=number, template=key) + "#reply")
    return redirect(url_for("tickets.show", number=number))
