from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from helpdesk.database import writer_session
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.periodic import Periodic


@click.group("snooze")
def snooze() -> None:
    """Snoozed tickets."""


@snooze.command("wake")
@with_appcontext
def wake() -> None:
    """Reopen the snoozed tickets whose time has come (`outbox send` does it every round)."""
    session = writer_session(db.engine)
    woke = Periodic.from_app(current_app).wake(session, utcnow(), limit=100_000)
    click.echo(f"{woke} tickets back from snooze")


@click.group("sla")
def sla() -> None:
    """SLA targets."""


@sla.command("check")
@with_appcontext
def check() -> None:
    """Mail the assignees of tickets newly about to miss or missing an SLA target, once
    each (`outbox send` does it every minute)."""
    session = writer_session(db.engine)
    noticed = Periodic.from_app(current_app).check_sla(session, utcnow(), limit=100_000)
    click.echo(f"{noticed} SLA targets newly due soon or missed")


def register(group: click.Group) -> None:
    group.add_command(snooze)
    group.add_command(sla)
