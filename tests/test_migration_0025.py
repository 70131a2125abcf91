"""Migration 0025 on a database holding rows: the status 'spam', the outcome 'blocked' and
the blocklist table are allowed; the downgrade gives spam tickets back the status they had
and blocked mail reads as ignored; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

ROWS = (
    "INSERT INTO customer (id, email, name, created_at) VALUES (1, 'a@example.com', 'A', :t)",
    "INSERT INTO ticket (id, number, subject, category, status, priority, customer_id, "
    "created_at, updated_at, first_contact_at) "
    "VALUES (1, 1001, 'Hi', 'general', 'solved', 'normal', 1, :t, :t, :t)",
    "INSERT INTO fetched_mail (mailbox, uidvalidity, uid, size, outcome, created_at) "
    "VALUES ('m', 1, 1, 10, 'ticket', :t)",
)
SPAM = (
    "INSERT INTO ticket_event (ticket_id, kind, old_value, new_value, created_at) "
    "VALUES (1, 'status', 'solved', 'spam', :t)"
)
BLOCKED = (
    "INSERT INTO fetched_mail (mailbox, uidvalidity, uid, size, outcome, reason, created_at) "
    "VALUES ('m', 1, 2, 10, 'blocked', 'blocked: the sender is on the blocklist', :t)"
)
ENTRY = (
    "INSERT INTO blocked_sender (value, kind, note, created_at) "
    "VALUES ('spam.example', 'domain', '', :t)"
)
T = {"t": "2026-01-01 00:00:00+00:00"}


def test_0025_adds_spam_and_the_blocklist(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0024", ROWS)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE ticket SET status = 'spam'"))
            conn.execute(text(SPAM), T)
            conn.execute(text(BLOCKED), T)
            conn.execute(text(ENTRY), T)
        with pytest.raises(exc.IntegrityError), engine.begin() as conn:
            conn.execute(text(ENTRY), T)  # one entry per value
        with pytest.raises(exc.IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE ticket SET status = 'junk'"))
        downgraded = helpdesk(["db", "downgrade", "0024"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        with engine.begin() as conn:
            assert conn.execute(text("SELECT status FROM ticket")).scalar() == "solved"
            outcomes = conn.execute(text("SELECT outcome FROM fetched_mail ORDER BY uid"))
            assert outcomes.scalars().all() == ["ticket", "ignored"]
        with pytest.raises(exc.IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE ticket SET status = 'spam'"))
        upgraded = helpdesk(["db", "upgrade"], empty_db_env)
        assert upgraded.returncode == 0, upgraded.stderr
    finally:
        engine.dispose()
