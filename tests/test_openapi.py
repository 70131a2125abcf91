"""The OpenAPI document matches the API: schemathesis calls every documented operation in
process (WSGI) with an admin's bearer token on a small seeded dataset, and checks status
codes, response schemas, content types and that nothing answers 5xx.

Bounded for CI: few examples per operation, derandomized, no shrinking.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from helpdesk.api.openapi import openapi_document
from helpdesk.api.tokens import create_token
from helpdesk.models import User
from tests.factories import make_customer, make_ticket, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 12


def seed(session: Session) -> tuple[User, str]:
    """Tickets 1001 (by mail, with an attachment) to 1004, the documented example customer,
    an agent to assign to; and an admin's token."""
    ingest(
        session,
        make_mail(
            sender=("Example Customer", "customer@example.com"),
            attachments=[("photo.jpg", "image/jpeg", b"\xff\xd8photo")],
        ),
    )
    customer = make_customer(session, "customer@example.com")
    make_ticket(session, "Case cracked", category="warranty", customer=customer, status="open")
    make_ticket(session, "Refund please", category="return", status="pending")
    make_ticket(session, "Promo code", category="promotion", status="solved")
    make_user(session)
    admin = make_user(session, "admin")
    _, raw = create_token(session, admin.email, "openapi test")
    session.commit()
    return admin, raw


@pytest.fixture
def admin_token(session: Session) -> str:
    return seed(session)[1]


# Loaded from the dict the app serves; requests go to the test's app in process (WSGI).
# (schemathesis.pytest.from_fixture needs pytest's private Function._nodeid, gone in pytest 9.)
schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(case: Any, web_app: Flask, admin_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS, app=web_app
    )


def test_document_describes_every_api_route(web_app: Flask, client: Any) -> None:
    """Every /api/v1 route is documented with its methods, and served without a token."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    documented = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    routed = set()
    for rule in web_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = rule.rule.removeprefix("/api/v1").replace("<int:number>", "{number}")
            path = path.replace("<email>", "{email}")
            routed |= {(path, m) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert routed <= documented, routed - documented
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
