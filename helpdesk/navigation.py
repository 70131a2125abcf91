"""The page shell: the header's links (shown when the page exists and the user may see it,
the current section marked) and the favicon."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Flask, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

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

# The endpoints a header link stands for besides its own, by prefix: a ticket page is in
# "Tickets", a template's edit page in "Templates". A link not named here covers only itself.
SECTIONS: dict[str, tuple[str, ...]] = {
    "tickets.index": ("tickets.", "replies.", "policy_panel.", "conversations."),
    "reports.index": ("reports.",),
    "admin.templates": ("admin.template",),
    "admin.quarantine": ("admin.quarantine",),
    "admin.users": ("admin.user",),
    "admin.rules": ("admin.rule",),
    "admin.mailbox": ("admin.mailbox",),
}


class NavItem(NamedTuple):
    label: str
    endpoint: str
    current: str | None  # aria-current: "page" on the link's own page, "true" in its section


def current_mark(link: str, endpoint: str | None) -> str | None:
    """The header link `link`'s aria-current on the page at `endpoint`: "page" on the
    link's own page, "true" on another page of its section, else None."""
    if endpoint == link:
        return "page"
    if endpoint is not None and endpoint.startswith(SECTIONS.get(link, ())):
        return "true"
    return None


def nav_items() -> list[NavItem]:
    """The links this user may follow; `current` marks the one of the page shown."""
    return [
        NavItem(label, endpoint, current_mark(endpoint, request.endpoint))
        for label, endpoint, allowed in NAV
        if endpoint in current_app.view_functions and allowed(current_user)
    ]


def favicon() -> Response:
    """Clients that ask for /favicon.ico without reading the page's link get the SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


def register(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
    app.add_url_rule("/favicon.ico", "favicon", favicon)
