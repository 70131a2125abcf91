"""The helpdesk Flask application."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, request

# What the app reads at run time ships inside the package; in the repository
# helpdesk/templates and helpdesk/migrations are symbolic links to the top-level directories.
PACKAGE_DIR = Path(__file__).resolve().parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from `config` (default: `load_config()` from the environment and the
    environment file HELPDESK_ENV_FILE names)."""
    from helpdesk.settings import check_config, load_config

    settings = dict(load_config() if config is None else config)
    app = Flask(
        __name__,
        template_folder=str(packaged_dir("templates")),
        instance_path=settings.get("INSTANCE_PATH") or settings.get("HELPDESK_INSTANCE_PATH"),
        instance_relative_config=False,
    )
    app.config.update(settings)
    check_config(app.config)
    from helpdesk.outbox.files import request_cap

    app.config.setdefault("MAX_CONTENT_LENGTH", request_cap(app.config))
    from helpdesk import input_guard

    input_guard.register_converters(app)
    if app.config.get("HELPDESK_PROXY_FIX"):
        # Behind one reverse proxy: client address, scheme, host and prefix from X-Forwarded-*.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)  # type: ignore[method-assign]
    _configure_database(app)
    _configure_mail(app)
    _configure_cookies(app, settings)

    from helpdesk.extensions import csrf, db, limiter, login_manager, mail, migrate

    db.init_app(app)
    migrations = str(packaged_dir("migrations"))
    migrate.init_app(app, db, directory=migrations, render_as_batch=True)
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        from helpdesk.database import tune_engine

        tune_engine(db.engine)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # a first visit is greeted by the form, not a warning

    from helpdesk.database import take_write_lock_first

    app.before_request(lambda: take_write_lock_first(db.session, request.method))

    from helpdesk import errors, labels, navigation, security, timefmt
    from helpdesk.auth.loader import load_user

    login_manager.user_loader(load_user)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    errors.register(app)
    input_guard.register(app)
    security.register(app)
    navigation.register(app)
    labels.register(app)
    timefmt.register(app)
    return app


def packaged_dir(name: str) -> Path:
    """A directory of the package the app cannot run without (templates, migrations)."""
    from helpdesk.settings import ConfigError

    path = PACKAGE_DIR / name
    if not path.is_dir():
        raise ConfigError(f"{path} is missing: the helpdesk is not completely installed")
    return path


def _blueprints() -> list[Blueprint]:
    """The features, in registration order; importing a feature's views adds its routes."""
    import helpdesk.account.password_views
    import helpdesk.account.twofactor_views
    import helpdesk.account.views
    import helpdesk.admin.views
    import helpdesk.api.views
    import helpdesk.auth.views
    import helpdesk.conversations.views
    import helpdesk.live.views
    import helpdesk.policy_panel.views
    import helpdesk.presence.views
    import helpdesk.replies.views
    import helpdesk.reports.views
    import helpdesk.tickets.views

    return [
        helpdesk.auth.bp,
        helpdesk.account.bp,
        helpdesk.tickets.bp,
        helpdesk.live.bp,
        helpdesk.replies.bp,
        helpdesk.conversations.bp,
        helpdesk.api.bp,
        helpdesk.admin.bp,
        helpdesk.policy_panel.bp,
        helpdesk.presence.bp,
        helpdesk.reports.bp,
    ]


def postgresql_engine_options() -> dict[str, Any]:
    """psycopg's raw cursors with `$1` parameters: psycopg then sends SQLAlchemy's SQL as it
    is. Its default cursors split every statement into placeholders in Python, and cache
    that only for short ones, so each multi-row INSERT of an ingest batch (thousands of
    parameters) was parsed again: a fifth of a 5,000-mail ingest (benchmarks/README.md)."""
    import psycopg

    return {
        "pool_pre_ping": True,
        "paramstyle": "numeric_dollar",
        "connect_args": {"cursor_factory": psycopg.RawCursor},
    }


def _configure_database(app: Flask) -> None:
    url = app.config.get("DATABASE_URL")
    if not url:
        try:
            Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            from helpdesk.settings import ConfigError

            raise ConfigError(
                f"DATABASE_URL is not set and the folder for a SQLite file cannot be made "
                f"({app.instance_path}: {exc.strerror}); is the environment file loaded?"
            ) from None
        url = "sqlite:///" + str(Path(app.instance_path) / "helpdesk.sqlite3")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", postgresql_engine_options())


def _configure_cookies(app: Flask, settings: Mapping[str, Any]) -> None:
    """HttpOnly, SameSite=Lax, and Secure in production (served over HTTPS behind a proxy)."""
    secure = settings.get("HELPDESK_ENV") == "production"
    defaults = {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
    }
    for key, value in defaults.items():
        if key not in settings:  # Flask pre-fills these keys, so setdefault would not apply
            app.config[key] = value


def _configure_mail(app: Flask) -> None:
    app.config.setdefault("MAIL_SUPPRESS_SEND", False)  # flask-mail would mute tests
    if not app.config.get("MAIL_DEFAULT_SENDER"):
        app.config["MAIL_DEFAULT_SENDER"] = app.config.get("HELPDESK_SUPPORT_ADDRESS")
    if not app.config.get("HELPDESK_MESSAGE_ID_DOMAIN"):
        address = app.config.get("HELPDESK_SUPPORT_ADDRESS") or "helpdesk@localhost"
        app.config["HELPDESK_MESSAGE_ID_DOMAIN"] = "helpdesk." + address.rpartition("@")[2]
