"""GET/POST /tickets/<number>/policy, and `policy_panel_context` for the ticket page."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from helpdesk.access import can_work_tickets, require
from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.policy import FACT_LABELS
from helpdesk.policy_panel import bp
from helpdesk.policy_panel.forms import PolicyFactsForm, form_data
from helpdesk.policy_panel.services import LatestCheck, latest_check, record_check
from helpdesk.tickets.lookup import viewable_ticket_or_404

DECISION_LABELS = {
    "refund": "Refund",
    "exchange": "Exchange",
    "replacement": "Send a replacement",
    "not_eligible": "Not eligible",
    "refer_to_amazon": "Refer to Amazon",
    "request_photo": "Ask for a photo",
    "needs_information": "Needs information",
}


def policy_panel_context(
    ticket: Ticket, latest: LatestCheck, form: PolicyFactsForm | None = None
) -> dict[str, Any] | None:
    """What templates/policy/_panel.html renders (no query); None when the user may not
    work tickets."""
    if not can_work_tickets(current_user):
        return None
    verdict = latest.verdict
    if form is None:
        form = PolicyFactsForm(formdata=None, data=form_data(latest.facts.to_dict()))
    return {
        "ticket": ticket,
        "form": form,
        "verdict": verdict,
        "check": latest.check,
        "action": url_for("policy_panel.check", number=ticket.number),
        "fact_labels": FACT_LABELS,
        "decision_label": DECISION_LABELS.get(verdict.decision, verdict.decision),
    }


@bp.route("/tickets/<int:number>/policy", methods=["GET", "POST"])
@login_required
def check(number: int) -> str | Response | tuple[str, int]:
    ticket = viewable_ticket_or_404(number)
    require(can_work_tickets, current_user)
    latest = latest_check(db.session, ticket, current_app.config["HELPDESK_TIMEZONE"])
    if request.method == "GET":
        panel = policy_panel_context(ticket, latest)
        return render_template("policy/page.html", ticket=ticket, panel=panel)
    form = PolicyFactsForm()
    if not form.validate_on_submit() or form.facts is None:
        panel = policy_panel_context(ticket, latest, form)
        return render_template("policy/page.html", ticket=ticket, panel=panel), 400
    _, verdict = record_check(db.session, ticket, form.facts, actor_id=current_user.id)
    db.session.commit()
    flash(f"Policy check saved: {DECISION_LABELS.get(verdict.decision, verdict.decision)}.", "info")
    return redirect(url_for("tickets.show", number=number))
