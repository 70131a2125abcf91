"""Who calls the API: a bearer token, or the signed-in browser session (then CSRF applies).

`api_view(predicate)` wraps a view: it answers 401 when nobody is authenticated, 403 when
`predicate(caller)` is false, and 400 for a session POST without a valid X-CSRFToken
header. Bearer requests are exempt from CSRF: a browser never sends the header by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import current_app, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from helpdesk.api.tokens import effective_role, find_token, touch_token
from helpdesk.extensions import csrf, db
from helpdesk.models import User


@dataclass(frozen=True)
class ApiCaller:
    """The user behind a request, with the role it acts in (a token's may be lower)."""

    user: User
    role: str
    token_id: int | None = None
    is_authenticated: bool = True

    @property
    def active(self) -> bool:
        return self.user.active


def json_error(status: int, message: str, field: str | None = None) -> tuple[Response, int]:
    body: dict[str, object] = {"error": message}
    if status == 400:
        body["field"] = field
    response = jsonify(body)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="helpdesk"'
    return response, status


def api_caller() -> ApiCaller:
    """The caller `api_view` authenticated for this request."""
    return g.api_caller


def api_view(predicate: Callable[[Any], bool]) -> Callable[[Callable[..., Any]], Any]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            caller = _bearer_caller() if _bearer() is not None else _session_caller()
            if isinstance(caller, tuple):
                return caller
            if not predicate(caller):
                return json_error(403, "Your role may not do this.")
            g.api_caller = caller
            return view(*args, **kwargs)

        return csrf.exempt(wrapper)

    return decorate


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _bearer_caller() -> ApiCaller | tuple[Response, int]:
    found = find_token(db.session, _bearer() or "")
    if found is None:
        return json_error(401, "The API token is unknown or revoked.")
    token, user = found
    touch_token(db.session, token)
    db.session.commit()
    return ApiCaller(user=user, role=effective_role(token, user), token_id=token.id)


def _session_caller() -> ApiCaller | tuple[Response, int]:
    if not current_user.is_authenticated:
        return json_error(401, "Sign in, or send an API token as 'Authorization: Bearer ...'.")
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            csrf.protect()
        except CSRFError as exc:
            return json_error(400, f"{exc.description} Send it in the X-CSRFToken header.")
    user = current_user._get_current_object()
    return ApiCaller(user=user, role=user.role)
