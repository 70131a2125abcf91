from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from helpdesk.policy import FACT_LABELS, Facts, FactsError, parse_facts
from helpdesk.policy.words import (
    CHANNEL_LABELS,
    CONDITION_LABELS,
    PRODUCT_TYPE_LABELS,
    REASON_LABELS,
    REQUEST_LABELS,
)

UNKNOWN = SelectChoice("", "Not known")
YES_NO = [UNKNOWN, SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


def _label(name: str) -> str:
    return FACT_LABELS[name][0].upper() + FACT_LABELS[name][1:]


def _select(name: str, words: Mapping[str, str]) -> SelectField:
    choices = [UNKNOWN, *(SelectChoice(key, text) for key, text in words.items())]
    return SelectField(_label(name), choices=choices, default="")


def _text(name: str, **attrs: str) -> StringField:
    return StringField(_label(name), render_kw=attrs or None)


class PolicyFactsForm(FlaskForm):
    """Every fact of docs/policy.md; `parse_facts` is the validator, its errors go to the field.

    Use with prefix "policy" (the default) so it lives beside other forms on the ticket page.
    """

    request = _select("request", REQUEST_LABELS)
    reason = _select("reason", REASON_LABELS)
    channel = _select("channel", CHANNEL_LABELS)
    product_type = _select("product_type", PRODUCT_TYPE_LABELS)
    purchase_date = _text("purchase_date", type="date")
    delivery_date = _text("delivery_date", type="date")
    request_date = _text("request_date", type="date")
    condition = _select("condition", CONDITION_LABELS)
    price = _text("price", inputmode="decimal")
    return_shipping_cost = _text("return_shipping_cost", inputmode="decimal")
    has_photo = SelectField(_label("has_photo"), choices=YES_NO, default="")
    wants_refund = SelectField(_label("wants_refund"), choices=YES_NO, default="")
    product_name = _text("product_name")
    order_number = _text("order_number")

    facts: Facts | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "policy")
        super().__init__(*args, **kwargs)

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        data = {name: field.data for name, field in self._fields.items()}
        try:
            self.facts = parse_facts(data)
        except FactsError as exc:
            self[exc.field].errors.append(exc.message)
            return False
        return True


def form_data(facts: Mapping[str, object]) -> dict[str, str]:
    """A facts dict (JSON-ready, as stored) as the form's string values."""
    out = {}
    for name, value in facts.items():
        if isinstance(value, bool):
            out[name] = "yes" if value else "no"
        else:
            out[name] = "" if value is None else str(value)
    return out
