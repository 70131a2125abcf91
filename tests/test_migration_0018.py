"""Migration 0018 on a database holding an outbox row: cc and bcc are added empty, and the
downgrade drops them keeping the row; SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

ROWS = (
    "INSERT INTO outbox_mail (id, kind, message_id, from_address, to_address, subject, text, "
    '"references", status, attempts, next_attempt_at, created_at) '
    "VALUES (1, 'account', 'x@example.com', 'support@procase.com', 'a@example.com', 'Hi', "
    "'Hello', '', 'queued', 0, :t, :t)",
)


def test_0018_adds_cc_and_bcc(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0017", ROWS)
    try:
        with engine.begin() as conn:
            assert tuple(conn.execute(text("SELECT cc, bcc FROM outbox_mail")).one()) == ("", "")
            conn.execute(text("UPDATE outbox_mail SET cc = 'b@example.com'"))
        downgraded = helpdesk(["db", "downgrade", "0017"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM outbox_mail")).scalar() == 1
    finally:
        engine.dispose()
