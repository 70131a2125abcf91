from __future__ import annotations

import click
from flask.cli import with_appcontext

from helpdesk.categories import seed_rules
from helpdesk.extensions import db


@click.command("seed")
@with_appcontext
def seed() -> None:
    """Add the store's default category rules if there are none yet."""
    added = seed_rules(db.session)
    db.session.commit()
    click.echo(f"Added {added} category rules" if added else "Category rules already present")


def register(group: click.Group) -> None:
    group.add_command(seed)
