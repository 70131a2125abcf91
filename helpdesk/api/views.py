"""API v1 endpoints, and JSON (never HTML) error answers for the whole blueprint.

Each area's routes live in a module of its own, imported here to register them.
"""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from helpdesk.access import can_work_tickets
from helpdesk.api import bp
from helpdesk.api import conversations_views as conversations_views
from helpdesk.api import customers_views as customers_views
from helpdesk.api import merge_views as merge_views
from helpdesk.api import reports_views as reports_views
from helpdesk.api import tickets_views as tickets_views
from helpdesk.api.auth import api_view
from helpdesk.api.bodies import facts_body
from helpdesk.api.errors import ApiError, http_error_json
from helpdesk.api.openapi import openapi_document
from helpdesk.policy import evaluate


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[Response, int]:
    return http_error_json(error)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> tuple[Response, int]:
    return error.response()


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI document of this API (no authentication needed)."""
    return jsonify(openapi_document())


@bp.post("/policy/evaluate")
@api_view(can_work_tickets)
def policy_evaluate() -> Response:
    """Facts as JSON (dates YYYY-MM-DD, money as decimal strings) -> the verdict."""
    return jsonify(evaluate(facts_body()).to_dict())
