"""The main pages of the admin console and the reports, for the browser tests that visit
them all (axe, phone width)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import CategoryRule, ReplyTemplate, User
from tests.factories import make_user
from tests.ingest_helpers import ingest


def admin_and_report_pages(session: Session) -> tuple[User, list[str]]:
    """An admin, and the paths of every report and admin page (with a quarantined mail,
    a rule and a template to show)."""
    quarantined = ingest(session, b"\x00\xff garbage that is no mail")
    admin = make_user(session, "admin")
    rule = session.scalars(select(CategoryRule)).first()
    template = session.scalars(select(ReplyTemplate)).first()
    assert rule is not None and template is not None
    return admin, [
        "/reports/",
        "/reports/activity",
        "/reports/money",
        "/reports/sla",
        "/admin",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{admin.id}",
        "/admin/rules",
        "/admin/rules/new",
        f"/admin/rules/{rule.id}/edit",
        "/admin/templates",
        "/admin/templates/new",
        f"/admin/templates/{template.id}/edit",
        "/admin/sla",
        "/admin/quarantine",
        f"/admin/quarantine/{quarantined.id}",
        "/admin/mailbox",
        "/admin/audit",
    ]
