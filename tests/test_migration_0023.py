"""Migration 0023 on a database holding a ticket: ticket.cc is added empty, and the
downgrade drops it keeping the ticket; SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk
from tests.test_migration_0017 import ROWS

__all__ = ["empty_db_env"]


def test_0023_adds_ticket_cc(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0022", ROWS)
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT cc FROM ticket")).scalar() == ""
            conn.execute(text("UPDATE ticket SET cc = 'b@example.com'"))
        downgraded = helpdesk(["db", "downgrade", "0022"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM ticket")).scalar() == 1
    finally:
        engine.dispose()
