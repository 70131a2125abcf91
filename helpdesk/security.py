"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, g
from werkzeug.wrappers import Response

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def allow_remote_images() -> None:
    """For this response only: the agent asked to load a mail's remote images."""
    g.csp_remote_images = True


def allow_form_target(origin: str) -> None:
    """For this page only: a form here may end at `origin` (Mailbox → Connect posts to us,
    and we redirect to the mail provider; browsers check form-action on that redirect)."""
    g.csp_form_origin = origin


def register(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        policy = dict(CSP)
        if g.get("csp_remote_images"):
            policy["img-src"] = "'self' data: https: http:"
        if g.get("csp_form_origin"):
            policy["form-action"] = f"'self' {g.csp_form_origin}"
        response.headers.setdefault(
            "Content-Security-Policy", "; ".join(f"{k} {v}" for k, v in policy.items())
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
