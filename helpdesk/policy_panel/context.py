"""What templates/policy/_panel.html renders: `policy_panel_context` (no query)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import current_user

from helpdesk.access import can_work_tickets
from helpdesk.models import ReplyTemplate, Ticket
from helpdesk.policy import FACT_LABELS
from helpdesk.policy.words import DECISION_LABELS
from helpdesk.policy_panel.forms import PolicyFactsForm, form_data
from helpdesk.policy_panel.services import LatestCheck


def policy_panel_context(
    ticket: Ticket,
    latest: LatestCheck,
    form: PolicyFactsForm | None = None,
    *,
    suggestion: ReplyTemplate | None = None,
) -> dict[str, Any] | None:
    """The panel for `latest` (or the facts `form` the agent sent back); `suggestion` is the
    reply template the composer preselects. None when the user may not work tickets."""
    if not can_work_tickets(current_user):
        return None
    verdict = latest.verdict
    if form is None:
        form = PolicyFactsForm(formdata=None, data=form_data(latest.facts.to_dict()))
    use_url = None
    if suggestion is not None and latest.check is not None:
        use_url = url_for("tickets.show", number=ticket.number, template=suggestion.key)
        use_url += "#reply"
    return {
        "ticket": ticket,
        "form": form,
        "verdict": verdict,
        "check": latest.check,
        "action": url_for("policy_panel.check", number=ticket.number),
        "fact_labels": FACT_LABELS,
        "decision_label": DECISION_LABELS.get(verdict.decision, verdict.decision),
        "suggestion": suggestion,
        "use_url": use_url,
        "order_number": latest.facts.order_number,
        "order_found": latest.order_found,
    }
