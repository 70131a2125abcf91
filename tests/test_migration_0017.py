"""Migration 0017 on a database holding rows: tickets get snoozed_until and woke_at (NULL),
the snooze event kind is allowed, and the downgrade drops them; SQLite and PostgreSQL."""

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
    "VALUES (1, 1001, 'Hi', 'general', 'pending', 'normal', 1, :t, :t, :t)",
)
EVENT = (
    "INSERT INTO ticket_event (ticket_id, kind, new_value, created_at) "
    "VALUES (1, 'snooze', '2026-02-01T00:00:00+00:00', :t)"
)


def test_0017_adds_snooze(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0016", ROWS)
    try:
        with engine.begin() as conn:
            row = conn.execute(text("SELECT snoozed_until, woke_at FROM ticket")).one()
            assert tuple(row) == (None, None)
            conn.execute(text("UPDATE ticket SET snoozed_until = :t"), {"t": "2026-02-01"})
            conn.execute(text(EVENT), {"t": "2026-01-01 00:00:00+00:00"})
        downgraded = helpdesk(["db", "downgrade", "0016"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM ticket")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM ticket_event")).scalar() == 0
        with pytest.raises(exc.IntegrityError), engine.begin() as conn:
            conn.execute(text(EVENT), {"t": "2026-01-01 00:00:00+00:00"})
    finally:
        engine.dispose()
