"""Migration 0022 on a database holding rows: forwards and their answers are allowed (the
message direction, outbox kind and event kind CHECKs), and the downgrade removes them
keeping everything else; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk
from tests.test_migration_0010 import ROWS as BASE_ROWS

__all__ = ["empty_db_env"]

ROWS = BASE_ROWS[:3]  # a customer, a ticket, its customer's message


def _message(id_: int, direction: str) -> str:
    return (
        'INSERT INTO message (id, ticket_id, direction, in_reply_to, "references", sender, '
        "sender_name, recipients, subject, text, automatic, delivery_failure, created_at) "
        f"VALUES ({id_}, 1, '{direction}', '', '', 'w@example.com', '', 'w@example.com', "
        "'Fwd: Hi', 'x', false, false, :t)"
    )


FORWARD_ROWS = (
    _message(2, "forward"),
    _message(3, "fwd_reply"),
    "INSERT INTO outbox_mail (id, ticket_id, message_pk, kind, message_id, from_address, "
    'to_address, subject, text, "references", status, attempts, next_attempt_at, created_at) '
    "VALUES (1, 1, 2, 'forward', 'f@example.com', 'support@procase.com', 'w@example.com', "
    "'Fwd: Hi', 'x', '', 'queued', 0, :t, :t)",
    "INSERT INTO ticket_event (ticket_id, kind, detail, created_at) "
    "VALUES (1, 'forward', 'to w@example.com', :t)",
)
WHEN = "2026-01-01 00:00:00+00:00"


def test_0022_allows_forwards(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0021", ROWS)
    try:
        with engine.begin() as conn:
            for row in FORWARD_ROWS:
                conn.execute(text(row), {"t": WHEN})
        downgraded = helpdesk(["db", "downgrade", "0021"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        with engine.begin() as conn:
            assert conn.execute(text("SELECT id FROM message")).scalars().all() == [1]
            assert conn.execute(text("SELECT count(*) FROM outbox_mail")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM ticket_event")).scalar() == 0
        for row in FORWARD_ROWS[:1]:
            with pytest.raises(exc.IntegrityError), engine.begin() as conn:
                conn.execute(text(row), {"t": WHEN})
    finally:
        engine.dispose()
