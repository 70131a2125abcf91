"""No page shows an internal key: every key a person reads has its words (issue 13).

The crawl signs in as an agent, a manager and an admin on a database holding demo-like
data (tickets of every category, policy checks, history, audit events, a quarantined
mail) and reads the visible text of the main pages.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk import labels
from helpdesk.audit import record_audit
from helpdesk.models import CATEGORIES, TicketEvent
from helpdesk.policy import Verdict, evaluate, parse_facts
from helpdesk.policy_panel.services import record_check
from helpdesk.replies.defaults import DEFAULT_TEMPLATES
from helpdesk.replies.rendering import render_text, verdict_variables
from helpdesk.tickets.page import describe_event
from helpdesk.tickets.services import change_field, change_status
from tests.factories import make_ticket, make_user
from tests.ingest_helpers import ingest
from tests.test_web import login

ROOT = Path(__file__).resolve().parent.parent

# Every key with an underscore is unmistakably a key when it shows up in a page's text.
KEYS = sorted(
    {key for _words, keys in labels.KINDS.values() for key in keys if "_" in key}
    | {"wrong_item", "needs_information", "return_eligible_refund", "changed_mind"}
)


def _strings(node: ast.expr, tree: ast.Module) -> list[str]:
    """The strings an argument can be: a literal, the literals assigned to its name, or
    those of its parameter's Literal type."""
    if isinstance(node, ast.Constant):
        return [node.value]
    assert isinstance(node, ast.Name), ast.dump(node)
    sources = [
        a.value
        for a in ast.walk(tree)
        if isinstance(a, ast.Assign) and any(getattr(t, "id", "") == node.id for t in a.targets)
    ] + [  # or a parameter typed Literal["...", ...]
        a.annotation
        for a in ast.walk(tree)
        if isinstance(a, ast.arg) and a.arg == node.id and a.annotation is not None
    ]
    values = [
        c.value
        for source in sources
        for c in ast.walk(source)
        if isinstance(c, ast.Constant) and isinstance(c.value, str)
    ]
    assert values, node.id
    return values


def _audit_calls() -> list[tuple[str, str]]:
    """(action, target type) of every record_audit call in the code."""
    found = []
    for path in (ROOT / "helpdesk").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "record_audit"
                and len(node.args) >= 4
            ):
                for action in _strings(node.args[2], tree):
                    for target in _strings(node.args[3], tree):
                        found.append((action, target))
    return found


def test_every_audit_action_and_record_has_words() -> None:
    calls = _audit_calls()
    assert len(calls) >= 10
    for action, target in calls:
        assert action in labels.AUDIT_ACTION, action
        assert target in labels.AUDIT_TARGET, target


