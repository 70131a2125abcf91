"""Migration 0010 on a database holding rows: the rows survive, and a value outside a
vocabulary is refused afterwards (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

ROWS = (
    "INSERT INTO customer (id, email, name, created_at) VALUES (1, 'a@example.com', 'A', :t)",
    "INSERT INTO ticket (id, number, subject, category, status, priority, customer_id, "
    "created_at, updated_at, first_contact_at) "
    "VALUES (1, 1001, 'Hi', 'general', 'open', 'normal', 1, :t, :t, :t)",
    'INSERT INTO message (id, ticket_id, direction, in_reply_to, "references", sender, '
    "sender_name, recipients, subject, text, automatic, delivery_failure, created_at) "
    "VALUES (1, 1, 'inbound', '', '', 'a@example.com', 'A', '', 'Hi', 'x', false, false, :t)",
    "INSERT INTO ticket_event (ticket_id, kind, created_at) VALUES (1, 'created', :t)",
    "INSERT INTO fetched_mail (id, mailbox, uidvalidity, uid, size, outcome, reason, "
    "created_at) VALUES (1, 'm', 1, 1, 0, 'ticket', '', :t)",
    "INSERT INTO outbox_mail (id, ticket_id, kind, message_id, from_address, to_address, "
    'subject, text, "references", status, attempts, next_attempt_at, created_at) VALUES '
    "(1, 1, 'ack', '<a@x>', 's@x', 'a@example.com', 'Re: Hi', 'x', '', 'sent', 1, :t, :t)",
)

BAD = (
    "UPDATE ticket SET status = 'lost'",
    "UPDATE ticket_event SET kind = 'exploded'",
    "UPDATE message SET direction = 'sideways'",
    "UPDATE fetched_mail SET outcome = 'duplicate'",
    "UPDATE outbox_mail SET status = 'maybe'",
    "UPDATE outbox_mail SET kind = 'spam'",
)


def test_0010_keeps_the_rows_and_refuses_unknown_values(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, "0009", ROWS)
    try:
        with engine.begin() as conn:
            for table in ("ticket", "ticket_event", "message", "fetched_mail", "outbox_mail"):
                assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1
            conn.execute(text("UPDATE ticket SET status = 'solved'"))  # in the vocabulary
        for statement in BAD:
            with pytest.raises(IntegrityError), engine.begin() as conn:
                conn.execute(text(statement))
        downgraded = helpdesk(["db", "downgrade", "0009"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        with engine.begin() as conn:
            conn.execute(text("UPDATE ticket SET status = 'lost'"))  # no constraint any more
            assert conn.execute(text("SELECT count(*) FROM ticket")).scalar() == 1
    finally:
        engine.dispose()
