"""Counting the SQL statements an engine runs (the `count_queries` fixture)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import Engine, event

CountQueries = Callable[[], AbstractContextManager[list[str]]]


def statement_counter(engine: Engine) -> CountQueries:
    """`with counter() as statements:` lists every statement `engine` runs in the block."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def before(_conn: Any, _cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
