"""Error pages: a clear message for the user, never a stack trace."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from helpdesk.api.auth import json_error
from helpdesk.api.errors import http_error_json, is_api_request, server_error_json
from helpdesk.outbox.files import too_large_message
from helpdesk.params import ParamError


def register(app: Flask) -> None:
    """HTML error pages; under /api/ the same errors as JSON."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[Any, int]:
        if is_api_request():
            return http_error_json(error)
        return render_template(
            "error.html",
            code=400,
            title="The form expired",
            message="Your form was open too long or came from elsewhere. Reload and try again.",
        ), 400

    @app.errorhandler(ParamError)
    def param_error(error: ParamError) -> tuple[Any, int]:
        """A parameter read by helpdesk.params that the request got wrong."""
        if is_api_request():
            return json_error(400, error.message, error.field)
        return render_template(
            "error.html", code=400, title="Bad request", message=error.message
        ), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> tuple[Any, int]:
        """A body over MAX_CONTENT_LENGTH (files far over REPLY_MAX_BYTES): never read."""
        message = too_large_message(app.config)
        if is_api_request():
            return json_error(413, message, "attachments")
        return render_template(
            "error.html", code=413, title="The files are too large", message=message
        ), 413

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Any, int]:
        if is_api_request():
            return http_error_json(error)
        code = error.code or 500
        return render_template(
            "error.html", code=code, title=error.name, message=error.description
        ), code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[Any, int]:
        app.logger.exception("Unhandled error")
        if is_api_request():
            return server_error_json()
        generic = InternalServerError()
        return render_template(
            "error.html",
            code=500,
            title="Something went wrong",
            message="The error was logged. Please try again, or tell an administrator.",
        ), generic.code or 500
