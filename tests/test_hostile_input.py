"""Hostile requests over every route, as every role: never a 500, never a traceback.

The routes come from app.url_map, so a new route is covered without editing this file.
Run on SQLite and PostgreSQL: integer overflow and NUL bytes only fail on PostgreSQL.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from helpdesk.api.tokens import create_token
from helpdesk.blocklist import add_block
from helpdesk.input_guard import digits_up_to, json_problem
from helpdesk.models import Attachment, CategoryRule, ReplyTemplate, Ticket, User
from helpdesk.params import MAX_ID, ParamError, parse_date, parse_id, parse_limit
from tests.admin_helpers import sign_in
from tests.factories import make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.test_web import csrf_token

ROLES = ("anonymous", "agent", "manager", "admin")
ARABIC_1001 = "\u0661\u0660\u0660\u0661"  # int() reads these as 1001
ARABIC_10 = "\u0661\u0660"
ARABIC_DAY = "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661"  # 2026-01-01


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


BAD_IDS = [
    "0",
    "-1",
    str(MAX_ID + 1),
    str(2**63),
    "9" * 30,
    ARABIC_1001,  # Arabic-Indic digits: int() reads them, the database must never see them
    "²",
    "1e3",
    "%20%201",
]
BAD_NUMBERS = ["\u00b2", "-1", "0", "99999999999999999999", ARABIC_10, "1.5", str(2**63)]
BAD_DATES = ["9999-12-31", "0000-01-01", "0001-01-01", "2026-13-45", "²", ARABIC_DAY]
BAD_CURSORS = [
    _b64(["s", "v"]),
    _b64("oldest"),
    _b64(7),
    _b64({"s": "oldest", "v": "9999-12-31T23:59:59+00:00", "i": 2**70, "b": 0}),
    _b64({"s": "oldest", "v": "0001-01-01T00:00:00+00:00", "i": -5, "b": 1}),
    _b64({"s": "deadline", "v": "9999-12-31", "i": 1, "b": 0}),
    _b64({"s": "deadline", "v": ["x"], "i": True, "b": 1}),
    "!!!not-base64!!!",
    "A" * 5000,
]
# Query arguments any page might read, each with hostile values.
BAD_ARGS: dict[str, list[str]] = {
    **{name: BAD_NUMBERS for name in ("limit", "size", "position")},
    **{name: BAD_IDS for name in ("before", "after", "assignee", "actor", "template")},
    **{name: BAD_DATES for name in ("start", "end")},
    "cursor": BAD_CURSORS,
    "sort": ["deadline", "²"],
    "q": ["x" * 5000, "%", "' OR 1=1 --"],
    "view": ["mine", "²"],
    "format": ["csv"],
    "table": ["../../etc/passwd", "²"],
    "images": ["1"],
    "next": ["//evil.example/", "javascript:alert(1)"],
}
# Put in each form field in turn (numbers, ids, dates, text beyond any column).
FORM_VALUES = [
    str(2**63),
    "99999999999999999999",
    "-1",
    "\u00b2",
    ARABIC_10,
    "9999-12-31",
    "x" * 5000,
]
BAD_BODIES: list[Any] = [
    "[" * 100_000,
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    "[" * 500 + "]" * 500,
    {"text": "a\x00b", "status": "open"},
    {"assignee_id": 2**70, "seen_message_id": 2**63, "text": "hi"},
    {"assignee_id": -1, "seen_message_id": "²", "text": ["x"]},
    {"order_number": "\ud800", "category": None},
    {"purchase_date": "9999-12-31", "delivery_date": "0001-01-01", "request_date": "²"},
    [1, 2, 3],
    "not json",
]


@dataclass
class Seeded:
    ids: dict[str, int]  # a URL argument's name -> an id that exists
    tokens: dict[str, str] = field(default_factory=dict)  # role -> API bearer token


@pytest.fixture
def seeded(session: Session) -> Seeded:
    ingest(session, make_mail(attachments=[("photo.jpg", "image/jpeg", b"\xff\xd8photo")]))
    record = ingest(session, b"\x00\xff garbage that is no mail")
    ticket = session.scalars(select(Ticket)).first()
    assert ticket is not None and record.outcome == "quarantined"
    ids = {
        "number": ticket.number,
        "attachment_id": session.scalars(select(Attachment.id)).first(),
        "record_id": record.id,
        "rule_id": session.scalars(select(CategoryRule.id)).first(),
        "template_id": session.scalars(select(ReplyTemplate.id)).first(),
        "row_id": 1,
        "session_id": 1,  # a signed-in browser (of whoever signed in first)
        "entry_id": add_block(session, "spammer@example.net", None)[0].id,
        "user_id": make_user(session).id,
        "email": ticket.customer.email,
        "token": "no-such-reset-link",  # a reset link's token: a bad one answers 400
    }
    return Seeded(ids={k: v for k, v in ids.items() if v is not None})  # type: ignore[misc]


def _rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule
    )


def _url(rule: Rule, values: dict[str, Any]) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


class _Client:
    """A client signed in as `role` (a session; a bearer token under /api/)."""

    def __init__(self, client: FlaskClient, role: str, token: str | None) -> None:
        self.client, self.role, self.token = client, role, token
        self.csrf = csrf_token(client, "/") if role != "anonymous" else ""

    def send(self, method: str, url: str, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        if url.startswith("/api/") and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if method == "POST" and not url.startswith("/api/"):
            data = kw.setdefault("data", {})
            if isinstance(data, dict):
                data.setdefault("csrf_token", self.csrf)
        response = self.client.open(url, method=method, headers=headers, **kw)
        body = response.get_data().decode("utf-8", "replace")
        where = (self.role, method, url, kw.get("query_string"), str(kw.get("data"))[:80])
        assert response.status_code < 500, (*where, response.status_code)
        assert "Traceback" not in body and 'File "' not in body, where
        return response


@pytest.fixture(params=ROLES)
def as_role(
    request: pytest.FixtureRequest, client: FlaskClient, session: Session, seeded: Seeded
) -> Iterator[_Client]:
    role = request.param
    token = None
    if role != "anonymous":
        user = sign_in(client, session, role)
        token = create_token(session, user.email, "hostile test")[1]
        session.commit()
    yield _Client(client, role, token)


def test_hostile_ids_in_every_route(web_app: Flask, seeded: Seeded, as_role: _Client) -> None:
    for rule in _rules(web_app):
        for name in rule.arguments:
            for bad in BAD_IDS if name != "email" else ["\x00", "a" * 2000 + "@x.com", "²"]:
                url = _url(rule, {**seeded.ids, name: bad})
                for method in _methods(rule):
                    response = as_role.send(method, url)
                    # A reset link's token is not an id: a bad one is a 400 page saying so.
                    if name not in ("email", "token") and bad != "%20%201":
                        assert response.status_code in (302, 401, 404), (method, url)


def test_hostile_query_arguments_on_every_page(
    web_app: Flask, seeded: Seeded, as_role: _Client
) -> None:
    for rule in _rules(web_app):
        if "GET" not in _methods(rule) or rule.endpoint.endswith(("attachment", "download")):
            continue
        url = _url(rule, seeded.ids)
        for name, values in BAD_ARGS.items():
            # Admins reach every page, so they get every value; the other roles two each.
            for value in values if as_role.role == "admin" else values[:2]:
                as_role.send("GET", url, query_string={name: value})
        as_role.send("GET", url, query_string={"start": "2026-05-01", "end": "2026-01-01"})
        response = as_role.send("GET", url, query_string={"q": "a\x00b"})
        assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)


def test_hostile_json_bodies(web_app: Flask, seeded: Seeded, as_role: _Client) -> None:
    for rule in _rules(web_app):
        for method in set(_methods(rule)) & {"POST", "PATCH"}:
            url = _url(rule, seeded.ids)
            for body in BAD_BODIES:
                data = body if isinstance(body, str) else json.dumps(body)
                as_role.send(method, url, data=data, content_type="application/json")
    deep = as_role.send("POST", "/api/v1/policy/evaluate", data="[" * 100_000)
    assert deep.status_code in (400, 401, 403)


class _Forms(HTMLParser):
    """Each POST form on a page: its action and its fields' default values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.forms.append((a.get("action", ""), {}))
        elif tag in ("input", "textarea", "select") and self.forms and a.get("name"):
            fields = self.forms[-1][1]
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                fields.setdefault(a["name"], a.get("value", ""))


