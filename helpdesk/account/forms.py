from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from helpdesk.auth.services import MIN_PASSWORD

SIGNATURE_MAX = 2000


class ProfileForm(FlaskForm):
    name = StringField(
        "Name (shown to customers)",
        validators=[DataRequired("The name cannot be empty."), Length(max=200)],
    )
    signature = TextAreaField(
        "Signature (added under your replies)", validators=[Length(max=SIGNATURE_MAX)]
    )
    submit = SubmitField("Save profile")


class NotificationsForm(FlaskForm):
    notify_assigned = BooleanField("Someone else assigned me a ticket")
    notify_customer_wrote = BooleanField("The customer wrote on a ticket assigned to me")
    notify_sla = BooleanField("A ticket of mine is about to miss or missed its SLA target")
    notify_snoozed = BooleanField("A snoozed ticket of mine came back")
    # choices: the categories in words (views.py); none chosen: no mail about new tickets
    categories = SelectMultipleField(
        "A new ticket came in, in one of these categories",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField("Save notifications")


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        f"New password (at least {MIN_PASSWORD} characters)",
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=500)],
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    submit = SubmitField("Set the new password")


class PasswordForm(NewPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Change password")
