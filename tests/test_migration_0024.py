"""Migration 0024 on a database holding rows: tickets get merged_into_id and events
merged_from_id (NULL), the merge and split event kinds are allowed, and the downgrade
drops them; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

ROWS = (
    "INSERT INTO customer (id, email, name, created_at) VALUES (1, 'a@example.com', 'A', :t)",
    *(
        "INSERT INTO ticket (id, number, subject, category, status, priority, customer_id, "
        "created_at, updated_at, first_contact_at) "
        f"VALUES ({n}, {1000 + n}, 'Hi', 'general', 'open', 'normal', 1, :t, :t, :t)"
        for n in (1, 2)
    ),
    "INSERT INTO ticket_event (ticket_id, kind, created_at) VALUES (2, 'created', :t)",
)
EVENT = (
    "INSERT INTO ticket_event (ticket_id, kind, old_value, new_value, created_at) "
    "VALUES (1, 'merge', '1002', '1001', :t)"
)


def test_0024_adds_merge_and_split(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0023", ROWS)
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT merged_into_id FROM ticket")).all() == [(None,)] * 2
            assert conn.execute(text("SELECT merged_from_id FROM ticket_event")).one() == (None,)
            conn.execute(
                text("UPDATE ticket SET merged_into_id = 1, status = 'closed' WHERE id = 2")
            )
            conn.execute(text("UPDATE ticket_event SET ticket_id = 1, merged_from_id = 2"))
            conn.execute(text(EVENT), {"t": "2026-01-01 00:00:00+00:00"})
        downgraded = helpdesk(["db", "downgrade", "0023"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM ticket")).scalar() == 2
            assert conn.execute(text("SELECT kind FROM ticket_event")).all() == [("created",)]
        with pytest.raises(exc.IntegrityError), engine.begin() as conn:
            conn.execute(text(EVENT), {"t": "2026-01-01 00:00:00+00:00"})
        upgraded = helpdesk(["db", "upgrade"], empty_db_env)
        assert upgraded.returncode == 0, upgraded.stderr
    finally:
        engine.dispose()
