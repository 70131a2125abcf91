"""Migration 0015 on a database holding rows: existing tickets become searchable by the
words of their subject and of all their messages (PostgreSQL), the new indexes exist, and
it downgrades (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

MESSAGE = (
    'INSERT INTO message (id, ticket_id, direction, in_reply_to, "references", sender, '
    "sender_name, recipients, subject, text, automatic, delivery_failure, created_at) "
    "VALUES ({id}, {ticket}, 'inbound', '', '', 'a@example.com', 'A', '', 'Re: Hi', "
    "'{text}', false, false, :t)"
)
ROWS = (
    "INSERT INTO customer (id, email, name, created_at) VALUES (1, 'a@example.com', 'A', :t)",
    *(
        "INSERT INTO ticket (id, number, subject, category, status, priority, customer_id, "
        f"created_at, updated_at, first_contact_at) VALUES ({n}, {1000 + n}, 'Hinge broke', "
        "'general', 'open', 'normal', 1, :t, :t, :t)"
        for n in (1, 2, 3)
    ),
    MESSAGE.format(id=1, ticket=1, text="The zipper came off."),
    MESSAGE.format(id=2, ticket=1, text="Any news about my refund?"),
    MESSAGE.format(id=3, ticket=2, text="Wrong colour."),
)
SEARCH = "SELECT id FROM ticket WHERE search @@ plainto_tsquery('simple', :q) ORDER BY id"


def ticket_indexes(engine: Engine) -> set[str]:
    """Index names read from the catalog (reflection skips expression indexes on SQLite)."""
    sql = (
        "SELECT indexname FROM pg_indexes WHERE tablename = 'ticket'"
        if engine.dialect.name == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ticket'"
    )
    with engine.connect() as conn:
        return set(conn.execute(text(sql)).scalars())


def test_0015_fills_the_search_document(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0014", ROWS)
    try:
        indexes = ticket_indexes(engine)
        assert {"ix_ticket_mine", "ix_ticket_open_priority"} <= indexes
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                assert "ix_ticket_search" in indexes
                found = {
                    q: conn.execute(text(SEARCH), {"q": q}).scalars().all()
                    for q in ("zipper refund", "hinge", "colour", "zipper colour")
                }
                assert found == {
                    "zipper refund": [1],  # words of two messages
                    "hinge": [1, 2, 3],  # the subject, also of a ticket without messages
                    "colour": [2],
                    "zipper colour": [],
                }
                fts = "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_message_fts'"
                assert conn.execute(text(fts)).scalar() == 0
            else:  # SQLite searches the messages; the column is there, empty
                assert conn.execute(text("SELECT count(search) FROM ticket")).scalar() == 0
        downgraded = helpdesk(["db", "downgrade", "0014"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        columns = {c["name"] for c in inspect(engine).get_columns("ticket")}
        assert "search" not in columns
        assert not {"ix_ticket_mine", "ix_ticket_open_priority"} & ticket_indexes(engine)
    finally:
        engine.dispose()
