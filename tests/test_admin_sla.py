"""Admins edit the SLA targets per category; missing rows are created on save."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import CATEGORIES, AuditEvent, SlaTarget
from helpdesk.reports.sla import seed_sla_targets
from tests.admin_helpers import assert_admin_only, audits, post, sign_in


def form(**changes: object) -> dict[str, object]:
    """The SLA form with every target empty, plus `changes` (field name -> value)."""
    return {**{f"{c}__first": "" for c in CATEGORIES}, **changes}


def targets(session: Session) -> dict[str, tuple[int | None, int | None, bool]]:
    session.rollback()
    return {
        t.category: (t.first_response_minutes, t.resolution_minutes, t.business_hours)
        for t in session.scalars(select(SlaTarget))
    }


def test_only_admins_may_edit_sla(client: FlaskClient, session: Session) -> None:
    assert_admin_only(client, session, gets=["/admin/sla"], posts=["/admin/sla"])
    assert session.scalar(select(func.count(AuditEvent.id))) == 0


def test_save_creates_missing_rows_and_audits_changes(
    client: FlaskClient, session: Session
) -> None:
    admin = sign_in(client, session)
    assert targets(session) == {}
    page = client.get("/admin/sla").get_data(as_text=True)
    assert "First response for Wrong item" in page and "Save SLA targets" in page
    data = form(wrong_item__first="60", wrong_item__resolution="1440", wrong_item__business="y")
    assert post(client, "/admin/sla", data).status_code == 302
    saved = targets(session)
    assert set(saved) == set(CATEGORIES)
    assert saved["wrong_item"] == (60, 1440, True) and saved["general"] == (None, None, False)
    events = audits(session, "sla.update")
    assert len(events) == len(CATEGORIES) and all(actor == admin.id for actor, _, _ in events)
    assert post(client, "/admin/sla", data).status_code == 302  # nothing changed: no audit
    assert len(audits(session, "sla.update")) == len(CATEGORIES)
    post(client, "/admin/sla", form(wrong_item__first="90", wrong_item__resolution=""))
    [(_, target, detail)] = audits(session, "sla.update")[len(CATEGORIES) :]
    assert target == "wrong_item" and detail["old"]["first_response_minutes"] == 60
    assert detail["new"] == {
        "first_response_minutes": 90,
        "resolution_minutes": None,
        "business_hours": False,
    }


def test_seeded_targets_show_and_bad_numbers_are_refused(
    client: FlaskClient, session: Session
) -> None:
    seed_sla_targets(session)
    session.commit()
    seeded = targets(session)
    sign_in(client, session)
    page = client.get("/admin/sla").get_data(as_text=True)
    first = seeded["shipping"][0]
    assert first is not None
    assert re.search(rf'<input[^>]*name="shipping__first"[^>]*value="{first}"', page)
    for bad in ("-5", "0", "ten", "999999999"):
        response = post(client, "/admin/sla", form(shipping__first=bad))
        assert response.status_code == 400, bad
        assert "field-error" in response.get_data(as_text=True)
    assert targets(session) == seeded
    assert audits(session, "sla.update") == []
