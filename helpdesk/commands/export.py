from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from helpdesk.export import export_inbound, export_tickets
from helpdesk.extensions import db


@click.group("export")
def export() -> None:
    """Print data as JSON lines (backup and migration format)."""


@export.command("tickets")
@with_appcontext
def tickets() -> None:
    """One JSON object per ticket, with its messages."""
    for item in export_tickets(db.session):
        click.echo(json.dumps(item, ensure_ascii=False))


@export.command("inbound")
@with_appcontext
def inbound() -> None:
    """One JSON object per fetched mail, with what became of it."""
    for item in export_inbound(db.session):
        click.echo(json.dumps(item, ensure_ascii=False))


def register(group: click.Group) -> None:
    group.add_command(export)
