"""Configuration: defaults per environment, overridden by environment variables and by the
environment file that HELPDESK_ENV_FILE names.

Nothing here runs at import time beyond defining functions; `load_config` is
called by `create_app` (or by a caller that builds its own mapping). The installed
package carries this file as `helpdesk.settings` (a symbolic link in the repository):
import it from there, never as a top-level `config`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from typing import Any

from dotenv import dotenv_values

DEFAULT_ORDER_PATTERNS = r"\b\d{3}-\d{7}-\d{7}\b|#\d{5,8}\b"


class ConfigError(RuntimeError):
    """Configuration that cannot run (reported as one line, never a traceback)."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str) -> int:
    return int(value.strip())


def _seconds(value: str) -> float:
    """A positive number of seconds, fractions allowed."""
    seconds = float(value.strip())
    if not 0 < seconds <= 3600:
        raise ValueError("give a number of seconds between 0 and 3600")
    return seconds


def _date(value: str) -> date:
    """A day written YYYY-MM-DD."""
    return date.fromisoformat(value.strip())


# name -> (parser, development default, test default, production default)
# A default of None means "unset"; DATABASE_URL's None means "SQLite in the instance folder".
_VARIABLES: dict[str, tuple[Any, Any, Any, Any]] = {
    "HELPDESK_ENV_FILE": (str, None, None, None),
    "HELPDESK_INSTANCE_PATH": (str, None, None, None),
    "DATABASE_URL": (str, None, None, None),
    "SECRET_KEY": (str, "dev-only-not-secret", "test-only-not-secret", None),
    "HELPDESK_SUPPORT_ADDRESS": (str, "support@procase.com", "support@procase.com", None),
    "HELPDESK_STORE_NAME": (str, "ProCase", "ProCase", "ProCase"),
    # The display name on our From; unset: HELPDESK_STORE_NAME + " Support".
    "HELPDESK_FROM_NAME": (str, None, None, None),
    "HELPDESK_MESSAGE_ID_DOMAIN": (str, None, None, None),
    "HELPDESK_TIMEZONE": (str, "America/Los_Angeles", "America/Los_Angeles", "America/Los_Angeles"),
    "HELPDESK_BUSINESS_HOURS": (str, "09:00-17:00", "09:00-17:00", "09:00-17:00"),
    "HELPDESK_BUSINESS_DAYS": (str, "mon-fri", "mon-fri", "mon-fri"),
    "HELPDESK_SLA_WARNING_MINUTES": (_int, 120, 120, 120),
    "HELPDESK_ORDER_PATTERN": (
        str,
        DEFAULT_ORDER_PATTERNS,
        DEFAULT_ORDER_PATTERNS,
        DEFAULT_ORDER_PATTERNS,
    ),
    "HELPDESK_ACKS_PER_SENDER_PER_HOUR": (_int, 3, 3, 3),
    "HELPDESK_ACK_MAX_AGE_HOURS": (_int, 24, 24, 24),
    "HELPDESK_TRUSTED_AUTHSERV_IDS": (str, "", "", ""),
    # Where people open the helpdesk: the start of links in mail (password reset, notifications).
    "HELPDESK_BASE_URL": (str, "http://127.0.0.1:5000", "http://helpdesk.test", None),
    # Seconds between a ticket page's heartbeats (who else is on the ticket, who is typing).
    "HELPDESK_PRESENCE_SECONDS": (_int, 10, 10, 10),
    "IMAP_HOST": (str, "127.0.0.1", "127.0.0.1", None),
    "IMAP_PORT": (_int, 1143, 1143, 993),
    "IMAP_USERNAME": (str, "demouser", None, None),
    "IMAP_PASSWORD": (str, "demopass", None, None),
    "IMAP_SSL": (str, "false", "false", "true"),
    "IMAP_FOLDER": (str, "INBOX", "INBOX", "INBOX"),
    "IMAP_POLL_SECONDS": (_int, 30, 1, 60),
    "IMAP_BATCH_SIZE": (_int, 200, 50, 200),
    "IMAP_MARK_SEEN": (_bool, True, True, True),
    "IMAP_PARSE_WORKERS": (_int, 1, 1, 1),
    "IMAP_TIMEOUT_SECONDS": (_int, 60, 10, 60),
    "IMAP_INGEST_SINCE": (_date, None, None, None),
    "MAX_MESSAGE_BYTES": (_int, 25 * 1024 * 1024, 25 * 1024 * 1024, 25 * 1024 * 1024),
    "MAIL_SERVER": (str, "127.0.0.1", "127.0.0.1", "localhost"),
    "MAIL_PORT": (_int, 1025, 1025, 25),
    "MAIL_USE_TLS": (_bool, False, False, False),
    "MAIL_USE_SSL": (_bool, False, False, False),
    "MAIL_USERNAME": (str, None, None, None),
    "MAIL_PASSWORD": (str, None, None, None),
    "MAIL_DEFAULT_SENDER": (str, None, None, None),
    "IMAP_AUTH": (str, "password", "password", "password"),
    "MAIL_AUTH": (str, "password", "password", "password"),
    "OAUTH_PROVIDER": (str, None, None, None),
    "OAUTH_GRANT": (str, None, None, None),
    "OAUTH_CLIENT_ID": (str, None, None, None),
    "OAUTH_CLIENT_SECRET": (str, None, None, None),
    "OAUTH_TENANT": (str, None, None, None),
    "OAUTH_TOKEN_URL": (str, None, None, None),
    "OAUTH_AUTHORIZE_URL": (str, None, None, None),
    "OAUTH_SCOPES": (str, None, None, None),
    "HELPDESK_ENCRYPTION_KEY": (str, None, None, None),
    "HELPDESK_PROXY_FIX": (_bool, False, False, False),
    "RATELIMIT_STORAGE_URI": (str, "memory://", "memory://", "memory://"),
    "LOGIN_LIMIT_PER_ACCOUNT": (str, "5 per 15 minutes", "5 per 15 minutes", "5 per 15 minutes"),
    "LOGIN_LIMIT_PER_ADDRESS": (str, "30 per 15 minutes", "30 per 15 minutes", "30 per 15 minutes"),
    "PASSWORD_RESET_LIMIT": (str, "5 per hour", "5 per hour", "5 per hour"),
    # A signed-in browser asks for the password again this many days after signing in.
    "SESSION_LIFETIME_DAYS": (_int, 30, 30, 30),
    # Files sent with a reply (helpdesk/outbox/files.py): per file, and the text and files
    # of one mail together, in bytes before encoding (base64 adds a third on the wire).
    "REPLY_MAX_FILE_BYTES": (_int, 10 * 1024 * 1024, 10 * 1024 * 1024, 10 * 1024 * 1024),
    "REPLY_MAX_BYTES": (_int, 15 * 1024 * 1024, 15 * 1024 * 1024, 15 * 1024 * 1024),
    "OUTBOX_MAX_ATTEMPTS": (_int, 8, 3, 8),
    "OUTBOX_POLL_SECONDS": (_int, 5, 1, 5),
    # A notification to staff waits this long for more events about its ticket (one mail).
    "NOTIFY_GROUP_SECONDS": (_int, 180, 180, 180),
    # How often an open queue or ticket page asks what changed (the live queue, banners).
    "HELPDESK_LIVE_POLL_SECONDS": (_seconds, 5.0, 1.0, 5.0),
}

