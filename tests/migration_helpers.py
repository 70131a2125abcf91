"""Migration tests: a database at an old revision, holding rows, migrated to the head."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, create_engine, text

from tests.test_cli import helpdesk

WHEN = "2026-01-01 00:00:00+00:00"  # every row's timestamps (`:t` in the statements)


def upgrade_holding(env: dict[str, str], revision: str, rows: Iterable[str]) -> Engine:
    """Migrate to `revision`, run the `rows` INSERTs, migrate to the head; the engine is the
    caller's to dispose."""
    assert helpdesk(["db", "upgrade", revision], env).returncode == 0
    engine = create_engine(env["DATABASE_URL"])
    with engine.begin() as conn:
        for row in rows:
            conn.execute(text(row), {"t": WHEN})
    upgraded = helpdesk(["db", "upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stderr
    return engine
