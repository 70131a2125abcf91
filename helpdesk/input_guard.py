"""Refusing malformed requests before any view runs: NUL characters and deep JSON.

PostgreSQL cannot store NUL in text (SQLite can), and Python's JSON parser recurses once
per nesting level, so 100,000 `[` end in RecursionError. Both are answered 400 here, for
every route, with a message saying what is wrong (JSON under /api/, a page elsewhere).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from helpdesk.params import MAX_ID, ParamError

MAX_JSON_DEPTH = 32  # our bodies are flat objects; far deeper is an attack


def register(app: Flask) -> None:
    app.before_request(refuse_malformed)


def register_converters(app: Flask) -> None:
    """Bounded ids in every `<int:...>` route (before any blueprint adds its routes)."""
    app.url_map.converters["int"] = IdConverter


def refuse_malformed() -> None:
    if "\x00" in request.path:
        raise ParamError("path", "The address cannot contain NUL characters.")
    for where, values in (("query parameters", request.args), ("form fields", request.form)):
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                message = f"The {where} cannot contain NUL characters ({name[:40]!r})."
                raise ParamError(name, message)
    if request.is_json and request.content_length != 0:
        _check_json()


def _check_json() -> None:
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        problem: str | None = (
            f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
        )
    else:
        problem = None if data is None else json_problem(data)
    if problem:
        raise ParamError("body", problem)


def json_problem(data: Any) -> str | None:
    """What is wrong with parsed JSON (too deep, a NUL in a string), or None. Iterative."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
        if isinstance(value, str):
            if "\x00" in value:
                return "Strings in the JSON body cannot contain NUL characters."
        elif isinstance(value, dict):
            stack.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return None


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits only, 1 .. MAX_ID; anything else is a 404
    (werkzeug's own takes any Unicode digit and numbers beyond the database's integers)."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map: object, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]
