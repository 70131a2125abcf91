from __future__ import annotations

import click
from flask.cli import with_appcontext

from helpdesk.database import writer_session
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.tickets.snooze import wake_due


@click.group("snooze")
def snooze() -> None:
    """Snoozed tickets."""


@snooze.command("wake")
@with_appcontext
def wake() -> None:
    """Reopen the snoozed tickets whose time has come (`outbox send` does it every round)."""
    session = writer_session(db.engine)
    woke = wake_due(session, utcnow(), limit=100_000)
    session.commit()
    click.echo(f"{woke} tickets back from snooze")


def register(group: click.Group) -> None:
    group.add_command(snooze)
