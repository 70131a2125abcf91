"""The audit log: every change to a setting or record, with who made it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from helpdesk.models import AuditEvent


def record_audit(
    session: Session,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: object = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event in the caller's transaction (e.g. "user.role", "user", 7, old=..)."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        detail=json.dumps(detail, default=str, sort_keys=True),
    )
    session.add(event)
    return event
