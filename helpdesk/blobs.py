"""Content-addressed byte storage in the database (raw mails and attachments)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.database import insert_ignore
from helpdesk.models import Blob


def store_blobs(session: Session, blobs: Mapping[str, bytes]) -> None:
    """Store each sha256 -> bytes once, in one statement (a second writer is a no-op)."""
    if blobs:
        session.execute(
            insert_ignore(session, Blob),
            [{"sha256": sha, "size": len(data), "data": data} for sha, data in blobs.items()],
        )


def store_blob(session: Session, data: bytes) -> str:
    """Store `data` once; returns its sha256."""
    digest = hashlib.sha256(data).hexdigest()
    store_blobs(session, {digest: data})
    return digest


def load_blob(session: Session, sha256: str) -> bytes | None:
    return session.scalar(select(Blob.data).where(Blob.sha256 == sha256))
