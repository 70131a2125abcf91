"""Engine tuning per database, applied once when the app is created."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


def tune_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)


def _tune_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and our own BEGIN.

    pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented
    recipe takes it over. Background writers (poller, outbox) and web requests that
    write (take_write_lock_first) begin IMMEDIATE so two of them queue for the write
    lock instead of failing on lock upgrade; everything else begins DEFERRED so an idle
    reader never blocks a writer.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer_session(engine: Engine) -> Session:
    """A session for a background writer (poller, outbox sender): on SQLite it takes the
    write lock when its transaction begins; elsewhere it is an ordinary session."""
    return Session(bind=engine.execution_options(sqlite_immediate=True), expire_on_commit=False)


def insert_ignore(session: Session, model: type) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING for this session's database (SQLite or PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(model).on_conflict_do_nothing()
    raise RuntimeError(f"unsupported database {dialect}")  # pragma: no cover - not supported


def upsert(
    session: Session, model: type, values: dict[str, Any], keys: list[str], update: dict[str, Any]
) -> Insert:
    """INSERT `values`, or on a conflict on the unique `keys` UPDATE `update` instead, for
    this session's database (SQLite or PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return (
            pg_insert(model).values(values).on_conflict_do_update(index_elements=keys, set_=update)
        )
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return (
            sqlite_insert(model)
            .values(values)
            .on_conflict_do_update(index_elements=keys, set_=update)
        )
    raise RuntimeError(f"unsupported database {dialect}")  # pragma: no cover - not supported


# Requests that usually write. Their transactions on SQLite take the write lock first.
WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def take_write_lock_first(session: Session, method: str) -> None:
    """On SQLite, begin a writing request's transaction with the write lock (BEGIN
    IMMEDIATE), before it reads (the sign-in's lookup). A transaction that read first and
    writes after another process committed fails at once ("database is locked": its snapshot
    is stale, and SQLite does not wait then); one that holds the lock from the start waits
    for other writers (busy_timeout) instead. Frequent writers (the ticket pages'
    heartbeats) made that failure likely. Elsewhere, and for reading requests, nothing."""
    if method in WRITING_METHODS and session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_immediate": True})
