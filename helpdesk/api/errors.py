"""JSON error answers for every path under /api/: `{"error": ...}`, never an HTML page.

The app's error handlers (helpdesk/errors.py) ask `is_api_request()` first, because
unknown routes and wrong methods fail before any blueprint is chosen.
"""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from helpdesk.api.auth import json_error

API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def http_error_json(error: HTTPException) -> tuple[Response, int]:
    """The error as JSON, keeping its headers (Allow on 405, Retry-After on 429)."""
    response, status = json_error(error.code or 500, error.description or error.name)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, status


def server_error_json() -> tuple[Response, int]:
    return json_error(500, "Something went wrong. The error was logged; please try again.")


class ApiError(Exception):
    """An answer other than success, raised from API views and their helpers."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def response(self) -> tuple[Response, int]:
        return json_error(self.status, self.message, self.field)
