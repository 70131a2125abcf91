"""Migration 0021 on a database holding rows: tickets get changed_at (NULL: nothing changed
since the upgrade) with its partial index, and the downgrade drops them; SQLite and
PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

ROWS = (
    "INSERT INTO customer (id, email, name, created_at) VALUES (1, 'a@example.com', 'A', :t)",
    "INSERT INTO ticket (id, number, subject, category, status, priority, customer_id, "
    "created_at, updated_at, first_contact_at) "
    "VALUES (1, 1001, 'Hi', 'general', 'open', 'normal', 1, :t, :t, :t)",
)


def index_names(engine: Engine) -> set[str]:
    """The ticket table's indexes (the inspector warns about the expression index)."""
    query = (
        "SELECT indexname FROM pg_indexes WHERE tablename = 'ticket'"
        if engine.dialect.name == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ticket'"
    )
    with engine.connect() as conn:
        return set(conn.execute(text(query)).scalars())


def test_0021_adds_changed_at(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0020", ROWS)
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT changed_at FROM ticket")).scalar() is None
            conn.execute(text("UPDATE ticket SET changed_at = :t"), {"t": "2026-02-01"})
        assert "ix_ticket_changed_at" in index_names(engine)
        downgraded = helpdesk(["db", "downgrade", "0020"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        engine.dispose()
        columns = {c["name"] for c in inspect(engine).get_columns("ticket")}
        assert "changed_at" not in columns
        assert "ix_ticket_changed_at" not in index_names(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM ticket")).scalar() == 1
    finally:
        engine.dispose()
