"""The ticket page's forms: the side panel, snooze, merge and split."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from helpdesk.labels import select_choices
from helpdesk.models import Status, Ticket, User
from helpdesk.params import MAX_ID, parse_id


class TicketUpdateForm(FlaskForm):
    """Assignee, status, priority, category and order number of one ticket."""

    assignee_id = SelectField("Assignee", choices=[])
    status = SelectField("Status", choices=select_choices("status"))
    priority = SelectField("Priority", choices=select_choices("priority"))
    category = SelectField("Category", choices=select_choices("category"))
    order_number = StringField("Order number", validators=[Optional(), Length(max=40)])
    submit = SubmitField("Save ticket details")

    @classmethod
    def for_ticket(cls, ticket: Ticket, users: Sequence[User], **kwargs: Any) -> TicketUpdateForm:
        """The form filled from the ticket, offering the active users (and the current one)."""
        form = cls(
            data={
                "assignee_id": str(ticket.assignee_id or ""),
                "status": ticket.status,
                "priority": ticket.priority,
                "category": ticket.category,
                "order_number": ticket.order_number or "",
            },
            **kwargs,
        )
        choices = [SelectChoice("", "Unassigned")]
        choices += [SelectChoice(str(u.id), u.name) for u in users if u.active]
        current = ticket.assignee
        if current is not None and not current.active:
            choices.append(SelectChoice(str(current.id), f"{current.name} (inactive)"))
        form.assignee_id.choices = choices
        # Spam is shown on a spam ticket only: it is set and left by the spam form alone.
        form.status.choices = [
            c
            for c in select_choices("status")
            if c.value != Status.SPAM or c.value == ticket.status
        ]
        return form

    def changes(self) -> dict[str, str | int | None]:
        """The submitted values, as `update_ticket` takes them."""
        assignee = self.assignee_id.data or ""
        return {
            "assignee_id": parse_id(assignee),
            "status": self.status.data,
            "priority": self.priority.data,
            "category": self.category.data,
            "order_number": (self.order_number.data or "").strip() or None,
        }


class SnoozeForm(FlaskForm):
    """Snooze until a date and time in the store's zone, or cancel the snooze."""

    day = DateField("Back on", validators=[Optional()])
    time = TimeField("at", validators=[Optional()])
    submit = SubmitField("Snooze")
    cancel = SubmitField("Cancel snooze")


class MergeForm(FlaskForm):
    """Merge this ticket into the ticket with this number."""

    into = IntegerField(
        "Merge into ticket #",
        validators=[
            InputRequired("Give the number of the ticket to merge into."),
            NumberRange(1, MAX_ID, "Give a ticket number."),
        ],
    )
    other_customer = BooleanField("It is another customer's ticket: merge anyway")
    submit = SubmitField("Merge")


class SplitForm(FlaskForm):
    """Move one message (and, `following`, the ones after it) into a new ticket."""

    message_id = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_ID)])
    following = BooleanField("with the messages after it")
    submit = SubmitField("Split into a new ticket")


class SpamForm(FlaskForm):
    """Mark the ticket as spam (blocking its sender or their domain too, if chosen), or
    (on a spam ticket) as not spam."""

    # Judged by mark_spam (a bad value is a 400 with its reason); absent when restoring.
    block = SelectField("Also block", choices=[SelectChoice("", "Nobody")], validate_choice=False)
    submit = SubmitField("Mark as spam")
    restore = SubmitField("Not spam")

    @classmethod
    def for_ticket(cls, ticket: Ticket, **kwargs: Any) -> SpamForm:
        """The block choices name the customer's address and domain."""
        form = cls(**kwargs)
        email = ticket.customer.email
        form.block.choices = [
            SelectChoice("", "Nobody"),
            SelectChoice("sender", f"The sender, {email}"),
            SelectChoice("domain", f"Everyone at {email.rpartition('@')[2]}"),
        ]
        return form
