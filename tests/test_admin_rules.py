"""Admins manage the category rules; new mail uses them, existing tickets keep their category."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.admin.rules import list_rules
from helpdesk.categories import categorize, load_rules
from helpdesk.models import AuditEvent, CategoryRule, Ticket
from tests.admin_helpers import assert_admin_only, audits, post, sign_in
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail


def rule_for(session: Session, pattern: str) -> CategoryRule:
    session.rollback()
    return session.scalars(select(CategoryRule).where(CategoryRule.pattern == pattern)).one()


def order(session: Session) -> list[str]:
    session.rollback()
    return [r.pattern for r in list_rules(session)]


def test_only_admins_may_manage_rules(client: FlaskClient, session: Session) -> None:
    rule = rule_for(session, "warranty")
    assert_admin_only(
        client,
        session,
        gets=[
            "/admin/rules",
            "/admin/rules?subject=x",
            "/admin/rules/new",
            f"/admin/rules/{rule.id}/edit",
        ],
        posts=[
            "/admin/rules/new",
            f"/admin/rules/{rule.id}/edit",
            f"/admin/rules/{rule.id}/delete",
            f"/admin/rules/{rule.id}/move",
        ],
    )
    assert session.scalar(select(func.count(AuditEvent.id))) == 0
    assert client.get("/admin/rules/99999/edit").status_code == 404
    assert post(client, "/admin/rules/99999/delete").status_code == 404


def test_list_says_existing_tickets_keep_their_category(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, session)
    page = client.get("/admin/rules").get_data(as_text=True)
    assert "never recategorizes existing tickets" in page
    assert "not what i ordered" in page and "Move up" in page and "Try this subject" in page


def test_add_edit_delete_are_audited_and_only_new_mail_uses_them(
    client: FlaskClient, session: Session
) -> None:
    admin = sign_in(client, session)
    before = ingest(session, make_mail(subject="My screen protector cracked"))
    form = {"category": "warranty", "pattern": "screen  protector", "active": "y"}
    assert post(client, "/admin/rules/new", form).status_code == 302
    rule = rule_for(session, "screen protector")
    assert (rule.category, rule.is_regex, rule.active) == ("warranty", False, True)
    assert order(session)[-1] == "screen protector"
    [(actor, target, detail)] = audits(session, "rule.create")
    assert (actor, target, detail["pattern"]) == (admin.id, str(rule.id), "screen protector")
    after = ingest(session, make_mail(subject="Screen protector cracked again"))
    assert session.get(Ticket, after.ticket_id).category == "warranty"
    assert session.get(Ticket, before.ticket_id).category == "general"  # not recategorized

    edit = {"category": "return", "pattern": "protector", "is_regex": ""}
    assert post(client, f"/admin/rules/{rule.id}/edit", edit).status_code == 302
    [(_, _, detail)] = audits(session, "rule.update")
    assert detail["old"]["pattern"] == "screen protector" and detail["new"]["active"] is False
    assert post(client, f"/admin/rules/{rule.id}/delete").status_code == 302
    assert "protector" not in order(session)
    assert audits(session, "rule.delete")[0][2]["category"] == "return"


def test_invalid_regex_is_refused_clearly(client: FlaskClient, session: Session) -> None:
    sign_in(client, session)
    form = {"category": "warranty", "pattern": "broken (screen", "is_regex": "y", "active": "y"}
    response = post(client, "/admin/rules/new", form)
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "regular expression is invalid" in text
    assert "Traceback" not in text
    empty = post(client, "/admin/rules/new", {**form, "pattern": "  ", "is_regex": ""})
    assert empty.status_code == 400
    assert session.scalar(select(func.count(AuditEvent.id))) == 0
    assert post(client, "/admin/rules/new", {**form, "pattern": r"scre+n\b"}).status_code == 302


def test_move_up_and_down_swaps_neighbours(client: FlaskClient, session: Session) -> None:
    sign_in(client, session)
    first, second, third = order(session)[:3]
    moved = rule_for(session, second)
    assert post(client, f"/admin/rules/{moved.id}/move", {"direction": "up"}).status_code == 302
    assert order(session)[:3] == [second, first, third]
    post(client, f"/admin/rules/{moved.id}/move", {"direction": "down"})
    post(client, f"/admin/rules/{moved.id}/move", {"direction": "down"})
    assert order(session)[:3] == [first, third, second]
    assert len(audits(session, "rule.move")) == 3
    top = rule_for(session, first)
    refused = post(
        client, f"/admin/rules/{top.id}/move", {"direction": "up"}, follow_redirects=True
    )
    assert "already first" in refused.get_data(as_text=True)
    bad = post(
        client, f"/admin/rules/{top.id}/move", {"direction": "sideways"}, follow_redirects=True
    )
    assert "Nothing was moved" in bad.get_data(as_text=True)
    assert len(audits(session, "rule.move")) == 3


def test_equal_positions_are_renumbered_when_moving(client: FlaskClient, session: Session) -> None:
    sign_in(client, session)
    for rule in session.scalars(select(CategoryRule)):
        rule.position = 5
    session.commit()
    patterns = order(session)
    last = rule_for(session, patterns[-1])
    post(client, f"/admin/rules/{last.id}/move", {"direction": "up"})
    assert order(session) == [*patterns[:-2], patterns[-1], patterns[-2]]
    assert len(set(session.scalars(select(CategoryRule.position)))) == len(patterns)


def test_try_a_subject_shows_the_rule_and_category(client: FlaskClient, session: Session) -> None:
    sign_in(client, session)
    subject = "RE: Fwd: Wrong case sent, want a refund"
    page = client.get("/admin/rules", query_string={"subject": subject}).get_data(as_text=True)
    expected = categorize(subject, load_rules(session))
    assert expected == "wrong_item"
    assert "<strong>Wrong item</strong>" in page and "<code>wrong case</code>" in page
    assert "<q>Wrong case sent, want a refund</q>" in page
    none = client.get("/admin/rules", query_string={"subject": "Hello there"})
    assert "No active rule matches" in none.get_data(as_text=True)
    assert "<strong>General</strong>" in none.get_data(as_text=True)
    escaped = client.get("/admin/rules", query_string={"subject": "<script>x</script>"})
    assert "<script>x" not in escaped.get_data(as_text=True)
