"""Configuration from the environment: defaults, parsing, refusal to run unsafely."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk.settings import ConfigError, check_config, load_config


def test_development_defaults_point_at_the_demo_mailbox() -> None:
    config = load_config("development", environ={})
    assert config["IMAP_PORT"] == 1143 and config["IMAP_FOLDER"] == "INBOX"
    assert config["MAX_MESSAGE_BYTES"] == 25 * 1024 * 1024
    assert config["DATABASE_URL"] is None


def test_environment_overrides_and_parses() -> None:
    config = load_config(
        "production",
        environ={
            "SECRET_KEY": "s",
            "IMAP_PORT": "10993",
            "IMAP_MARK_SEEN": "false",
            "MAIL_USE_TLS": "yes",
            "HELPDESK_SUPPORT_ADDRESS": "help@store.example",
            "DATABASE_URL": "postgresql://helpdesk@localhost/helpdesk",
        },
    )
    assert config["IMAP_PORT"] == 10993 and config["IMAP_MARK_SEEN"] is False
    assert config["MAIL_USE_TLS"] is True
    check_config(config)


def test_production_refuses_to_start_without_secret_key() -> None:
    config = load_config(
        "production", environ={"HELPDESK_SUPPORT_ADDRESS": "a@b.c", "DATABASE_URL": "sqlite://"}
    )
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        check_config(config)


def test_production_refuses_to_fall_back_to_sqlite() -> None:
    environ = {"SECRET_KEY": "s", "HELPDESK_SUPPORT_ADDRESS": "a@b.c"}
    with pytest.raises(ConfigError, match="DATABASE_URL must be set in production"):
        check_config(load_config("production", environ=environ))
    check_config(load_config("production", environ={**environ, "DATABASE_URL": "sqlite:///x"}))


def test_the_environment_file_fills_what_the_environment_leaves_unset(tmp_path: Path) -> None:
    env_file = tmp_path / "helpdesk.env"
    env_file.write_text(
        "# comment\n"
        "HELPDESK_ENV=production\n"
        "export DATABASE_URL=postgresql://helpdesk:pa$word@db/helpdesk\n"
        'SECRET_KEY="from the file"\n'
        "IMAP_PORT=1993\n"
        "HELPDESK_SUPPORT_ADDRESS=help@store.example\n"
    )
    environ = {"HELPDESK_ENV_FILE": str(env_file), "SECRET_KEY": "from env", "IMAP_PORT": ""}
    config = load_config(environ=environ)
    assert config["HELPDESK_ENV"] == "production"
    assert config["SECRET_KEY"] == "from env"  # the environment wins
    assert config["IMAP_PORT"] == 1993  # an empty variable counts as unset
    assert config["DATABASE_URL"] == "postgresql://helpdesk:pa$word@db/helpdesk"  # no $ expansion
    assert config["HELPDESK_ENV_FILE"] == str(env_file)
    assert load_config(environ={"SECRET_KEY": "s"})["DATABASE_URL"] is None  # no file, no values


def test_an_unreadable_environment_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing.env"
    with pytest.raises(ConfigError, match=f"HELPDESK_ENV_FILE={missing} cannot be read"):
        load_config(environ={"HELPDESK_ENV_FILE": str(missing)})


@pytest.mark.parametrize(
    ("environ", "message"),
    [({"IMAP_PORT": "abc"}, "IMAP_PORT"), ({"HELPDESK_ENV": "staging"}, "HELPDESK_ENV")],
)
def test_bad_values_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(environ=environ)


def test_bad_imap_ssl_is_refused() -> None:
    with pytest.raises(ConfigError, match="IMAP_SSL"):
        check_config(load_config("development", environ={"IMAP_SSL": "maybe"}))


def test_postgresql_sends_sqlalchemys_sql_as_is() -> None:
    """Raw cursors with $1 parameters: psycopg does not re-parse each statement in Python."""
    import psycopg

    from helpdesk import postgresql_engine_options

    options = postgresql_engine_options()
    assert options["paramstyle"] == "numeric_dollar" and options["pool_pre_ping"]
    assert options["connect_args"]["cursor_factory"] is psycopg.RawCursor
