"""Content-addressed byte storage in the database (raw mails and attachments)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import Blob


def store_blob(session: Session, data: bytes, sha256: str | None = None) -> str:
    """Store `data` once (a second writer of the same bytes is a no-op); returns its sha256."""
    digest = sha256 or hashlib.sha256(data).hexdigest()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - other databases are not supported
        raise RuntimeError(f"unsupported database {dialect}")
    session.execute(
        insert(Blob)
        .values(sha256=digest, size=len(data), data=data)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return digest


def load_blob(session: Session, sha256: str) -> bytes | None:
    return session.scalar(select(Blob.data).where(Blob.sha256 == sha256))
