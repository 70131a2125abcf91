"""SLA targets as an admin edits them: one row per category, audited. Does not commit.

How tickets are measured against the targets is in helpdesk/reports/sla.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.audit import record_audit
from helpdesk.models import CATEGORIES, SlaTarget, utcnow
from helpdesk.reports.sla import load_targets

MAX_MINUTES = 60 * 24 * 365


class SlaError(ValueError):
    """Targets that cannot be saved (the message says why)."""


@dataclass(frozen=True)
class TargetValues:
    """A category's targets in minutes; None is no target."""

    first_response_minutes: int | None
    resolution_minutes: int | None
    business_hours: bool

    @classmethod
    def of(cls, target: SlaTarget | None) -> TargetValues:
        if target is None:
            return cls(None, None, False)
        return cls(target.first_response_minutes, target.resolution_minutes, target.business_hours)


def current_values(session: Session) -> dict[str, TargetValues]:
    """Every category's targets (no row: no targets)."""
    targets = load_targets(session)
    return {category: TargetValues.of(targets.get(category)) for category in CATEGORIES}


def save_targets(
    session: Session,
    actor_id: int,
    values: Mapping[str, TargetValues],
    now: datetime | None = None,
) -> list[str]:
    """Store the changed categories' targets (adding missing rows); returns their names."""
    for category, value in values.items():
        if category not in CATEGORIES:
            raise SlaError(f"there is no category {category!r}")
        for minutes in (value.first_response_minutes, value.resolution_minutes):
            if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
                raise SlaError(f"targets are between 1 and {MAX_MINUTES} minutes")
    targets = load_targets(session)
    changed = []
    for category, value in values.items():
        old = TargetValues.of(targets.get(category))
        if value == old and category in targets:
            continue
        target = targets.get(category) or SlaTarget(category=category)
        session.add(target)
        for name, new in asdict(value).items():
            setattr(target, name, new)
        target.updated_at = now or utcnow()
        record_audit(
            session,
            actor_id,
            "sla.update",
            "sla_target",
            category,
            old=asdict(old),
            new=asdict(value),
        )
        changed.append(category)
    return changed
