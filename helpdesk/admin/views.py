"""Admin pages: each area is a module of its own, imported here to register its routes."""

from __future__ import annotations

from helpdesk.admin import (
    audit_views,  # noqa: F401
    blocklist_views,  # noqa: F401
    home_views,  # noqa: F401
    mailbox_oauth_views,  # noqa: F401
    mailbox_views,  # noqa: F401
    rules_views,  # noqa: F401
    sla_views,  # noqa: F401
    templates_views,  # noqa: F401
    users_views,  # noqa: F401
)
