"""The audit log page: newest first, filters, keyset pages; reply-template admin is audited."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit import record_audit
from helpdesk.labels import AUDIT_ACTION, audit_detail
from helpdesk.models import AuditEvent, ReplyTemplate, utcnow
from tests.admin_helpers import assert_admin_only, audits, post, sign_in
from tests.factories import make_user

KEYS = {words: key for key, words in AUDIT_ACTION.items()}


def events(page: str) -> list[tuple[str, str]]:
    """The action (as its key: the page shows its label) and record cells, top to bottom."""
    cells = re.findall(r'<td class="audit-action">([^<]+)</td>\s*<td>([^<]+)</td>', page)
    return [(KEYS[action], record) for action, record in cells]


def test_only_admins_read_the_audit_log(client: FlaskClient, session: Session) -> None:
    assert_admin_only(client, session, gets=["/admin/audit", "/admin/audit?before=5"], posts=[])


def test_newest_first_with_actor_names_and_filters(client: FlaskClient, session: Session) -> None:
    admin = sign_in(client, session)
    other = make_user(session, role="admin")
    old = record_audit(session, admin.id, "rule.delete", "category_rule", 4)
    old.created_at = utcnow() - timedelta(days=10)
    record_audit(session, None, "quarantine.discard", "fetched_mail", 1)
    record_audit(session, admin.id, "rule.create", "category_rule", 2, pattern="<b>x</b>")
    record_audit(session, other.id, "user.role", "user", 3, old="agent", new="manager")
    session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert [a for a, _ in events(page)] == [
        "user.role",
        "rule.create",
        "quarantine.discard",
        "rule.delete",
    ]
    assert other.name in page and "the system" in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<dt>New</dt><dd>Manager</dd><dt>Old</dt><dd>Agent</dd>" in page  # roles in words

    def shown(**args: object) -> list[str]:
        response = client.get("/admin/audit", query_string=args)
        assert response.status_code == 200
        return [a for a, _ in events(response.get_data(as_text=True))]

    assert shown(actor=admin.id) == ["rule.create", "rule.delete"]
    assert shown(actor="system") == ["quarantine.discard"]
    assert shown(action="user.role") == ["user.role"]
    assert shown(target_type="category_rule") == ["rule.create", "rule.delete"]
    today = utcnow().date()
    assert "rule.delete" not in shown(start=(today - timedelta(days=2)).isoformat())
    assert shown(end=(today - timedelta(days=5)).isoformat()) == ["rule.delete"]
    assert shown(actor=admin.id, target_type="user") == []


def test_detail_shows_as_names_and_values() -> None:
    def items(detail: str) -> list[tuple[str, str]]:
        return audit_detail("x", detail)

    assert items('{"email": "a@b.c", "count": 3, "old": {"name": "T"}}') == [
        ("Email", "a@b.c"),
        ("Count", "3"),
        ("Old", "name: T"),
    ]
    assert items("{}") == [] and items("[1, 2]") == [("Detail", "[1, 2]")]
    assert items("not json") == [("Detail", "not json")]


def test_bad_filters_get_a_clear_400(client: FlaskClient, session: Session) -> None:
    sign_in(client, session)
    for args in (
        {"start": "2026-05-02", "end": "2026-05-01"},
        {"start": "yesterday"},
        {"actor": "99999"},
        {"action": "no.such.action"},
    ):
        response = client.get("/admin/audit", query_string=args)
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and "field-error" in text and "Traceback" not in text


def test_keyset_pages_keep_the_filters(client: FlaskClient, session: Session) -> None:
    admin = sign_in(client, session)
    for n in range(53):
        record_audit(session, admin.id, "rule.move", "category_rule", n)
    record_audit(session, admin.id, "user.role", "user", 1)
    session.commit()
    first = client.get("/admin/audit?action=rule.move&_external=1&_scheme=javascript")
    html = first.get_data(as_text=True)
    assert [t for _, t in events(html)][:2] == ["Category rule 52", "Category rule 51"]
    assert len(events(html)) == 50 and "Newer events" not in html
    older = re.search(r'href="(/admin/audit\?[^"]+)">Older events', html)
    assert older and "action=rule.move" in older.group(1) and "javascript" not in html
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert [t for _, t in events(second)] == [
        "Category rule 2",
        "Category rule 1",
        "Category rule 0",
    ]
    newer = re.search(r'href="(/admin/audit\?[^"]+)">Newer events', second)
    assert newer and "Older events" not in second
    back = client.get(newer.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert events(back) == events(html)


def test_reply_template_admin_is_audited(client: FlaskClient, session: Session) -> None:
    admin = sign_in(client, session)
    form = {"key": "thanks", "name": "Thanks", "category": "any", "body": "Thank you!"}
    assert post(client, "/admin/templates/new", {**form, "active": "y"}).status_code == 302
    session.rollback()
    template = session.scalars(select(ReplyTemplate).where(ReplyTemplate.key == "thanks")).one()
    [(actor, target, detail)] = audits(session, "template.create")
    assert (actor, target, detail["key"], detail["old"]) == (
        admin.id,
        str(template.id),
        "thanks",
        None,
    )
    edit = {**form, "name": "Thanks a lot", "active": "y"}
    assert post(client, f"/admin/templates/{template.id}/edit", edit).status_code == 302
    [(_, _, detail)] = audits(session, "template.update")
    assert (detail["old"]["name"], detail["new"]["name"]) == ("Thanks", "Thanks a lot")
    page = client.get("/admin/audit?target_type=reply_template").get_data(as_text=True)
    assert [a for a, _ in events(page)] == ["template.update", "template.create"]
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "x")) is None
