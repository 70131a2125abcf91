"""Migration 0007 on a database holding tickets: subjects and names become text, the rows
and the foreign keys that refer to them survive (SQLite rebuilds those tables), and a
downgrade cuts values to the old lengths."""

from __future__ import annotations

from sqlalchemy import text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

ROWS = (
    "INSERT INTO customer (id, email, name, created_at) VALUES (1, 'a@example.com', 'A', :t)",
    "INSERT INTO ticket (id, number, subject, category, status, priority, customer_id, "
    "created_at, updated_at) VALUES (1, 1001, 'Hi', 'general', 'open', 'normal', 1, :t, :t)",
    'INSERT INTO message (id, ticket_id, direction, in_reply_to, "references", sender, '
    "sender_name, recipients, subject, text, automatic, delivery_failure, created_at) "
    "VALUES (1, 1, 'inbound', '', '', 'a@example.com', 'A', '', 'Hi', 'x', false, false, :t)",
    "INSERT INTO ticket_event (ticket_id, kind, created_at) VALUES (1, 'created', :t)",
)


def test_0007_keeps_the_rows_and_takes_long_subjects(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0006", ROWS)
    try:
        long = "s" * 3000
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM ticket_event")).scalar() == 1
            for table, column in (("ticket", "subject"), ("message", "subject")):
                conn.execute(text(f"UPDATE {table} SET {column} = :v"), {"v": long})
            conn.execute(text("UPDATE message SET sender_name = :v"), {"v": long})
            conn.execute(text("UPDATE customer SET name = :v"), {"v": long})
        downgraded = helpdesk(["db", "downgrade", "0006"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        with engine.begin() as conn:
            subject = conn.execute(text("SELECT subject FROM ticket")).scalar()
            # PostgreSQL cuts to varchar(500); SQLite keeps what it has (it enforces no length)
            assert subject == (long[:500] if engine.dialect.name == "postgresql" else long)
            assert conn.execute(text("SELECT count(*) FROM message")).scalar() == 1
    finally:
        engine.dispose()
