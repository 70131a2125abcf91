"""Migration 0016 on a database holding a user: both notification choices are on for
existing users, the outbox takes 'notify' mail, and it downgrades (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, inspect, text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

ROWS = (
    'INSERT INTO "user" (id, email, name, role, password_hash, active, created_at) '
    "VALUES (1, 'a@procase.com', 'A', 'agent', 'x', true, :t)",
)
NOTIFY_ROW = (
    "INSERT INTO outbox_mail (id, kind, message_id, from_address, to_address, "
    'subject, text, "references", status, attempts, next_attempt_at, created_at) VALUES '
    "(1, 'notify', '<n@x>', 's@x', 'a@procase.com', 'Assigned', 'x', '', 'queued', 0, :t, :t)"
)


def test_0016_turns_notifications_on_and_downgrades(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0015", ROWS)
    try:
        with engine.begin() as conn:
            choices = conn.execute(
                text('SELECT notify_assigned, notify_customer_wrote FROM "user"')
            ).one()
            assert tuple(map(bool, choices)) == (True, True)
            conn.execute(text(NOTIFY_ROW), {"t": "2026-01-01 00:00:00+00:00"})
        downgraded = helpdesk(["db", "downgrade", "0015"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        columns = {c["name"] for c in inspect(engine).get_columns("user")}
        assert not {"notify_assigned", "notify_customer_wrote"} & columns
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM outbox_mail")).scalar() == 0
        with pytest.raises(exc.IntegrityError), engine.begin() as conn:
            conn.execute(text(NOTIFY_ROW), {"t": "2026-01-01 00:00:00+00:00"})
    finally:
        engine.dispose()
