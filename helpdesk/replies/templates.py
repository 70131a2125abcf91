"""Managing reply templates: the seeded defaults, the suggestion for a ticket, edits."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import (
    CATEGORIES,
    ReplyTemplate,
    Ticket,
    utcnow,
)
from helpdesk.policy import Verdict
from helpdesk.replies.defaults import DEFAULT_TEMPLATES
from helpdesk.replies.errors import ReplyError
from helpdesk.replies.rendering import SAMPLE_VARIABLES, render_text

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


def active_templates(session: Session) -> list[ReplyTemplate]:
    return list(
        session.scalars(
            select(ReplyTemplate)
            .where(ReplyTemplate.active.is_(True))
            .order_by(ReplyTemplate.position, ReplyTemplate.id)
        )
    )


def suggested_key(
    ticket: Ticket, verdict: Verdict | None, templates: list[ReplyTemplate]
) -> str | None:
    """The saved verdict's template if active, else the first for the ticket's category."""
    keys = {t.key for t in templates}
    if verdict is not None and verdict.template in keys:
        return verdict.template
    for template in templates:
        if template.category == ticket.category:
            return template.key
    return "general" if "general" in keys else None


def seed_templates(session: Session) -> int:
    """Add the default templates when there are none; returns how many were added."""
    if session.scalar(select(func.count(ReplyTemplate.id))):
        return 0
    for index, (key, name, category, body) in enumerate(DEFAULT_TEMPLATES, start=1):
        session.add(
            ReplyTemplate(
                key=key, name=name, category=category, body=body, position=index * 10, active=True
            )
        )
    session.flush()
    return len(DEFAULT_TEMPLATES)


def _check_fields(name: str, category: str | None, body: str) -> None:
    if not name.strip():
        raise ReplyError("Give the template a name.")
    if category is not None and category not in CATEGORIES:
        raise ReplyError(f"Unknown category {category!r}.")
    if not body.strip():
        raise ReplyError("The template body is empty.")
    render_text(body, SAMPLE_VARIABLES)  # one that cannot render would break ticket pages


def create_template(
    session: Session,
    *,
    key: str,
    name: str,
    category: str | None,
    body: str,
    active: bool = True,
    position: int | None = None,
) -> ReplyTemplate:
    """A new template; the key is lowercase letters, digits and underscores, and unique."""
    if not KEY_PATTERN.match(key):
        raise ReplyError("The key uses lowercase letters, digits and _ and starts with a letter.")
    if session.scalar(select(ReplyTemplate.id).where(ReplyTemplate.key == key)) is not None:
        raise ReplyError(f"A template with the key {key!r} exists already.")
    _check_fields(name, category, body)
    if position is None:
        position = (session.scalar(select(func.max(ReplyTemplate.position))) or 0) + 10
    template = ReplyTemplate(
        key=key,
        name=name.strip(),
        category=category,
        body=body,
        active=active,
        position=position,
        updated_at=utcnow(),
    )
    session.add(template)
    session.flush()
    return template


def update_template(
    session: Session,
    template: ReplyTemplate,
    *,
    name: str,
    category: str | None,
    body: str,
    active: bool,
    position: int | None = None,
) -> None:
    """Change a template's name, category, body, active flag (and position)."""
    _check_fields(name, category, body)
    template.name, template.category, template.body = name.strip(), category, body
    template.active = active
    if position is not None:
        template.position = position
    template.updated_at = utcnow()
