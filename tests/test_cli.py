"""The `helpdesk` command as a user runs it: help, migrations, users, errors."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL, _test_database_kind
from tests.poller_helpers import ROOT, run_cli


def helpdesk(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli(args, env, stdin=stdin)


@pytest.fixture
def empty_db_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a CLI run against a brand-new, empty database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMAP_", "MAIL_"))}
    env.update(
        HELPDESK_ENV="development",
        HELPDESK_INSTANCE_PATH=str(tmp_path / "instance"),
        PYTHONPATH=str(ROOT),
    )
    if _test_database_kind() == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp_path}/cli.sqlite3"
        yield env
        return
    name = f"helpdesk_cli_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield env
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_help_lists_every_command(empty_db_env: dict[str, str]) -> None:
    out = helpdesk(["--help"], empty_db_env).stdout
    for command in ("db", "run", "users", "ingest", "outbox", "quarantine", "export", "seed"):
        assert f"  {command} " in out


def test_migrations_create_the_schema_the_models_describe(empty_db_env: dict[str, str]) -> None:
    upgrade = helpdesk(["db", "upgrade"], empty_db_env)
    assert upgrade.returncode == 0, upgrade.stderr
    check = helpdesk(["db", "check"], empty_db_env)
    assert check.returncode == 0 and "No new upgrade operations" in check.stdout + check.stderr
    seeded = helpdesk(["seed"], empty_db_env)
    assert "already present" in seeded.stdout  # the migration seeded the rules
    assert helpdesk(["db", "downgrade", "base"], empty_db_env).returncode == 0


def test_users_create_with_prompt_and_duplicate(empty_db_env: dict[str, str]) -> None:
    assert helpdesk(["db", "upgrade"], empty_db_env).returncode == 0
    created = helpdesk(
        ["users", "create", "Ann@ProCase.com", "--name", "Ann", "--role", "manager"],
        empty_db_env,
        stdin="a long password\na long password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created manager ann@procase.com" in created.stdout
    again = helpdesk(
        ["users", "create", "ann@procase.com", "--name", "Ann", "--password", "another password"],
        empty_db_env,
    )
    assert again.returncode != 0 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    short = helpdesk(
        ["users", "create", "bo@procase.com", "--name", "Bo", "--password", "x"], empty_db_env
    )
    assert short.returncode != 0 and "at least 8 characters" in short.stderr


def test_production_without_secret_key_says_so_in_one_line(empty_db_env: dict[str, str]) -> None:
    env = {**empty_db_env, "HELPDESK_ENV": "production", "SECRET_KEY": ""}
    result = helpdesk(["export", "tickets"], env)
    assert result.returncode != 0
    assert result.stderr.strip() == "Error: SECRET_KEY must be set in production"
