"""Keyset pages by id, newest first, for the admin lists (no OFFSET, deep pages stay cheap)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select
from sqlalchemy.orm import InstrumentedAttribute, Session


@dataclass(frozen=True)
class IdPage:
    rows: list[Row[Any]]  # each row's first element is the entity paged by its id
    older: int | None  # `before` of the next (older) page
    newer: int | None  # `after` of the previous (newer) page


def id_page(
    session: Session,
    query: Select[*tuple[Any, ...]],
    id_column: InstrumentedAttribute[int],
    before: int | None,
    after: int | None,
    size: int,
) -> IdPage:
    """One page of `query`: ids below `before`, or above `after`, else the newest."""
    if after is not None:
        query = query.where(id_column > after).order_by(id_column)
    else:
        if before is not None:
            query = query.where(id_column < before)
        query = query.order_by(id_column.desc())
    rows = list(session.execute(query.limit(size + 1)).all())
    more = len(rows) > size
    rows = rows[:size]
    if after is not None:
        rows.reverse()
    has_older = more if after is None else bool(rows)
    has_newer = (before is not None) if after is None else more
    return IdPage(
        rows=rows,
        older=rows[-1][0].id if rows and has_older else None,
        newer=rows[0][0].id if rows and has_newer else None,
    )
