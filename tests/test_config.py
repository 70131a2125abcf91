"""Configuration from the environment: defaults, parsing, refusal to run unsafely."""

from __future__ import annotations

import pytest

from config import ConfigError, check_config, load_config


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
        },
    )
    assert config["IMAP_PORT"] == 10993 and config["IMAP_MARK_SEEN"] is False
    assert config["MAIL_USE_TLS"] is True
    check_config(config)


def test_production_refuses_to_start_without_secret_key() -> None:
    config = load_config("production", environ={"HELPDESK_SUPPORT_ADDRESS": "a@b.c"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        check_config(config)


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
