"""/admin: the console's home, each area with a one-line state, for admins only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk.audit import record_audit
from helpdesk.models import MailboxCursor, SlaTarget
from tests.admin_helpers import assert_admin_only, post, sign_in
from tests.factories import make_user
from tests.ingest_helpers import ingest
from tests.query_count import CountQueries


def test_only_admins_see_the_console_home(client: FlaskClient, session: Session) -> None:
    anonymous = client.get("/admin")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert_admin_only(client, session, gets=["/admin", "/admin/"], posts=[])
    page = client.get("/admin")
    assert page.status_code == 200 and client.get("/admin/").status_code == 200
    header_link = r'<a href="/admin"[^>]*>Admin</a>'
    assert re.search(header_link, page.get_data(as_text=True))
    post(client, "/logout")
    sign_in(client, session, "manager")
    assert 'href="/admin"' not in client.get("/").get_data(as_text=True)


def test_each_area_has_a_link_and_its_state(client: FlaskClient, session: Session) -> None:
    admin = sign_in(client, session, "admin")
    page = client.get("/admin").get_data(as_text=True)
    assert "Active: 0 agents, 0 managers, 1 admin" in page
    assert "No targets set" in page and "The poller has not run yet" in page
    assert "Empty" in page and "No entries yet" in page
    for area in ("users", "rules", "sla", "templates", "mailbox", "quarantine", "audit"):
        assert f'href="/admin/{area}"' in page, area

    make_user(session, "agent")
    make_user(session, "agent")
    make_user(session, "manager")
    session.add(SlaTarget(category="warranty", first_response_minutes=60))
    polled = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    session.add(
        MailboxCursor(
            mailbox="support@procase.com",
            last_poll_at=polled,
            last_error="IMAP login failed",
            last_error_at=datetime(2026, 11, 30, 9, 20, tzinfo=UTC),
        )
    )
    ingest(session, b"\x00\xff not a mail")  # quarantined
    record_audit(session, admin.id, "rule.create", "category_rule", 7)
    session.commit()
    page = client.get("/admin").get_data(as_text=True)
    assert "Active: 2 agents, 1 manager, 1 admin" in page
    assert "Targets for 1 of" in page and "Warranty" in page
    # the store's zone (America/Los_Angeles in tests), UTC in the tooltip
    assert "Last poll <time" in page and '"2026-11-30 09:15 UTC">2026-11-30 01:15 PST' in page
    assert "last error" in page and "IMAP login failed" in page
    assert "1 mail waiting" in page
    assert f"Latest: Rule added on Category rule 7 by {admin.name}" in page
    assert "category rules" in page and "reply templates" in page


def test_the_home_page_costs_the_same_queries_however_much_data(
    count_queries: CountQueries, client: FlaskClient, session: Session
) -> None:
    admin = sign_in(client, session, "admin")
    with count_queries() as few:
        assert client.get("/admin").status_code == 200
    for n in range(5):
        make_user(session, "agent")
        ingest(session, b"\x00\xff not a mail %d" % n)
        record_audit(session, admin.id, "user.create", "user", n)
        session.add(MailboxCursor(mailbox=f"box{n}", last_poll_at=datetime.now(UTC)))
    session.commit()
    with count_queries() as many:
        assert client.get("/admin").status_code == 200
    assert len(many) == len(few)