def test_nul_in_every_form_field_is_refused_clearly(
    web_app: Flask, seeded: Seeded, client: FlaskClient, session: Session
) -> None:
    sign_in(client, session, "admin")
    admin = _Client(client, "admin", None)
    forms: dict[tuple[str, str], dict[str, str]] = {}
    for rule in _rules(web_app):
        if "GET" in _methods(rule) and not rule.rule.startswith("/api/"):
            page = admin.send("GET", _url(rule, seeded.ids))
            parser = _Forms()
            if page.mimetype == "text/html":
                parser.feed(page.get_data(as_text=True))
            for action, fields in parser.forms:
                for name in fields:
                    forms.setdefault((action, name), fields)
    assert len({action for action, _ in forms}) >= 10, forms.keys()
    for (action, name), fields in forms.items():
        if name == "csrf_token" or action.endswith("/logout"):
            continue
        data = {**fields, name: "a\x00b"}
        response = admin.send("POST", action or "/", data=data)
        assert response.status_code == 400, (action, name)
        assert "cannot contain NUL" in response.get_data(as_text=True), (action, name)
        for value in FORM_VALUES:
            admin.send("POST", action or "/", data={**fields, name: value})


def test_users_exist_for_every_role(session: Session, as_role: _Client) -> None:
    """The role fixture signs in for real (a guard against testing only the sign-in page)."""
    if as_role.role != "anonymous":
        role = session.scalar(select(User.role).order_by(User.id.desc()).limit(1))
        assert role == as_role.role


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), ("2147483647", MAX_ID), (" 42 ", 42)]
    + [(bad, None) for bad in ("0", "-1", "2147483648", "١٢", "²", "", None, "9" * 400)],
)
def test_parse_id(text: str | None, expected: int | None) -> None:
    assert parse_id(text) == expected


