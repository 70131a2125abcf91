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
