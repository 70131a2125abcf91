"""The queue's bulk-action form (the filters are a GET form parsed by tickets.queue)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, SubmitField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.labels import label
from helpdesk.models import CATEGORIES, STATUSES, Status, User
from helpdesk.params import record_id

SNOOZE_ACTION = "snooze"


class BulkForm(FlaskForm):
    """Selected ticket ids, one action ("assign:<id>", "unassign", "status:<s>",
    "category:<c>", "snooze" with `snooze_day` and `snooze_time` in the store's zone,
    "merge", "spam", "not_spam") and the queue URL to go back to."""

    ticket_ids = SelectMultipleField(
        "Selected tickets",
        coerce=record_id,
        validate_choice=False,
        validators=[DataRequired("Select at least one ticket.")],
    )
    action = SelectField("Action", validators=[DataRequired("Choose an action.")])
    snooze_day = DateField("Snooze: back on", validators=[Optional()])
    snooze_time = TimeField("at", validators=[Optional()])
    next = HiddenField(validators=[Length(max=2000)])
    submit = SubmitField("Apply to selected")


# Bulk actions that take tickets out of the agents' queues ask first (static/confirm.js).
CONFIRM_ACTIONS: dict[str, str] = {
    f"status:{Status.SOLVED}": "Mark every selected ticket solved?",
    f"status:{Status.CLOSED}": "Close every selected ticket?",
    "merge": (
        "Merge the selected tickets into the oldest of them? Their messages and history move there."
    ),
    "spam": "Mark every selected ticket as spam? They leave the queue for the Spam view.",
}
# The spam actions (helpdesk/tickets/spam.py): "spam" marks, "not_spam" restores.
SPAM_ACTIONS = {"spam": True, "not_spam": False}


def action_choices(users: Sequence[User]) -> dict[str, list[tuple[str, str]]]:
    """The action select's option groups (label -> [(value, label)])."""
    return {
        "Assign to": [(f"assign:{u.id}", u.name) for u in users] + [("unassign", "Nobody")],
        "Set status": [
            (f"status:{s}", label(s, "status")) for s in STATUSES if s != Status.NEW
        ],  # only new mail is new
        "Set category": [(f"category:{c}", label(c, "category")) for c in CATEGORIES],
        "Snooze": [(SNOOZE_ACTION, "until the date and time given")],
        "Merge": [("merge", "into the oldest selected ticket")],
        "Spam": [("spam", "Mark as spam"), ("not_spam", "Not spam (restore)")],
    }
