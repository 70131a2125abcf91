"""Migration 0020 on a database holding rows: the ticket_presence table, one row per
(ticket, user, page), deleted with its ticket; the downgrade drops it; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, inspect, text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

ROWS = (
    "INSERT INTO customer (id, email, name, created_at) VALUES (1, 'a@example.com', 'A', :t)",
    "INSERT INTO ticket (id, number, subject, category, status, priority, customer_id, "
    "created_at, updated_at, first_contact_at) "
    "VALUES (1, 1001, 'Hi', 'general', 'open', 'normal', 1, :t, :t, :t)",
    'INSERT INTO "user" (id, email, name, role, password_hash, active, created_at) '
    "VALUES (1, 'ann@procase.com', 'Ann', 'agent', 'x', true, :t)",
)
PRESENCE = (
    "INSERT INTO ticket_presence (ticket_id, user_id, page_key, seen_at) "
    "VALUES (1, 1, 'page-aaaaaaaa', :t)"
)
T = {"t": "2026-01-01 00:00:00+00:00"}


def test_0020_adds_ticket_presence(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0019", ROWS)
    try:
        with engine.begin() as conn:
            conn.execute(text(PRESENCE), T)
        with pytest.raises(exc.IntegrityError), engine.begin() as conn:
            conn.execute(text(PRESENCE), T)  # one row per page
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.execute(text("DELETE FROM ticket WHERE id = 1"))
            assert conn.execute(text("SELECT count(*) FROM ticket_presence")).scalar() == 0
        downgraded = helpdesk(["db", "downgrade", "0019"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        assert "ticket_presence" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
