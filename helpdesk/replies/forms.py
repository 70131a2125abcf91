"""Forms for replies, notes and retrying mail (each carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from helpdesk.params import MAX_ID
from helpdesk.replies.sandbox import MAX_TEXT
from helpdesk.replies.services import DEFAULT_REPLY_STATUS, REPLY_STATUSES

MAX_COPY_FIELD = 3000  # characters of a Cc or Bcc field (ten long addresses and separators)


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
    # Files (read from request.files by the view) and the ticket's attachments to forward.
    attachments = MultipleFileField("Attach files")
    forward = SelectMultipleField(coerce=int, validate_choice=False)
    cc = StringField("Cc", validators=[Length(max=MAX_COPY_FIELD)])
    bcc = StringField("Bcc", validators=[Length(max=MAX_COPY_FIELD)])
    submit = SubmitField("Send reply")


class NoteForm(FlaskForm):
    text = TextAreaField("Internal note", validators=[DataRequired(), Length(max=MAX_TEXT)])
    submit = SubmitField("Add internal note")


class RetryForm(FlaskForm):
    submit = SubmitField("Retry sending")