ENVIRONMENTS = ("development", "test", "production")


def variable_names() -> list[str]:
    """Every setting read from the environment, in the table's order."""
    return list(_VARIABLES)


def load_config(env: str | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings for `env`, with values from `environ` (default os.environ) and
    from the environment file it names in HELPDESK_ENV_FILE."""
    environ = with_env_file(os.environ if environ is None else environ)
    env = env or environ.get("HELPDESK_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"HELPDESK_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    column = ENVIRONMENTS.index(env) + 1
    settings: dict[str, Any] = {"HELPDESK_ENV": env, "TESTING": env == "test"}
    for name, spec in _VARIABLES.items():
        parse, default = spec[0], spec[column]
        raw = environ.get(name)
        if raw is None or raw == "":
            settings[name] = default
            continue
        try:
            settings[name] = parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{name}={raw!r} is not valid: {exc}") from None
    return settings


def with_env_file(environ: Mapping[str, str]) -> Mapping[str, str]:
    """`environ` over the variables of the file HELPDESK_ENV_FILE names, if it names one:
    a variable set (not empty) in `environ` wins over the file."""
    path = environ.get("HELPDESK_ENV_FILE")
    if not path:
        return environ
    merged = read_env_file(path)
    merged.update({name: value for name, value in environ.items() if value != ""})
    return merged


def read_env_file(path: str) -> dict[str, str]:
    """The KEY=value lines of an environment file, read with python-dotenv. `$` is taken
    literally (no `${VAR}` expansion), as systemd's EnvironmentFile= would read it."""
    try:
        with open(path, encoding="utf-8") as stream:
            values = dotenv_values(stream=stream, interpolate=False)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"HELPDESK_ENV_FILE={path} cannot be read: {reason}") from None
    return {name: value for name, value in values.items() if value is not None}


