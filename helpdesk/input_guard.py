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


def digits_up_to(limit: int) -> str:
    """A regex matching the numbers 1 .. `limit` written without leading zeros."""
    text = str(limit)
    shorter = f"[1-9][0-9]{{0,{len(text) - 2}}}" if len(text) > 1 else ""
    same_length = [text]
    for i, digit in enumerate(text):
        low = "1" if i == 0 else "0"
        if digit > low:
            rest = len(text) - i - 1
            same_length.append(f"{text[:i]}[{low}-{int(digit) - 1}][0-9]{{{rest}}}")
    return "(?:" + "|".join(p for p in [shorter, *same_length] if p) + ")"


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 1 .. MAX_ID in ASCII digits, else the URL is a 404.

    werkzeug's own takes any Unicode digit and numbers beyond the database's integers.
    The bound is in the regex, not in to_python: a value refused there makes werkzeug
    answer 405 when another method's rule has the same path."""

    regex = digits_up_to(MAX_ID)