class _Text(HTMLParser):
    """The text a person sees: no tags, attributes, scripts or styles. An identifier an
    admin needs as such (a template's key for the API) is marked <code class="identifier">."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "textarea") or ("class", "identifier") in attrs:
            self._skip.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _demo_like(session: Session) -> list[int]:
    """Tickets of every category, with policy checks and a history; audit events; a
    quarantined mail. Returns the ticket numbers."""
    admin = make_user(session, role="admin")
    tickets = [
        make_ticket(session, subject=f"Help: {labels.label(c, 'category')}", category=c)
        for c in CATEGORIES
    ]
    ret, wrong, warranty = tickets[CATEGORIES.index("return")], tickets[0], tickets[1]
    changed_mind = {
        "request": "return",
        "reason": "changed_mind",
        "channel": "procase.com",
        "purchase_date": "2026-01-05",
        "request_date": "2026-01-20",
        "condition": "new_unopened",
        "price": "19.99",
        "return_shipping_cost": "5.50",
    }
    record_check(session, ret, parse_facts(changed_mind), actor_id=admin.id)
    record_check(session, warranty, parse_facts({"request": "warranty"}), actor_id=admin.id)
    opened = {**changed_mind, "condition": "opened"}
    record_check(session, wrong, parse_facts(opened), actor_id=admin.id)
    change_status(session, wrong, "pending", actor_id=admin.id)
    change_field(session, ret, "category", "wrong_item", actor_id=admin.id)
    change_field(session, ret, "priority", "urgent", actor_id=admin.id)
    for action in labels.AUDIT_ACTION:
        record_audit(session, admin.id, action, "category_rule", 1)
    rule = {"category": "wrong_item", "pattern": "wrong", "is_regex": False}
    record_audit(session, admin.id, "rule.create", "category_rule", 2, **rule)
    record_audit(session, admin.id, "rule.update", "category_rule", 2, old=rule, new=rule)
    minutes = {"first_response_minutes": 60, "business_hours": True}
    record_audit(session, admin.id, "sla.update", "sla_target", "wrong_item", old=minutes)
    record_audit(session, admin.id, "user.role", "user", admin.id, old="agent", new="manager")
    ingest(session, b"\x00\xff not a mail")  # quarantined
    session.commit()
    return [t.number for t in tickets]


PAGES = {
    "agent": ["/", "/?view=all", "/?view=wrong_item", "/?category=wrong_item&status=pending"],
    "manager": ["/reports/", "/reports/activity", "/reports/money", "/reports/sla"],
    "admin": [
        "/admin",
        "/admin/users",
        "/admin/audit",
        "/admin/mailbox",
        "/admin/quarantine",
        "/admin/rules",
        "/admin/templates",
        "/admin/sla",
    ],
}


@pytest.mark.parametrize("role", ["agent", "manager", "admin"])
def test_no_page_shows_a_key(client: FlaskClient, session: Session, role: str) -> None:
    numbers = _demo_like(session)
    user = make_user(session, role=role)
    assert login(client, user.email).status_code == 302
    pages = [*PAGES["agent"], *(f"/tickets/{n}" for n in numbers)]
    pages += [f"/tickets/{n}/policy" for n in numbers[:3]]
    if role in ("manager", "admin"):
        pages += PAGES["manager"]
    if role == "admin":
        pages += PAGES["admin"]
    shown = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.get_data(as_text=True))
        hits = [key for key in KEYS if re.search(rf"\b{re.escape(key)}\b", text)]
        if hits:
            shown[url] = hits
    assert not shown


def test_history_lines_are_words() -> None:
    def line(kind: str, old: str | None = None, new: str | None = None, detail: str = "") -> str:
        event = TicketEvent(kind=kind, old_value=old, new_value=new, detail=detail or None)
        return describe_event(event, {})

    assert line("status", "new", "pending") == "Status: New → Waiting on customer"
    assert line("category", "general", "wrong_item") == "Category: General → Wrong item"
    assert line("policy_check", new="needs_information") == "Policy checked: Needs information"
    assert line("reply", detail="template return_eligible_refund") == (
        "Reply sent (template “Return: eligible, refund amount”)"
    )
    assert line("automatic", detail="auto_submitted, mailing_list") == (
        "Automatic mail (Marked as sent automatically; From a mailing list)"
    )
    assert line("mail_retry", detail="ack") == "Mail retried (Acknowledgement)"


def _every_verdict() -> list[Verdict]:
    """A verdict of every policy rule, from the policy table's cases."""
    from tests.test_policy import TABLE

    return [evaluate(parse_facts(case.values[0])) for case in TABLE]


def test_default_replies_never_show_a_key_or_a_reason() -> None:
    """Every default template rendered with every verdict of the policy table: no key and
    none of the verdict's reasons (they are for agents) reach the customer."""
    verdicts = _every_verdict()
    assert {v.template for v in verdicts} >= {"return_eligible_refund", "return_not_eligible"}
    for key, _name, _category, body in DEFAULT_TEMPLATES:
        for verdict in verdicts:
            values = {
                "customer_name": "Kim Lee",
                "ticket_number": "1001",
                "order_number": "123456",
                "agent_name": "Sam",
                "store_name": "ProCase",
                **verdict_variables(verdict),
            }
            text = render_text(body, values)
            shown = [k for k in KEYS if re.search(rf"\b{re.escape(k)}\b", text)]
            assert not shown, (key, verdict.decision, shown)
            assert not [r for r in verdict.reasons if r in text], (key, verdict.decision)
            assert "at your own cost" not in text or verdict.decision == "exchange", key


def test_audit_detail_in_words() -> None:
    rule = '{"category": "wrong_item", "is_regex": false, "position": 10}'
    assert labels.audit_detail("rule.create", rule) == [
        ("Category", "Wrong item"),
        ("Is regex", "no"),
        ("Position", "10"),
    ]
    nested = '{"old": {"category": "return"}, "new": {"category": "wrong_item"}}'
    assert labels.audit_detail("rule.update", nested) == [
        ("Old", "category: Return"),
        ("New", "category: Wrong item"),
    ]
    assert labels.audit_detail("user.role", '{"old": "agent", "new": "admin"}') == [
        ("Old", "Agent"),
        ("New", "Administrator"),
    ]
    assert labels.audit_detail("x", "not json") == [("Detail", "not json")]
    assert labels.record_words("sla_target", "wrong_item") == "SLA target Wrong item"
    assert labels.record_words("category_rule", "7") == "Category rule 7"


def test_reply_status_choices_are_words(client: FlaskClient, session: Session) -> None:
    numbers = _demo_like(session)
    assert login(client, make_user(session).email).status_code == 302
    page = client.get(f"/tickets/{numbers[0]}").get_data(as_text=True)
    assert re.search(r'<option [^>]*value="pending"[^>]*>Waiting on customer</option>', page)
    assert ">pending</option>" not in page
