"""Forms for replies, notes and retrying mail (each carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from helpdesk.params import MAX_ID
from helpdesk.replies.sandbox import MAX_TEXT
from helpdesk.replies.services import DEFAULT_REPLY_STATUS, REPLY_STATUSES


class ReplyForm(FlaskForm):
    text = TextAreaField("Reply to the customer", validators=[DataRequired(), Length(max=MAX_TEXT)])
    status = SelectField(
        "Then set the status to",
        choices=list(REPLY_STATUSES),
        default=DEFAULT_REPLY_STATUS,
    )
    last_message_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    template = HiddenField(validators=[Length(max=60)])
    confirm = HiddenField()
    submit = SubmitField("Send reply")


class NoteForm(FlaskForm):
    text = TextAreaField("Internal note", validators=[DataRequired(), Length(max=MAX_TEXT)])
    submit = SubmitField("Add internal note")


class RetryForm(FlaskForm):
    submit = SubmitField("Retry sending")
