"""The header's links: shown when the page exists and the user may see it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from flask_login import current_user

from helpdesk import access

# (label, endpoint, who may see it); a feature adds its pages here.
NAV: list[tuple[str, str, Callable[[Any], bool]]] = [
    ("Tickets", "tickets.index", access.can_work_tickets),
    ("Reports", "reports.index", access.can_view_reports),
    ("Admin", "admin.home", access.can_administer),
    ("Templates", "admin.templates", access.can_manage_templates),
    ("Quarantine", "admin.quarantine", access.can_manage_quarantine),
    ("Users", "admin.users", access.can_administer),
    ("Rules", "admin.rules", access.can_administer),
    ("SLA", "admin.sla", access.can_administer),
    ("Mailbox", "admin.mailbox", access.can_manage_quarantine),
    ("Audit log", "admin.audit", access.can_administer),
]


def nav_items() -> list[tuple[str, str]]:
    return [
        (label, endpoint)
        for label, endpoint, allowed in NAV
        if endpoint in current_app.view_functions and allowed(current_user)
    ]


def register(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
