"""CLI commands, grouped by feature; each is a thin wrapper around service functions."""

from __future__ import annotations

import click


def register_commands(group: click.Group) -> None:
    from helpdesk.commands import (
        demo,
        export,
        ingest,
        mailbox,
        orders,
        outbox,
        setup,
        snooze,
        tokens,
        users,
    )

    for module in (users, ingest, outbox, mailbox, export, setup, demo, orders, tokens, snooze):
        module.register(group)
