"""Migration 0019 on a database holding a user: the SLA choice is on and the snooze choice
off for existing users, the two tables take rows, and it downgrades (SQLite and
PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

ROWS = (
    'INSERT INTO "user" (id, email, name, role, password_hash, active, created_at) '
    "VALUES (1, 'a@procase.com', 'A', 'agent', 'x', true, :t)",
)


def test_0019_adds_the_choices_and_tables_and_downgrades(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0018", ROWS)
    try:
        with engine.begin() as conn:
            choices = conn.execute(text('SELECT notify_sla, notify_snoozed FROM "user"')).one()
            assert tuple(map(bool, choices)) == (True, False)
            conn.execute(
                text("INSERT INTO category_follow (user_id, category) VALUES (1, 'return')")
            )
        downgraded = helpdesk(["db", "downgrade", "0018"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        inspector = inspect(engine)
        columns = {c["name"] for c in inspector.get_columns("user")}
        assert not {"notify_sla", "notify_snoozed"} & columns
        assert not {"category_follow", "sla_notice"} & set(inspector.get_table_names())
    finally:
        engine.dispose()
