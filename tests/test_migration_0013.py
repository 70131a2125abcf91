"""Migration 0013 on a database holding rows: each answered ticket gets the author of its
first reply (not the automatic acknowledgement, not a later reply), SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

MESSAGE = (
    'INSERT INTO message (id, ticket_id, direction, in_reply_to, "references", sender, '
    "sender_name, recipients, subject, text, automatic, delivery_failure, author_id, "
    "created_at) VALUES ({id}, {ticket}, '{direction}', '', '', 's@x', '', '', 'Hi', 'x', "
    "{automatic}, false, {author}, :t)"
)
TICKET = (
    "INSERT INTO ticket (id, number, subject, category, status, priority, customer_id, "
    "created_at, updated_at, first_contact_at, first_response_at) "
    "VALUES ({id}, {id}, 'Hi', 'general', 'open', 'normal', 1, :t, :t, :t, {answered})"
)
ROWS = (
    "INSERT INTO customer (id, email, name, created_at) VALUES (1, 'a@example.com', 'A', :t)",
    *(
        'INSERT INTO "user" (id, email, name, role, password_hash, active, created_at) '
        f"VALUES ({n}, 'u{n}@procase.com', 'U{n}', 'agent', 'x', true, :t)"
        for n in (1, 2)
    ),
    TICKET.format(id=1, answered=":t"),
    MESSAGE.format(id=1, ticket=1, direction="inbound", automatic="false", author="NULL"),
    MESSAGE.format(id=2, ticket=1, direction="outbound", automatic="true", author="NULL"),
    MESSAGE.format(id=3, ticket=1, direction="note", automatic="false", author=1),
    MESSAGE.format(id=4, ticket=1, direction="outbound", automatic="false", author=2),
    MESSAGE.format(id=5, ticket=1, direction="outbound", automatic="false", author=1),
    TICKET.format(id=2, answered="NULL"),  # not answered
    MESSAGE.format(id=6, ticket=2, direction="inbound", automatic="false", author="NULL"),
)


def test_0013_credits_the_first_reply_to_its_author(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0012", ROWS)
    try:
        with engine.begin() as conn:
            found = conn.execute(text("SELECT id, first_responder_id FROM ticket ORDER BY id"))
            assert found.all() == [(1, 2), (2, None)]
        downgraded = helpdesk(["db", "downgrade", "0012"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM ticket")).scalar() == 2
    finally:
        engine.dispose()