def check_config(settings: Mapping[str, Any]) -> None:
    """Refuse settings that cannot run safely (production needs a real secret and database)."""
    if settings.get("HELPDESK_ENV") == "production":
        if not settings.get("DATABASE_URL"):
            raise ConfigError(
                "DATABASE_URL must be set in production (there is no SQLite fallback); "
                "is the environment file loaded (HELPDESK_ENV_FILE or --env-file)?"
            )
        if not settings.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY must be set in production")
        if not settings.get("HELPDESK_SUPPORT_ADDRESS"):
            raise ConfigError("HELPDESK_SUPPORT_ADDRESS must be set in production")
    if not 1 <= int(settings.get("HELPDESK_PRESENCE_SECONDS") or 10) <= 3600:
        raise ConfigError("HELPDESK_PRESENCE_SECONDS must be between 1 and 3600")
    ssl = str(settings.get("IMAP_SSL", "false")).lower()
    if ssl not in {"true", "false", "starttls"}:
        raise ConfigError(f"IMAP_SSL must be true, false or starttls, not {ssl!r}")
    _check_oauth(settings)


def _one_of(settings: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = str(settings.get(name) or "")
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _check_oauth(settings: Mapping[str, Any]) -> None:
    """OAuth 2.0 for the mailbox: the settings each provider and grant needs."""
    imap_auth = _one_of(settings, "IMAP_AUTH", ("password", "oauth2"))
    mail_auth = _one_of(settings, "MAIL_AUTH", ("password", "oauth2", "none"))
    if mail_auth != "password" and settings.get("MAIL_PASSWORD"):
        raise ConfigError(f"MAIL_PASSWORD is not used with MAIL_AUTH={mail_auth}: unset it")
    if "oauth2" not in (imap_auth, mail_auth):
        return
    provider = _one_of(settings, "OAUTH_PROVIDER", ("google", "microsoft", "custom"))
    grant = _one_of(settings, "OAUTH_GRANT", ("client_credentials", "authorization_code"))
    needed = ["OAUTH_CLIENT_ID", "HELPDESK_ENCRYPTION_KEY"]
    if imap_auth == "oauth2":
        needed.append("IMAP_USERNAME")
    if grant == "client_credentials":
        needed.append("OAUTH_CLIENT_SECRET")
    if provider == "microsoft":
        needed.append("OAUTH_TENANT")
    if provider == "custom":
        needed += ["OAUTH_TOKEN_URL", "OAUTH_SCOPES"]
        if grant == "authorization_code":
            needed.append("OAUTH_AUTHORIZE_URL")
    for name in needed:
        if not settings.get(name):
            raise ConfigError(f"{name} must be set with OAUTH_PROVIDER={provider} and {grant}")
    if provider == "google" and grant == "client_credentials":
        raise ConfigError(
            "OAUTH_PROVIDER=google needs OAUTH_GRANT=authorization_code (Google has no "
            "client-credentials access to Gmail)"
        )
    _check_encryption_keys(str(settings["HELPDESK_ENCRYPTION_KEY"]))


def _check_encryption_keys(value: str) -> None:
    from cryptography.fernet import Fernet

    for number, key in enumerate(value.split(","), start=1):
        try:
            Fernet(key.strip())
        except ValueError:
            raise ConfigError(
                f"HELPDESK_ENCRYPTION_KEY: key {number} is not a Fernet key (make one with "
                "`helpdesk mailbox new-key`)"
            ) from None
