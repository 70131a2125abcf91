"""Who may do what: small predicates, decided here and nowhere else.

Views call `require(predicate, user, ...)`, which answers 403 when it is false.
Roles grow: an agent works tickets; a manager also sees reports; an admin also
manages users, rules, templates and the quarantine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort

RANK = {"agent": 1, "manager": 2, "admin": 3}


def _rank(user: Any) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    if not getattr(user, "active", False):
        return 0
    return RANK.get(getattr(user, "role", ""), 0)


def can_work_tickets(user: Any) -> bool:
    return _rank(user) >= RANK["agent"]


def can_view_ticket(user: Any, ticket: Any) -> bool:
    return can_work_tickets(user)


def can_view_reports(user: Any) -> bool:
    return _rank(user) >= RANK["manager"]


def can_administer(user: Any) -> bool:
    return _rank(user) >= RANK["admin"]


def can_manage_templates(user: Any) -> bool:
    return can_administer(user)


def can_manage_quarantine(user: Any) -> bool:
    return can_administer(user)


def require(predicate: Callable[..., bool], *args: Any) -> None:
    """Abort with 403 unless `predicate(*args)` holds."""
    if not predicate(*args):
        abort(403, "You do not have access to this page.")
