"""Reading JSON request bodies: shape and types only (the services judge the values).

Each helper raises ApiError(400) naming the field that is wrong.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from flask import request

from helpdesk.api.errors import ApiError
from helpdesk.policy import Facts, FactsError, parse_facts

MISSING = object()


def json_object(allowed: Collection[str]) -> dict[str, Any]:
    """The body as a JSON object with only `allowed` keys."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object (Content-Type: application/json).")
    for key in data:
        if key not in allowed:
            raise ApiError(400, f"Unknown field {key!r}: use {', '.join(allowed)}.", key)
    return data


def form_object(
    allowed: Collection[str], lists: Collection[str], files: Collection[str]
) -> dict[str, Any]:
    """A multipart/form-data body as JSON would give it: fields in `lists` as a list of
    their values (repeatable), the others as one string; files only under `files`."""
    for key in request.files:
        if key not in files:
            raise ApiError(
                400, f"Unknown file field {key!r}: send files as {', '.join(files)}.", key
            )
    data: dict[str, Any] = {}
    for key, values in request.form.lists():
        if key not in allowed:
            raise ApiError(400, f"Unknown field {key!r}: use {', '.join(allowed)}.", key)
        if key in lists:
            data[key] = values
        elif len(values) > 1:
            raise ApiError(400, f"{key} is given more than once.", key)
        else:
            data[key] = values[0]
    return data


def string_list(data: Mapping[str, Any], name: str) -> list[str]:
    """`data[name]` as a list of strings: a string, or a list of them; [] when absent."""
    value = data.get(name)
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ApiError(400, f"{name} must be a string or a list of strings.", name)
    for item in values:
        text_field({name: item}, name)
    return values


def id_list(data: Mapping[str, Any], name: str) -> list[int]:
    """`data[name]` as ids: a list of whole numbers (JSON), or of strings of digits, each
    possibly comma-separated (a form); [] when absent."""
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(400, f"{name} must be a list of ids.", name)
    ids: list[int] = []
    for item in value:
        parts = item.split(",") if isinstance(item, str) else [item]
        for part in parts:
            number = _id(part.strip() if isinstance(part, str) else part)
            if number is None:
                raise ApiError(400, f"{name} must hold positive whole numbers.", name)
            ids.append(number)
    return ids


def _id(value: Any) -> int | None:
    if isinstance(value, str):
        value = int(value) if value.isascii() and value.isdigit() and len(value) <= 10 else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return value
    return None


def facts_body() -> Facts:
    """The body as policy facts (as /policy/evaluate takes them)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object of facts.")
    try:
        return parse_facts(data)
    except FactsError as exc:
        raise ApiError(400, exc.message, exc.field) from None


def text_field(
    data: Mapping[str, Any], name: str, *, required: bool = False, nullable: bool = False
) -> Any:
    """`data[name]` if it is a string (or None when `nullable`); MISSING when absent."""
    value = data.get(name, MISSING)
    if value is MISSING:
        if required:
            raise ApiError(400, f"{name} is required.", name)
        return MISSING
    if value is None and nullable:
        return value
    if isinstance(value, str):
        if not _storable(value):
            raise ApiError(400, f"{name} contains characters that cannot be stored.", name)
        return value
    raise ApiError(400, f"{name} must be a string{' or null' if nullable else ''}.", name)


def text_or_template(data: Mapping[str, Any]) -> tuple[Any, Any]:
    """(`text`, `template`) of a mail's body: exactly one is given, the other is MISSING."""
    text = text_field(data, "text")
    key = text_field(data, "template")
    if (text is MISSING) == (key is MISSING):
        field = "text" if text is MISSING else "template"
        raise ApiError(400, "Give either text or template (a template key), not both.", field)
    return text, key


def id_field(data: Mapping[str, Any], name: str) -> Any:
    """`data[name]` if it is a whole number or null; MISSING when absent."""
    value = data.get(name, MISSING)
    if value is MISSING or value is None:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return value
    raise ApiError(400, f"{name} must be a positive whole number or null.", name)


def _storable(text: str) -> bool:
    """No NUL (PostgreSQL refuses it) and valid UTF-8 (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text
