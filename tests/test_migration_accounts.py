"""The accounts migration on a database holding a user and an outbox row: the user gains an
empty signature and no second factor, the new tables work, the outbox takes the 'account'
kind and still refuses unknown ones; it downgrades (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.migration_helpers import upgrade_holding
from tests.test_cli import empty_db_env, helpdesk

__all__ = ["empty_db_env"]

BEFORE = "0010"  # the revision before the accounts migration

ROWS = (
    'INSERT INTO "user" (id, email, name, role, password_hash, active, created_at) '
    "VALUES (1, 'a@procase.com', 'A', 'agent', 'x', true, :t)",
    "INSERT INTO outbox_mail (id, kind, message_id, from_address, to_address, "
    'subject, text, "references", status, attempts, next_attempt_at, created_at) VALUES '
    "(1, 'ack', '<a@x>', 's@x', 'c@example.com', 'Re: Hi', 'x', '', 'sent', 1, :t, :t)",
)

NEW_ROWS = (
    "INSERT INTO user_session (user_id, token_hash, user_agent, created_at) "
    "VALUES (1, 'h1', '', :t)",
    "INSERT INTO password_reset (user_id, token_hash, created_at, expires_at) "
    "VALUES (1, 'h2', :t, :t)",
    "INSERT INTO recovery_code (user_id, code_hash) VALUES (1, 'h3')",
    "INSERT INTO app_setting (key, value, updated_at) VALUES ('two_factor_required', '1', :t)",
    "INSERT INTO outbox_mail (id, kind, message_id, from_address, to_address, "
    'subject, text, "references", status, attempts, next_attempt_at, created_at) VALUES '
    "(2, 'account', '<b@x>', 's@x', 'a@procase.com', 'Reset', 'x', '', 'queued', 0, :t, :t)",
)


def test_accounts_migration_keeps_rows_and_adds_the_tables(empty_db_env: dict[str, str]) -> None:
    engine = upgrade_holding(empty_db_env, BEFORE, ROWS)
    try:
        with engine.begin() as conn:
            user = conn.execute(
                text('SELECT signature, totp_secret, totp_enabled_at FROM "user"')
            ).one()
            assert tuple(user) == ("", None, None)
            for row in NEW_ROWS:
                conn.execute(text(row), {"t": "2026-01-01 00:00:00+00:00"})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE outbox_mail SET kind = 'spam' WHERE id = 1"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO user_session (user_id, token_hash, user_agent, created_at) "
                    "VALUES (1, 'h1', '', '2026-01-01 00:00:00+00:00')"
                )
            )
        downgraded = helpdesk(["db", "downgrade", BEFORE], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        with engine.begin() as conn:
            assert conn.execute(text("SELECT kind FROM outbox_mail")).scalars().all() == ["ack"]
            assert conn.execute(text('SELECT count(*) FROM "user"')).scalar() == 1
    finally:
        engine.dispose()
