"""Shared fixtures: an app on SQLite or PostgreSQL (HELPDESK_TEST_DB), a clean database
per test, and the real IMAP/SMTP servers from tests/servers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from helpdesk import create_app
from helpdesk.categories import seed_rules
from helpdesk.extensions import db
from helpdesk.models import Base
from helpdesk.replies.templates import seed_templates
from helpdesk.settings import load_config
from tests.query_count import CountQueries, statement_counter
from tests.servers.fixtures import *  # noqa: F403

PG_ADMIN_URL = os.environ.get(
    "HELPDESK_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _test_database_kind() -> str:
    return os.environ.get("HELPDESK_TEST_DB", "sqlite")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A brand-new empty database for this test session, dropped at the end."""
    if _test_database_kind() == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "helpdesk.sqlite3")
        return
    name = f"helpdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_config(database_url: str, instance: Path, **overrides: object) -> dict[str, object]:
    config = load_config("test", environ={})
    config.update(DATABASE_URL=database_url, INSTANCE_PATH=str(instance), WTF_CSRF_ENABLED=True)
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def _schema_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    app = create_app(make_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        Base.metadata.create_all(db.engine)
        db.engine.dispose()  # its pooled connection would outlive the dropped database
    return app


def _wipe(session: Session) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            session.execute(table.delete())
    session.commit()


@pytest.fixture
def app(_schema_app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app on the session's database, emptied and seeded with the default rules."""
    app = create_app(make_config(database_url, tmp_path / "instance"))
    with app.app_context():
        _wipe(db.session)
        seed_rules(db.session)
        seed_templates(db.session)
        db.session.commit()
        yield app
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Session:
    return db.session


@pytest.fixture
def web_app(app: Flask) -> Iterator[Flask]:
    """A second app on the same database for requests, so requests never share the
    test's app context (and its `g`: CSRF token and signed-in user caches)."""
    web = create_app(dict(app.config))
    yield web
    with web.app_context():
        db.engine.dispose()


@pytest.fixture
def client(web_app: Flask):  # type: ignore[no-untyped-def]
    return web_app.test_client()


@pytest.fixture
def count_queries(web_app: Flask) -> CountQueries:
    """`with count_queries() as statements:` lists every SQL statement the requests' app
    (web_app) runs in the block."""
    with web_app.app_context():
        return statement_counter(db.engine)


@pytest.fixture
def smtp(app: Flask, smtp_server):  # type: ignore[no-untyped-def]
    """The test SMTP server, with the app's flask-mail pointed at it."""
    app.config.update(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
    state = app.extensions["mail"]
    state.server, state.port = smtp_server.host, smtp_server.port
    return smtp_server
