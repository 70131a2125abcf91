from __future__ import annotations

import click
from flask.cli import with_appcontext

from helpdesk.categories import seed_rules
from helpdesk.extensions import db
from helpdesk.replies.templates import seed_templates
from helpdesk.reports.sla import seed_sla_targets


@click.command("seed")
@with_appcontext
def seed() -> None:
    """Add the store's default category rules, reply templates and SLA targets where missing."""
    added = seed_rules(db.session)
    templates = seed_templates(db.session)
    targets = seed_sla_targets(db.session)
    db.session.commit()
    click.echo(f"Added {added} category rules" if added else "Category rules already present")
    click.echo(
        f"Added {templates} reply templates" if templates else "Reply templates already present"
    )
    click.echo(f"Added {targets} SLA targets" if targets else "SLA targets already present")


def register(group: click.Group) -> None:
    group.add_command(seed)