def test_parse_limit_and_date() -> None:
    assert parse_limit("", 50, 100) == 50 and parse_limit("100", 50, 100) == 100
    for bad in ("²", "0", "101", "-1", "99999999999999999999", ARABIC_10):
        with pytest.raises(ParamError):
            parse_limit(bad, 50, 100)
    assert parse_date("2026-02-28", "start") is not None and parse_date("", "start") is None
    for bad in ("9999-12-31", "0001-01-01", "²", ARABIC_DAY, "2026-02-30"):
        with pytest.raises(ParamError, match="start"):
            parse_date(bad, "start")


def test_json_problem() -> None:
    assert json_problem({"a": [1, {"b": "c"}]}) is None
    nested: Any = "x"
    for _ in range(40):
        nested = [nested]
    assert "too deeply" in (json_problem(nested) or "")
    assert "NUL" in (json_problem({"k": ["a\x00"]}) or "")
    assert "NUL" in (json_problem({"k\x00": 1}) or "")


def test_hostile_numbers_in_forms_that_take_ids(
    seeded: Seeded, client: FlaskClient, session: Session
) -> None:
    """Fields the page fills in (hidden ids, checkboxes) sent with ids no column can hold."""
    sign_in(client, session, "admin")
    admin = _Client(client, "admin", None)
    number = seeded.ids["number"]
    for bad in (str(2**63), str(MAX_ID + 1), "99999999999999999999", "-1", "\u00b2"):
        bulk = {"ticket_ids": [bad, "1"], "action": "status:open", "next": "/"}
        admin.send("POST", "/tickets/bulk", data=bulk)
        reply = {"text": "Hello", "status": "pending", "last_message_id": bad}
        admin.send("POST", f"/tickets/{number}/reply", data=reply)
        update = {"assignee_id": bad, "status": "open", "priority": "normal", "category": "other"}
        admin.send("POST", f"/tickets/{number}/update", data=update)


@pytest.mark.parametrize("limit", [1, 7, 10, 19, 100, 305, 2999])
def test_digits_up_to_matches_exactly_one_to_the_limit(limit: int) -> None:
    pattern = re.compile(digits_up_to(limit) + r"\Z")
    assert [n for n in range(limit * 4) if pattern.match(str(n))] == list(range(1, limit + 1))
    assert not pattern.match("01") and not pattern.match(ARABIC_10)
