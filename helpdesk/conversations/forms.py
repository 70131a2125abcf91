"""Forms for starting a conversation and forwarding (each carries a CSRF token).

Bounds here only keep absurd input out; the services check the values and say what is
wrong (helpdesk/conversations/services.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from helpdesk.labels import label
from helpdesk.params import MAX_ID
from helpdesk.replies.sandbox import MAX_TEXT
from helpdesk.replies.services import DEFAULT_REPLY_STATUS, REPLY_STATUSES

LONG = "is far too long"


class NewConversationForm(FlaskForm):
    to = StringField(
        "To (the customer's email address)", validators=[Length(max=1000, message=LONG)]
    )
    subject = StringField("Subject", validators=[Length(max=1000, message=LONG)])
    text = TextAreaField("Message", validators=[Length(max=MAX_TEXT, message=LONG)])
    template = SelectField(
        "Or start from a reply template",
        choices=[SelectChoice("", "(none)")],
        validate_choice=False,  # the service says when there is no such active template
    )
    status = SelectField(
        "Then set the ticket's status to",
        choices=[SelectChoice(s, label(s, "status")) for s in REPLY_STATUSES],
        default=DEFAULT_REPLY_STATUS,
    )
    submit = SubmitField("Send and open the ticket")


class ForwardForm(FlaskForm):
    to = StringField("Forward to (email address)", validators=[Length(max=1000, message=LONG)])
    text = TextAreaField(
        "Note above the forwarded mail", validators=[Length(max=MAX_TEXT, message=LONG)]
    )
    message_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    submit = SubmitField("Forward")


def form_problem(form: FlaskForm) -> str:
    """Why a form was refused, in words: the first field that is wrong."""
    for name, errors in form.errors.items():
        if name == "csrf_token":
            return "The form had expired. Reload the page and try again."
        field = getattr(form, name, None)
        label = field.label.text if field is not None else name
        return f"{label}: {str(errors[0]).rstrip('.')}."
    return "The form could not be read. Reload the page and try again."
